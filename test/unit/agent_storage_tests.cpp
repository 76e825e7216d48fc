// maillon-agent's storage service, apart from its sockets: the chunk store
// (uploads checked against the offered root, bounded, owned by their
// connection, kept across restarts only when complete), the checks before
// the device co-signs a deal, the deal book's state file, and the storage
// proof builder, whose proofs must pass the chain's own rules
// (ApplyTransaction on a StateOverlay, as device_services_tests does).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/chunk_store.h"
#include "agent/deal_book.h"
#include "agent/deal_terms.h"
#include "agent/storage_prover.h"
#include "consensus/block_context.h"
#include "consensus/chunk_tree.h"
#include "consensus/contribution_records.h"
#include "consensus/records.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/storage_deal.h"
#include "consensus/tx/storage_proof.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_verify.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using Bytes = std::vector<uint8_t>;
using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::TempDir;
using maillon::test::TestKey;

// A file cut into chunks, with its leaves and root.
struct File {
    File(uint64_t size_, uint32_t chunk_size_, uint8_t salt) : chunk_size(chunk_size_) {
        for (uint64_t at = 0; at < size_; at += chunk_size) {
            Bytes chunk;
            for (uint64_t b = at; b < std::min(size_, at + chunk_size); ++b)
                chunk.push_back(static_cast<uint8_t>(b * 13 + salt));
            leaves.push_back(ChunkLeafHash(chunks.size(), chunk));
            chunks.push_back(std::move(chunk));
        }
        root = ChunkRoot(leaves);
        size = size_;
    }
    // PUT_CHUNKS of chunks first..first+count-1.
    PutChunks Put(uint64_t first, uint64_t count) const {
        PutChunks p{root, size, chunk_size, first, {}};
        for (uint64_t i = first; i < first + count && i < chunks.size(); ++i)
            p.chunks.push_back(chunks[i]);
        return p;
    }
    uint64_t size = 0;
    uint32_t chunk_size;
    ChunkList chunks;
    std::vector<Hash256> leaves;
    Hash256 root{};
};

std::unique_ptr<ChunkStore> OpenStore(const TempDir& dir, uint64_t max = 1 << 20) {
    auto store = ChunkStore::Open(dir.File("storage"), max);
    BOOST_REQUIRE_MESSAGE(store, test::ErrorText(store));
    return std::move(*store);
}

// Uploads the whole file in batches of `batch` chunks; the last reply.
Result<PutOk> Upload(ChunkStore& store, const File& f, uint64_t owner = 1, uint64_t batch = 3) {
    Result<PutOk> last = MakeError("none", "no chunks");
    for (uint64_t first = 0; first < f.chunks.size(); first += batch) {
        last = store.Put(owner, f.Put(first, batch));
        if (!last) return last;
    }
    return last;
}

const PrivKey& DeviceKey() {
    static const PrivKey k = TestKey(1);
    return k;
}
const PrivKey& Owner() {
    static const PrivKey k = TestKey(2);
    return k;
}
const PrivKey& Client() {
    static const PrivKey k = TestKey(3);
    return k;
}

StorageDealPayload Terms(const File& f, uint32_t epochs, uint64_t price) {
    StorageDealPayload t;
    t.data_root = f.root;
    t.size = f.size;
    t.chunk_size = f.chunk_size;
    t.duration_epochs = epochs;
    t.price = price;
    return t;
}

Transaction ClientSigned(const StorageDealPayload& terms, const PrivKey& device = DeviceKey()) {
    return UnsignedStorageDeal(Dev().chain_id, Client().PubKey(), device.PubKey(), terms,
                               Dev().min_tx_fee, 0)
        .Sign(0, Client());
}

std::string SignCheck(const ChunkStore& store, const Bytes& tx, DealPolicy policy = {}) {
    return Code(CheckDealToSign(Dev(), DeviceKey().PubKey(), policy, store, tx));
}

// A block hash whose challenge is another chunk of `f` than `challenge`'s.
Hash256 OtherChallenge(const DealRecord& deal, const Hash256& challenge, const File& f) {
    const uint64_t index = ChallengedChunk(deal.deal, challenge, f.chunks.size());
    Hash256 other = challenge;
    while (ChallengedChunk(deal.deal, other, f.chunks.size()) == index)
        ++other[0];
    return other;
}

void WriteText(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_storage_tests)

BOOST_AUTO_TEST_CASE(an_upload_completes_when_its_root_is_the_offered_one) {
    TempDir dir;
    auto store = OpenStore(dir);
    const File f(3000, 256, 1);  // 12 chunks, the last of 184 bytes
    BOOST_CHECK(!store->Find(f.root));
    auto first = store->Put(1, f.Put(0, 5));
    BOOST_REQUIRE_MESSAGE(first, test::ErrorText(first));
    BOOST_CHECK(*first == (PutOk{5, false}));
    // Out of order, and a chunk sent twice.
    BOOST_CHECK(*store->Put(1, f.Put(9, 3)) == (PutOk{8, false}));
    BOOST_CHECK(*store->Put(1, f.Put(4, 1)) == (PutOk{8, false}));
    BOOST_CHECK(!store->Find(f.root));
    BOOST_CHECK(*store->Put(1, f.Put(5, 4)) == (PutOk{12, true}));
    const auto held = store->Find(f.root);
    BOOST_REQUIRE(held);
    BOOST_CHECK_EQUAL(held->size, 3000U);
    BOOST_CHECK_EQUAL(held->Count(), 12U);
    BOOST_CHECK_EQUAL(store->Free(), (1U << 20) - 3000);
    // Read back, in parts and past the end.
    auto back = store->Read(f.root, 10, 5);
    BOOST_REQUIRE(back);
    BOOST_CHECK_EQUAL(back->first_index, 10U);
    BOOST_CHECK(back->chunks == ChunkList(f.chunks.begin() + 10, f.chunks.end()));
    BOOST_CHECK_EQUAL(Code(store->Read(f.root, 12, 1)), "bad-range");
    BOOST_CHECK_EQUAL(Code(store->Read(Hash256{}, 0, 1)), "unknown-root");
    auto leaves = store->Leaves(f.root);
    BOOST_REQUIRE(leaves);
    BOOST_CHECK(*leaves == f.leaves);
    // A complete file takes no more chunks, from anyone; other terms are refused.
    BOOST_CHECK(*store->Put(2, f.Put(0, 1)) == (PutOk{12, true}));
    PutChunks other = f.Put(0, 1);
    other.size = 2999;
    BOOST_CHECK_EQUAL(Code(store->Put(2, other)), "root-held");
}

BOOST_AUTO_TEST_CASE(chunks_of_another_root_are_refused_and_deleted) {
    TempDir dir;
    auto store = OpenStore(dir);
    File f(1000, 100, 2);
    File other(1000, 100, 3);
    f.chunks[7] = other.chunks[7];  // one chunk altered
    auto outcome = Upload(*store, f);
    BOOST_REQUIRE_EQUAL(Code(outcome), "root-mismatch");
    BOOST_CHECK(outcome.error().message.find(", not the offered one; nothing is kept") !=
                std::string::npos);
    BOOST_CHECK(!store->Find(f.root));
    BOOST_CHECK_EQUAL(store->Free(), 1U << 20);
    BOOST_CHECK(!std::filesystem::exists(dir.path / "storage" / HexStr(f.root)));
}

BOOST_AUTO_TEST_CASE(chunks_must_fit_the_file) {
    TempDir dir;
    auto store = OpenStore(dir);
    const File f(1000, 100, 4);
    PutChunks p = f.Put(0, 1);
    p.chunks[0].pop_back();
    BOOST_CHECK_EQUAL(store->Put(1, p).error().message, "chunk 0 has 99 bytes, not 100");
    PutChunks past = f.Put(9, 1);
    past.first_index = 10;
    BOOST_CHECK_EQUAL(store->Put(1, past).error().message,
                      "chunks 10..10 are not all among the file's 10");
    PutChunks tail = f.Put(9, 1);
    tail.chunks.push_back(f.chunks[0]);
    BOOST_CHECK_EQUAL(Code(store->Put(1, tail)), "bad-range");
    p = f.Put(0, 1);
    p.chunk_size = 0;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "bad-chunk-size");
    p.chunk_size = kMaxChunkSize + 1;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "bad-chunk-size");
    p = f.Put(0, 1);
    p.size = 0;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "bad-size");
    p.chunk_size = 1;
    p.size = kMaxDealChunks + 1;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "bad-size");
    // The upload began with 1000 bytes: another size is refused.
    BOOST_REQUIRE(store->Put(1, f.Put(0, 1)));
    p = f.Put(1, 1);
    p.size = 1001;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "upload-mismatch");
}

BOOST_AUTO_TEST_CASE(uploads_belong_to_their_connection_and_are_bounded) {
    TempDir dir;
    auto store = OpenStore(dir, 2500);
    const File a(1000, 100, 5), b(1000, 100, 6), c(1000, 100, 7);
    BOOST_REQUIRE(store->Put(1, a.Put(0, 1)));
    BOOST_CHECK_EQUAL(Code(store->Put(2, a.Put(1, 1))), "upload-in-progress");
    // Each upload reserves its whole size at its first chunk.
    BOOST_CHECK_EQUAL(store->Free(), 1500U);
    BOOST_REQUIRE(store->Put(2, b.Put(0, 1)));
    auto full = store->Put(3, c.Put(0, 1));
    BOOST_CHECK_EQUAL(Code(full), "storage-full");
    BOOST_CHECK_EQUAL(full.error().message, "1000 bytes do not fit: 500 are free (-maxstorage)");
    // The connection closes: its upload is gone, and so is its reservation.
    store->Abandon(1);
    BOOST_CHECK_EQUAL(store->Free(), 1500U);
    BOOST_CHECK(!std::filesystem::exists(dir.path / "storage" / HexStr(a.root)));
    BOOST_CHECK_EQUAL(Code(Upload(*store, c, 3)), "ok");
    // At most kMaxUploads at once.
    TempDir big_dir;
    auto big = OpenStore(big_dir);
    for (uint64_t i = 0; i < kMaxUploads; ++i)
        BOOST_REQUIRE(big->Put(i, File(100, 10, static_cast<uint8_t>(i)).Put(0, 1)));
    BOOST_CHECK_EQUAL(Code(big->Put(99, File(100, 10, 99).Put(0, 1))), "busy");
}

BOOST_AUTO_TEST_CASE(complete_files_survive_a_restart_and_partial_ones_do_not) {
    TempDir dir;
    const File done(1000, 100, 8), partial(1000, 100, 9);
    {
        auto store = OpenStore(dir);
        BOOST_REQUIRE_EQUAL(Code(Upload(*store, done)), "ok");
        BOOST_REQUIRE(store->Put(2, partial.Put(0, 4)));
        BOOST_REQUIRE(std::filesystem::exists(dir.path / "storage" / HexStr(partial.root)));
        // A crash: the partial upload's directory stays behind.
        std::filesystem::copy(dir.path / "storage" / HexStr(partial.root), dir.path / "leftover");
    }
    std::filesystem::rename(dir.path / "leftover", dir.path / "storage" / HexStr(partial.root));
    auto store = OpenStore(dir);
    BOOST_CHECK(store->Find(done.root));
    BOOST_CHECK(!store->Find(partial.root));
    BOOST_CHECK(!std::filesystem::exists(dir.path / "storage" / HexStr(partial.root)));
    BOOST_CHECK_EQUAL(store->Free(), (1U << 20) - 1000);
    // A damaged description stops the agent, naming the directory.
    WriteText((dir.path / "storage" / HexStr(done.root) / "meta.json").string(), "{\"version\":1");
    auto damaged = ChunkStore::Open(dir.File("storage"), 1 << 20);
    BOOST_REQUIRE(!damaged);
    BOOST_CHECK_EQUAL(damaged.error().code, "state-corrupt");
    BOOST_CHECK(damaged.error().message.find(HexStr(done.root) + " is damaged") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_deal_is_signed_only_on_the_terms_checked) {
    TempDir dir;
    auto store = OpenStore(dir);
    const File f(3000, 256, 10);
    BOOST_REQUIRE_EQUAL(Code(Upload(*store, f)), "ok");
    const StorageDealPayload terms = Terms(f, 3, 2);
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(terms).Serialize()), "ok");
    // What the agent refuses, in the order it checks.
    BOOST_CHECK_EQUAL(SignCheck(*store, Bytes{1, 2, 3}), "bad-tx");
    const Transaction transfer =
        UnsignedTransfer(Dev().chain_id, Client().PubKey(), DeviceKey().PubKey(), 5, 1000, 0)
            .Sign(0, Client());
    BOOST_CHECK_EQUAL(SignCheck(*store, transfer.Serialize()), "not-a-deal");
    const Transaction other_chain =
        UnsignedStorageDeal(1, Client().PubKey(), DeviceKey().PubKey(), terms, 1000, 0)
            .Sign(0, Client());
    BOOST_CHECK_EQUAL(SignCheck(*store, other_chain.Serialize()), "wrong-chain");
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(terms, Owner()).Serialize()),
                      "not-this-device");
    const Transaction unsigned_deal = UnsignedStorageDeal(Dev().chain_id, Client().PubKey(),
                                                          DeviceKey().PubKey(), terms, 1000, 0);
    BOOST_CHECK_EQUAL(SignCheck(*store, unsigned_deal.Serialize()), "bad-signature");
    StorageDealPayload unknown = terms;
    unknown.data_root[0] ^= 1;
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(unknown).Serialize()), "unknown-root");
    StorageDealPayload mismatch = terms;
    mismatch.chunk_size = 512;
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(mismatch).Serialize()), "deal-mismatch");
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(terms).Serialize(), DealPolicy{3, 365}),
                      "price-too-low");
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(terms).Serialize(), DealPolicy{2, 2}),
                      "deal-too-long");
    // A deal the chain would refuse outright is refused with its reason.
    StorageDealPayload forever = terms;
    forever.duration_epochs = static_cast<uint32_t>(Dev().max_deal_epochs + 1);
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(forever).Serialize()), "bad-deal-duration");
}

BOOST_AUTO_TEST_CASE(the_deal_book_keeps_deals_and_their_last_proof) {
    TempDir dir;
    const std::string path = dir.File(kDealsStateFile);
    const File f(1000, 100, 11);
    const DealRecord deal{Hash256{7}, f.root, f.size, f.chunk_size, std::nullopt};
    const Transaction proof = UnsignedStorageProof(Dev().chain_id, DeviceKey().PubKey(), deal.deal,
                                                   4, f.chunks[0], ChunkPath(f.leaves, 0))
                                  .Sign(0, DeviceKey());
    {
        auto book = DealBook::Load(path, Dev(), DeviceKey().PubKey());
        BOOST_REQUIRE(book);
        BOOST_CHECK((*book)->Deals().empty());
        BOOST_REQUIRE((*book)->Add(deal));
        BOOST_CHECK_EQUAL(Code((*book)->Add(deal)), "deal-known");
        BOOST_REQUIRE((*book)->SetProof(deal.deal, ProofRecord{4, HexStr(proof.Serialize())}));
    }
    auto book = DealBook::Load(path, Dev(), DeviceKey().PubKey());
    BOOST_REQUIRE_MESSAGE(book, test::ErrorText(book));
    BOOST_REQUIRE_EQUAL((*book)->Deals().size(), 1U);
    DealRecord expected = deal;
    expected.proof = ProofRecord{4, HexStr(proof.Serialize())};
    BOOST_CHECK((*book)->Deals()[0] == expected);
    // Another device's book, or a damaged one, is refused and named.
    auto other = DealBook::Load(path, Dev(), Owner().PubKey());
    BOOST_REQUIRE(!other);
    BOOST_CHECK(other.error().message.find("is not this device's storage_proof") !=
                std::string::npos);
    BOOST_REQUIRE((*book)->Remove(deal.deal));
    BOOST_CHECK((*DealBook::Load(path, Dev(), DeviceKey().PubKey()))->Deals().empty());
    WriteText(path, "{\"version\":1,\"deals\":[{\"deal\":\"00\"}]}");
    auto damaged = DealBook::Load(path, Dev(), DeviceKey().PubKey());
    BOOST_REQUIRE(!damaged);
    BOOST_CHECK_EQUAL(damaged.error().code, "state-corrupt");
    BOOST_CHECK(damaged.error().message.find(path + " is damaged: \"deal\" is not 64 hex") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(proofs_are_due_in_each_epochs_window) {
    const ChainParams& p = Dev();  // 60-block epochs, 20-block windows
    BOOST_CHECK(!ProofEpochAt(0, p));
    BOOST_CHECK(!ProofEpochAt(120, p));  // the challenge block itself
    BOOST_CHECK_EQUAL(*ProofEpochAt(121, p), 2U);
    BOOST_CHECK_EQUAL(*ProofEpochAt(140, p), 2U);
    BOOST_CHECK(!ProofEpochAt(141, p));
    BOOST_CHECK(!ProofEpochAt(179, p));
    BOOST_CHECK_EQUAL(*ProofEpochAt(181, p), 3U);
}

// A deal made on the chain, then the proof the agent builds for each epoch
// of it applies under the chain's rules, and only in its window.
BOOST_AUTO_TEST_CASE(a_built_proof_passes_the_chains_rules) {
    const ChainParams& p = Dev();
    TempDir dir;
    auto store = OpenStore(dir);
    const File f(5000, 300, 12);  // 17 chunks: an odd tree
    BOOST_REQUIRE_EQUAL(Code(Upload(*store, f)), "ok");

    test::MapState state = test::DevGenesisState();
    state.SetAccount(Owner().PubKey(), Account{1'000 * kCoin, 0, 0});
    state.SetAccount(Client().PubKey(), Account{1'000 * kCoin, 0, 0});
    auto apply = [&state](const Transaction& tx, uint64_t height) {
        const test::TestBlockContext tc(height);
        StateOverlay ov(state);
        const Status st = ApplyTransaction(tc.ctx, tx, ov);
        if (st) state.Apply(std::move(ov).TakeChanges());
        return Code(st);
    };
    BOOST_REQUIRE_EQUAL(
        apply(test::MakeRegisterDevice(Owner(), DeviceKey(), kDeviceStorage | kDeviceUptime), 1),
        "ok");
    BOOST_REQUIRE_EQUAL(
        apply(UnsignedBuyCredits(p.chain_id, Client().PubKey(), 1'000'000, p.min_tx_fee, 0)
                  .Sign(0, Client()),
              2),
        "ok");
    auto checked =
        CheckDealToSign(p, DeviceKey().PubKey(), DealPolicy{}, *store,
                        UnsignedStorageDeal(p.chain_id, Client().PubKey(), DeviceKey().PubKey(),
                                            Terms(f, 2, 3), p.min_tx_fee, 1)
                            .Sign(0, Client())
                            .Serialize());
    BOOST_REQUIRE_MESSAGE(checked, test::ErrorText(checked));
    const Transaction deal_tx = checked->Sign(1, DeviceKey());
    BOOST_REQUIRE_EQUAL(Code(CheckTransactionSignatures(deal_tx)), "ok");
    BOOST_REQUIRE_EQUAL(apply(deal_tx, 100), "ok");  // epoch 1: the deal runs in epochs 2 and 3
    const DealRecord deal{deal_tx.Id(), f.root, f.size, f.chunk_size, std::nullopt};

    auto leaves = store->Leaves(f.root);
    BOOST_REQUIRE(leaves);
    for (uint64_t epoch : {2U, 3U}) {
        const uint64_t first = epoch * p.epoch_blocks;
        const Hash256 challenge = *test::TestBlockContext(first + 1).ctx.RecentHash(first);
        auto proof = BuildStorageProof(p, DeviceKey(), deal, epoch, challenge, *leaves, *store);
        BOOST_REQUIRE_MESSAGE(proof, test::ErrorText(proof));
        BOOST_CHECK_EQUAL(Code(CheckTransaction(*proof, p)), "ok");
        BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(*proof)), "ok");
        // The chunk another block would challenge does not prove this epoch.
        auto other = BuildStorageProof(p, DeviceKey(), deal, epoch,
                                       OtherChallenge(deal, challenge, f), *leaves, *store);
        BOOST_REQUIRE(other);
        BOOST_CHECK_EQUAL(apply(*other, first + 1), "bad-proof");
        BOOST_CHECK_EQUAL(apply(*proof, first), "proof-too-early");
        BOOST_CHECK_EQUAL(apply(*proof, first + p.storage_proof_window_blocks + 1), "late-proof");
        BOOST_CHECK_EQUAL(apply(*proof, first + p.storage_proof_window_blocks), "ok");
        BOOST_CHECK_EQUAL(apply(*proof, first + p.storage_proof_window_blocks),
                          "proof-already-counted");
    }
    const auto record = GetDeal(state, deal_tx.Id());
    BOOST_REQUIRE(record && record->has_value());
    BOOST_CHECK_EQUAL((*record)->proven_epochs, 2U);
    BOOST_CHECK_EQUAL((*record)->escrow, 0U);
}

BOOST_AUTO_TEST_SUITE_END()
