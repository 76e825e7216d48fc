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
#include "consensus/params.h"
#include "consensus/records.h"
#include "consensus/transaction.h"
#include "consensus/tx_verify.h"
#include "crypto/hash_tags.h"
#include "test/util/setup.h"

namespace {

using namespace maillon;
using maillon::test::Dev;
using maillon::test::MakeTransfer;
using maillon::test::TestKey;

// The state-tree key of account number i.
Hash256 StateKeyN(uint64_t i) {
    std::array<uint8_t, 8> k{};
    for (int b = 0; b < 8; ++b)
        k[b] = static_cast<uint8_t>(i >> (8 * b));
    return TaggedHash(Tag::kStateKey, k);
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
    const std::vector<uint8_t> raw =
        MakeTransfer(TestKey(1), TestKey(2).PubKey(), 1000).Serialize();
    for (auto _ : state) {
        auto tx = DecodeTransaction(raw);
        benchmark::DoNotOptimize(CheckTransaction(*tx, Dev()).ok() &&
                                 CheckTransactionSignatures(*tx).ok());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndCheckTransaction);

// A tagged hash of 64 bytes (a state tree node) per iteration, on one and
// two threads at once: no lock is shared, so the rate per thread holds.
void BM_TaggedHash(benchmark::State& state) {
    const std::vector<uint8_t> data(64, 0x5a);
    for (auto _ : state)
        benchmark::DoNotOptimize(TaggedHash(Tag::kStateNode, data));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TaggedHash)->Threads(1)->Threads(2)->UseRealTime();

// One key updated per batch in a tree of range(0) accounts.
void BM_StateTreeUpdate(benchmark::State& state) {
    MemoryNodeStore store;
    StateTree tree(store, kEmptyStateHash);
    StateChanges init;
    const uint64_t n = static_cast<uint64_t>(state.range(0));
    for (uint64_t i = 0; i < n; ++i)
        init[StateKeyN(i)] = Account{i, 0, 0}.Encode();
    if (!tree.Apply(init)) state.SkipWithError("init");
    uint64_t round = 0;
    for (auto _ : state) {
        const uint64_t i = round++ % n;
        StateChanges u;
        u[StateKeyN(i)] = Account{round, 1, 0}.Encode();
        if (!tree.Apply(u)) state.SkipWithError("apply");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateTreeUpdate)->Arg(1'000)->Arg(100'000);

// A LevelDB chain whose dev account has funded range(0) senders in one block.
struct FundedChain {
    std::string dir;
    std::unique_ptr<Chain> chain;
    std::vector<PrivKey> senders;
    uint64_t now = Dev().genesis_time_ms + 1000;

    explicit FundedChain(size_t n)
        : dir(std::filesystem::temp_directory_path() /
              ("maillon_bench_" + std::to_string(getpid()))) {
        std::filesystem::remove_all(dir);
        auto opened = Chain::Open(dir, Dev());
        if (!opened) std::abort();
        chain = std::move(*opened);
        std::vector<Transaction> funding;
        for (size_t i = 0; i < n; ++i) {
            senders.push_back(TestKey(1000 + i));
            funding.push_back(MakeTransfer(DevKey(), senders.back().PubKey(), 1'000'000'000,
                                           Dev().min_tx_fee, i));
        }
        if (!test::ProduceDevBlock(*chain, funding, now)) std::abort();
    }
    ~FundedChain() {
        chain.reset();
        std::filesystem::remove_all(dir);
    }

    // The next block's candidates: one transfer from every sender.
    std::vector<Transaction> Round(uint64_t nonce) {
        std::vector<Transaction> txs;
        txs.reserve(senders.size());
        for (const PrivKey& s : senders)
            txs.push_back(MakeTransfer(s, DevKey().PubKey(), 1000, Dev().min_tx_fee, nonce));
        now += 1000;
        return txs;
    }
};

// What a validator does with a block from elsewhere: ValidateBlock (header,
// body, every signature checked, execution, state root) and CommitBlock (one
// synced LevelDB batch), for a block of range(0) transfers from distinct
// senders.
void BM_ConnectBlock(benchmark::State& state) {
    const size_t n = static_cast<size_t>(state.range(0));
    FundedChain funded(n);
    uint64_t nonce = 0;
    for (auto _ : state) {
        state.PauseTiming();
        auto proposed = test::DevBlock(*funded.chain, funded.Round(nonce++), funded.now);
        if (!proposed || proposed->block.txs.size() != n) state.SkipWithError("assemble");
        const CommitCertificate cert = test::DevCommit(*proposed);
        state.ResumeTiming();
        auto validated = funded.chain->ValidateBlock(proposed->block);
        if (!validated) state.SkipWithError(validated.error().message.c_str());
        Status st = funded.chain->CommitBlock(*validated, cert);
        if (!st) state.SkipWithError(st.error().message.c_str());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_ConnectBlock)->Arg(1'000)->Arg(10'000)->MinTime(3)->Unit(benchmark::kMillisecond);

// What the dev producer does: AssembleBlock from mempool candidates (whose
// signatures the mempool verified), then CommitBlock. Executed once.
void BM_ProduceBlock(benchmark::State& state) {
    const size_t n = static_cast<size_t>(state.range(0));
    FundedChain funded(n);
    uint64_t nonce = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const std::vector<Transaction> txs = funded.Round(nonce++);
        state.ResumeTiming();
        auto staged = test::DevBlock(*funded.chain, txs, funded.now);
        if (!staged || staged->block.txs.size() != n) state.SkipWithError("assemble");
        Status st = funded.chain->CommitBlock(*staged, test::DevCommit(*staged));
        if (!st) state.SkipWithError(st.error().message.c_str());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_ProduceBlock)->Arg(1'000)->Arg(10'000)->MinTime(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
