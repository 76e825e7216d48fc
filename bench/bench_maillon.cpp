// Benchmarks (Google Benchmark). Figures go to doc/benchmarks.md, always next
// to BM_SecpSchnorrVerify, the machine's raw libsecp256k1 rate, as a ratio.
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <filesystem>
#include <string>
#include <vector>

#include "chain/chain.h"
#include "chain/state_tree.h"
#include "consensus/block_verify.h"
#include "consensus/params.h"
#include "consensus/tx_verify.h"
#include "primitives/account.h"
#include "primitives/transaction.h"
#include "test/util/setup.h"

namespace {

using namespace maillon;
using maillon::test::Dev;
using maillon::test::MakeTransfer;
using maillon::test::TestKey;

// A transfer of 1000 at the minimum fee.
Transaction Transfer(const PrivKey& from, const XOnlyPubKey& to, uint64_t nonce) {
    return MakeTransfer(from, to, 1000, Dev().min_tx_fee, nonce);
}

// The state-tree key of account number i.
Hash256 StateKeyN(uint64_t i) {
    std::array<uint8_t, 8> k{};
    for (int b = 0; b < 8; ++b)
        k[b] = static_cast<uint8_t>(i >> (8 * b));
    return TaggedHash("MaillonStateKey", k);
}

// The reference: libsecp256k1's BIP340 verify called directly.
void BM_SecpSchnorrVerify(benchmark::State& state) {
    const PrivKey key = TestKey(1);
    const Hash256 msg = TaggedHash("bench", std::vector<uint8_t>{1, 2, 3});
    const SchnorrSig sig = key.Sign(msg);
    const XOnlyPubKey pub = key.PubKey();
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_xonly_pubkey_parse(secp256k1_context_static, &xpk, pub.data()))
        state.SkipWithError("parse");
    for (auto _ : state) {
        benchmark::DoNotOptimize(secp256k1_schnorrsig_verify(secp256k1_context_static, sig.data(),
                                                             msg.data(), 32, &xpk));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SecpSchnorrVerify);

// Decode + every stateless rule + the signature, as at mempool entry.
void BM_DecodeAndCheckTransaction(benchmark::State& state) {
    const std::vector<uint8_t> raw = Transfer(TestKey(1), TestKey(2).PubKey(), 0).Serialize();
    for (auto _ : state) {
        auto tx = DecodeTransaction(raw);
        benchmark::DoNotOptimize(CheckTransaction(*tx, Dev()).ok());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndCheckTransaction);

// One key updated per batch in a tree of range(0) accounts.
void BM_StateTreeUpdate(benchmark::State& state) {
    MemoryNodeStore store;
    StateTree tree(store, kEmptyStateHash);
    StateUpdates init;
    const uint64_t n = static_cast<uint64_t>(state.range(0));
    for (uint64_t i = 0; i < n; ++i)
        init[StateKeyN(i)] = SerializeAccount(Account{i, 0, 0, 0});
    if (!tree.Apply(init)) state.SkipWithError("init");
    uint64_t round = 0;
    for (auto _ : state) {
        const uint64_t i = round++ % n;
        StateUpdates u;
        u[StateKeyN(i)] = SerializeAccount(Account{round, 1, 0, 0});
        if (!tree.Apply(u)) state.SkipWithError("apply");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateTreeUpdate)->Arg(1'000)->Arg(100'000);

// Full validation and commit of a block of range(0) transfers from distinct
// senders: header, body (every signature checked), state, one LevelDB batch.
void BM_ConnectBlock(benchmark::State& state) {
    const size_t n = static_cast<size_t>(state.range(0));
    const std::string dir =
        std::filesystem::temp_directory_path() / ("maillon_bench_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    auto chain = Chain::Open(dir, Dev());
    if (!chain) {
        state.SkipWithError(chain.error().message.c_str());
        return;
    }
    const PrivKey dev = DevKey();
    // Fund n senders in one block.
    std::vector<PrivKey> senders;
    std::vector<Transaction> funding;
    for (size_t i = 0; i < n; ++i) {
        senders.push_back(TestKey(1000 + i));
        funding.push_back(
            MakeTransfer(dev, senders.back().PubKey(), 1'000'000'000, Dev().min_tx_fee, i));
    }
    uint64_t now = Dev().genesis_time_ms + 1000;
    auto fund = test::DevBlock(**chain, funding, now);
    if (!fund || !(*chain)->ConnectBlock(*fund, now)) state.SkipWithError("funding block");

    uint64_t nonce = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::vector<Transaction> txs;
        for (size_t i = 0; i < n; ++i)
            txs.push_back(Transfer(senders[i], dev.PubKey(), nonce));
        ++nonce;
        now += 1000;
        auto block = test::DevBlock(**chain, txs, now);
        state.ResumeTiming();
        Status st = (*chain)->ConnectBlock(*block, now);
        if (!st) state.SkipWithError(st.error().message.c_str());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
    chain->reset();
    std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ConnectBlock)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
