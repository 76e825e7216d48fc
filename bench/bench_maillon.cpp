// Benchmarks (Google Benchmark). Figures go to doc/benchmarks.md, always next
// to BM_SecpSchnorrVerify, the machine's raw libsecp256k1 rate, as a ratio.
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <filesystem>
#include <string>
#include <vector>

#include "agent/chunk_store.h"
#include "agent/deal_book.h"
#include "agent/receipt_settler.h"
#include "agent/service_handler.h"
#include "agent/service_server.h"
#include "agent/storage_prover.h"
#include "chain/chain.h"
#include "chain/mempool.h"
#include "chain/state_tree.h"
#include "client/http_client.h"
#include "client/service_client.h"
#include "consensus/block_apply.h"
#include "consensus/contribution_records.h"
#include "consensus/params.h"
#include "consensus/records.h"
#include "consensus/signature_batch.h"
#include "consensus/transaction.h"
#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx_verify.h"
#include "crypto/hash_tags.h"
#include "node/rpc_methods.h"
#include "rpc/http_server.h"
#include "test/util/setup.h"
#include "util/log.h"
#include "util/strencodings.h"

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

// A chain with range(0) devices registered by the dev key (owner), offering
// uptime and bandwidth, and a consumer with credits.
struct DeviceChain : FundedChain {
    std::vector<PrivKey> devices;
    PrivKey consumer = TestKey(999);

    explicit DeviceChain(size_t n) : FundedChain(1) {
        std::vector<Transaction> regs;
        for (size_t i = 0; i < n; ++i) {
            devices.push_back(TestKey(100'000 + i));
            regs.push_back(UnsignedRegisterDevice(Dev().chain_id, DevKey().PubKey(),
                                                  devices.back().PubKey(),
                                                  kDeviceUptime | kDeviceBandwidth,
                                                  Dev().device_bond, Dev().min_tx_fee, i + 1)
                               .Sign(0, DevKey())
                               .Sign(1, devices.back()));
        }
        regs.push_back(
            MakeTransfer(DevKey(), consumer.PubKey(), 100 * kCoin, Dev().min_tx_fee, n + 1));
        Produce(regs);
        Produce(
            {UnsignedBuyCredits(Dev().chain_id, consumer.PubKey(), 50 * kCoin, Dev().min_tx_fee, 0)
                 .Sign(0, consumer)});
    }
    void Produce(const std::vector<Transaction>& txs) {
        now += 1000;
        if (!test::ProduceDevBlock(*chain, txs, now)) std::abort();
    }
};

// Validation of a full block of attestations, cold (every signature
// verified; there is no signature cache yet): `make(i)` gives the i-th.
template <class Make>
void ValidateAttestationBlock(benchmark::State& state, DeviceChain& c, size_t per_block,
                              Make make) {
    std::vector<Transaction> txs;
    for (size_t i = 0; i < per_block; ++i)
        txs.push_back(make(i));
    c.now += 1000;
    auto proposed = test::DevBlock(*c.chain, txs, c.now);
    if (!proposed || proposed->block.txs.size() != per_block) {
        state.SkipWithError("the block does not hold every attestation");
        return;
    }
    for (auto _ : state) {
        auto validated = c.chain->ValidateBlock(proposed->block);
        if (!validated) state.SkipWithError(validated.error().message.c_str());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(per_block));
    state.counters["block_bytes"] = static_cast<double>(proposed->block.EncodedSize());
}

// A full attestation lane of heartbeats (one signature each), one per
// device: as many as its byte room holds.
void BM_ValidateHeartbeatBlock(benchmark::State& state) {
    const size_t n = Dev().max_block_attestation_bytes /
                     UnsignedHeartbeat(Dev().chain_id, TestKey(1).PubKey(), 0, Hash256{}).Size();
    DeviceChain c(n);
    const BlockHeader tip = c.chain->Tip();
    ValidateAttestationBlock(state, c, n, [&](size_t i) {
        return UnsignedHeartbeat(Dev().chain_id, c.devices[i].PubKey(), tip.height, tip.Hash())
            .Sign(0, c.devices[i]);
    });
}
BENCHMARK(BM_ValidateHeartbeatBlock)->MinTime(3)->Unit(benchmark::kMillisecond);

// A full attestation lane of bandwidth receipts (two signatures each).
void BM_ValidateReceiptBlock(benchmark::State& state) {
    const size_t n = Dev().max_block_attestation_bytes /
                     UnsignedBandwidthReceipt(Dev().chain_id, TestKey(1).PubKey(),
                                              TestKey(2).PubKey(), Hash256{}, 1, 0)
                         .Size();
    DeviceChain c(n);
    const uint64_t height = c.chain->Tip().height;
    ValidateAttestationBlock(state, c, n, [&](size_t i) {
        Hash256 session{};
        for (size_t b = 0; b < 8; ++b)
            session[b] = static_cast<uint8_t>(i >> (8 * b));
        return UnsignedBandwidthReceipt(Dev().chain_id, c.devices[i].PubKey(), c.consumer.PubKey(),
                                        session, 4096, height)
            .Sign(0, c.devices[i])
            .Sign(1, c.consumer);
    });
}
BENCHMARK(BM_ValidateReceiptBlock)->MinTime(3)->Unit(benchmark::kMillisecond);

// submitattestation end to end: HTTP on loopback, JSON parsing, decoding,
// every rule and signature, the mempool's attestation lane. Each iteration
// posts one batch of range(0) heartbeats from distinct devices (of a new
// interval each time, so every one is accepted).
void BM_SubmitAttestationBatch(benchmark::State& state) {
    const size_t batch = static_cast<size_t>(state.range(0));
    constexpr size_t kRounds = 4;
    DeviceChain c(batch * kRounds);
    Mempool mempool(Dev(), MempoolLimits{});
    NodeContext ctx;
    ctx.chain = c.chain.get();
    ctx.mempool = &mempool;
    RpcTable table;
    RegisterNodeRpcMethods(table, ctx);
    HttpServerOptions opts;
    opts.bind_addresses = {"127.0.0.1"};
    opts.port = 0;
    opts.max_body_bytes = 64 << 20;
    HttpServer http(
        opts, [](std::string_view) { return true; },
        [&table](std::string_view body) { return table.Handle(body); });
    if (!http.Start()) {
        state.SkipWithError("http");
        return;
    }
    const BlockHeader tip = c.chain->Tip();
    std::vector<std::string> bodies;
    for (size_t r = 0; r < kRounds; ++r) {
        std::string body = R"({"jsonrpc":"2.0","id":1,"method":"submitattestation","params":[[)";
        for (size_t i = 0; i < batch; ++i) {
            const PrivKey& d = c.devices[r * batch + i];
            body += (i ? ",\"" : "\"") +
                    HexStr(UnsignedHeartbeat(Dev().chain_id, d.PubKey(), tip.height, tip.Hash())
                               .Sign(0, d)
                               .Serialize()) +
                    "\"";
        }
        bodies.push_back(body + "]]}");
    }
    size_t round = 0;
    for (auto _ : state) {
        if (round == kRounds) {
            state.SkipWithError("out of pre-signed batches");
            break;
        }
        auto reply = HttpPost("127.0.0.1", http.Port(), "/", bodies[round++], "", 60);
        if (!reply || reply->body.find("\"accepted\":false") != std::string::npos)
            state.SkipWithError("a batch was not accepted");
    }
    http.Stop();
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(BM_SubmitAttestationBatch)
    ->Arg(1'000)
    ->Iterations(4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Counts the nodes (and their bytes) a state tree writes.
class CountingStore final : public NodeStore {
public:
    Result<std::optional<std::vector<uint8_t>>> Get(const Hash256& hash) const override {
        return m_inner.Get(hash);
    }
    void Put(const Hash256& hash, std::vector<uint8_t> node) override {
        puts += 1;
        bytes += node.size();
        m_inner.Put(hash, std::move(node));
    }
    uint64_t puts = 0;
    uint64_t bytes = 0;

private:
    MemoryNodeStore m_inner;
};

// The state cost of one heartbeat: the tree nodes (and bytes) the records it
// changes write, with range(0) devices registered. The registered devices
// are filler records (only the attesting ones are real keys).
void BM_HeartbeatStateCost(benchmark::State& state) {
    const uint64_t n = static_cast<uint64_t>(state.range(0));
    CountingStore store;
    StateTree tree(store, kEmptyStateHash);
    StateChanges init;
    const Device filler{DevKey().PubKey(), kDeviceUptime, Dev().device_bond, 0};
    for (uint64_t i = 0; i < n; ++i)
        init[StateKeyN(i)] = filler.Encode();
    const PrivKey device = TestKey(7);
    init[DeviceKey(device.PubKey())] = filler.Encode();
    if (!tree.Apply(init)) state.SkipWithError("init");
    uint64_t height = Dev().heartbeat_interval_blocks;
    uint64_t puts = 0, bytes = 0, count = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const Hash256 ref = TaggedHash(Tag::kBlockHash, StateKeyN(height));
        const RecentBlockHashes recent(height - 1, {ref});
        const BlockContext ctx{Dev(), height, Dev().genesis_time_ms + height, XOnlyPubKey{},
                               recent};
        const Transaction hb = UnsignedHeartbeat(Dev().chain_id, device.PubKey(), height - 1, ref);
        const StateTreeReader reader(store, tree.Root());
        StateOverlay overlay(reader);
        if (!ApplyTransaction(ctx, hb, overlay)) state.SkipWithError("heartbeat");
        store.puts = store.bytes = 0;
        state.ResumeTiming();
        if (!tree.Apply(overlay.Changes())) state.SkipWithError("apply");
        puts += store.puts;
        bytes += store.bytes;
        count += 1;
        height += Dev().heartbeat_interval_blocks;
    }
    state.counters["nodes_per_heartbeat"] = static_cast<double>(puts) / static_cast<double>(count);
    state.counters["bytes_per_heartbeat"] = static_cast<double>(bytes) / static_cast<double>(count);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HeartbeatStateCost)->Arg(10'000)->Arg(1'000'000)->Iterations(2'000);

// The block that closes an epoch against an ordinary block, with 1,000,000
// devices registered (filler records, as in BM_HeartbeatStateCost) and
// units for all of them in the epoch's totals: range(0) = 0 is block 58 of
// dev epoch 0, 1 is block 59, whose end-block closes it. Both carry the same
// 1,000 heartbeats of 1,000 real devices (signatures counted as verified:
// this measures execution and the state root, not verification). Each
// iteration runs ApplyBlock and writes its changes to the state tree.
void BM_EpochCloseBlock(benchmark::State& state) {
    static MemoryNodeStore* store = nullptr;
    static Hash256 base{};
    static std::vector<PrivKey> devices;
    if (store == nullptr) {
        store = new MemoryNodeStore;  // shared by both runs, never freed
        StateChanges init;
        const test::MapState genesis = test::DevGenesisState();
        for (const auto& [key, value] : genesis.values)
            init[key] = value;
        const Device filler{DevKey().PubKey(), kDeviceUptime, Dev().device_bond, 0};
        for (uint64_t i = 0; i < 1'000'000; ++i)
            init[StateKeyN(i)] = filler.Encode();
        for (uint32_t i = 0; i < 1'000; ++i) {
            devices.push_back(TestKey(500'000 + i));
            init[DeviceKey(devices.back().PubKey())] = filler.Encode();
        }
        ContributionUnits totals;
        totals.uptime_intervals = 1'000'000;
        init[EpochTotalsKey(0)] = totals.Encode();
        StateTree tree(*store, kEmptyStateHash);
        if (!tree.Apply(init)) return state.SkipWithError("init");
        base = tree.Root();
    }
    const uint64_t height = state.range(0) == 0 ? 58 : 59;
    const test::TestBlockContext tc(height);
    std::vector<Transaction> txs;
    for (const PrivKey& d : devices)
        txs.push_back(
            UnsignedHeartbeat(Dev().chain_id, d.PubKey(), height - 1, *tc.recent.At(height - 1)));
    const Block block = test::BlockOf(tc, txs);
    size_t changes = 0;
    for (auto _ : state) {
        const StateTreeReader reader(*store, base);
        StateOverlay overlay(reader);
        AlreadyVerified sigs;
        if (!ApplyBlock(tc.ctx, block, overlay, sigs)) return state.SkipWithError("apply");
        changes = overlay.Changes().size();
        StateTree tree(*store, base);
        if (!tree.Apply(overlay.Changes())) return state.SkipWithError("root");
    }
    state.counters["state_changes"] = static_cast<double>(changes);
    state.SetLabel(height == 59 ? "closes epoch 0" : "ordinary");
}
BENCHMARK(BM_EpochCloseBlock)->Arg(0)->Arg(1)->MinTime(2)->Unit(benchmark::kMillisecond);

// The device agent's services. A file of range(0) KiB in 1 KiB chunks.
maillon::test::TestFile AgentFile(int64_t kib) {
    return maillon::test::TestFile(static_cast<uint64_t>(kib) * 1024, 1024, 9);
}

// PUT_CHUNKS of chunks first..first+n-1 of `f` (as many as there are).
PutChunks PutPart(const maillon::test::TestFile& f, uint64_t first, uint64_t n) {
    PutChunks put{f.root, f.size, f.chunk_size, first, {}};
    for (uint64_t i = first; i < std::min<uint64_t>(f.Count(), first + n); ++i)
        put.chunks.push_back(f.chunks[i]);
    return put;
}

// A store in `dir` that holds `f` complete; null if it cannot be made.
std::unique_ptr<ChunkStore> StoreHolding(const maillon::test::TempDir& dir,
                                         const maillon::test::TestFile& f) {
    auto store = ChunkStore::Open(dir.File("storage"), 1 << 30);
    if (!store) return nullptr;
    for (uint64_t first = 0; first < f.Count(); first += kMaxChunksPerMessage) {
        if (!(*store)->Put(1, PutPart(f, first, kMaxChunksPerMessage))) return nullptr;
    }
    return std::move(*store);
}

// Uploads over loopback into the agent's store (ServiceServer, ServiceHandler,
// ChunkStore: every chunk hashed, written, synced at the end), 256 chunks a
// message; bytes per second. The file is removed between iterations.
void BM_AgentUpload(benchmark::State& state) {
    const maillon::test::TestFile f = AgentFile(state.range(0));
    maillon::test::TempDir dir;
    const PrivKey device = TestKey(1);
    auto chunks = ChunkStore::Open(dir.File("storage"), 1 << 30);
    auto deals = DealBook::Load(dir.File(kDealsStateFile), Dev(), device.PubKey());
    auto receipts = ReceiptStore::Open(dir.File("receipts"), Dev(), device.PubKey());
    if (!chunks || !deals || !receipts) return state.SkipWithError("stores");
    ChainView chain;
    ServiceHandler handler(Dev(), device, DealPolicy{},
                           ServiceStores{**chunks, **deals, **receipts}, chain,
                           [](const XOnlyPubKey&) -> Result<uint64_t> { return 0; });
    // The agent logs each stored file: to a file, not amid the figures.
    if (!LogOpen(dir.File("agent.log"), false)) return state.SkipWithError("log");
    ServiceServer server(ServiceServerOptions{}, handler);
    if (!server.Start()) return state.SkipWithError("start");
    auto client = ServiceClient::Connect("127.0.0.1", server.Port(), 30);
    if (!client) return state.SkipWithError("connect");
    for (auto _ : state) {
        for (uint64_t first = 0; first < f.Count(); first += 256) {
            if (!client->Call(PutPart(f, first, 256), ServiceMsg::kOk))
                return state.SkipWithError("put");
        }
        state.PauseTiming();
        (*chunks)->Remove(f.root);
        state.ResumeTiming();
    }
    server.Stop();
    LogClose();
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(f.size));
}
BENCHMARK(BM_AgentUpload)->Arg(1024)->Arg(16 * 1024)->Unit(benchmark::kMillisecond)->UseRealTime();

// One epoch's storage proof of a deal over a stored file of range(0) KiB:
// the leaf hashes read from the disk once (as the agent does per deal), then
// per proof the challenged chunk read, its path built and the proof signed.
void BM_AgentStorageProof(benchmark::State& state) {
    const maillon::test::TestFile f = AgentFile(state.range(0));
    maillon::test::TempDir dir;
    const auto store = StoreHolding(dir, f);
    if (!store) return state.SkipWithError("store");
    auto leaves = store->Leaves(f.root);
    if (!leaves) return state.SkipWithError("leaves");
    const PrivKey device = TestKey(1);
    const DealRecord deal{Hash256{1}, f.root, f.size, f.chunk_size, "", std::nullopt, std::nullopt};
    Hash256 challenge{};
    for (auto _ : state) {
        ++challenge[0];
        auto proof = BuildStorageProof(Dev(), device, deal, 1, challenge, *leaves, *store);
        if (!proof) return state.SkipWithError("proof");
        benchmark::DoNotOptimize(proof->Id());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AgentStorageProof)->Arg(1024)->Arg(16 * 1024);

// Reading a stored file's leaf hashes from the disk: once per deal and agent run.
void BM_AgentFileLeaves(benchmark::State& state) {
    const maillon::test::TestFile f = AgentFile(state.range(0));
    maillon::test::TempDir dir;
    const auto store = StoreHolding(dir, f);
    if (!store) return state.SkipWithError("store");
    for (auto _ : state) {
        auto leaves = store->Leaves(f.root);
        if (!leaves) return state.SkipWithError("leaves");
        benchmark::DoNotOptimize(leaves->data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(f.size));
}
BENCHMARK(BM_AgentFileLeaves)->Arg(16 * 1024)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
