// maillon-agent's device services, apart from their sockets.
// Storage: the chunk store (uploads checked against the offered root,
// bounded, owned by their connection, kept across restarts only when
// complete), the checks before the device co-signs a deal, the deal book's
// state file, and the storage proof builder, whose proofs must pass the
// chain's own rules (ApplyTransaction on a StateOverlay, as
// device_services_tests does). Bandwidth: how much a session streams before
// it waits for receipts, every check of a receipt the consumer sends, the
// device's settlement of the last one (which must pass the chain's rules),
// and the store of receipts waiting to be settled.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/bandwidth_session.h"
#include "agent/chunk_store.h"
#include "agent/deal_book.h"
#include "agent/deal_terms.h"
#include "agent/receipt_settler.h"
#include "agent/storage_prover.h"
#include "consensus/chunk_tree.h"
#include "consensus/contribution_records.h"
#include "consensus/records.h"
#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx/storage_deal.h"
#include "consensus/tx/storage_proof.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_verify.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using namespace maillon::test;
using Bytes = std::vector<uint8_t>;

// The parties: each one's key, made once.
struct Parties {
    PrivKey device = TestKey(1), owner = TestKey(2), client = TestKey(3), consumer = TestKey(4);
};
const Parties& Keys() {
    static const Parties kKeys;
    return kKeys;
}

// ---------------------------------------------------------------------------
// Storage

// PUT_CHUNKS of chunks first..first+count-1 of `f` (as many as there are).
PutChunks PutOf(const TestFile& f, uint64_t first, uint64_t count) {
    PutChunks p{f.root, f.size, f.chunk_size, first, {}};
    for (uint64_t i = first; i < first + count && i < f.Count(); ++i)
        p.chunks.push_back(f.chunks[i]);
    return p;
}

std::unique_ptr<ChunkStore> OpenStore(const TempDir& dir, uint64_t max = 1 << 20) {
    auto store = ChunkStore::Open(dir.File("storage"), max);
    BOOST_REQUIRE_MESSAGE(store, ErrorText(store));
    return std::move(*store);
}

// Uploads the whole file in batches of `batch` chunks; the last reply.
Result<PutOk> Upload(ChunkStore& store, const TestFile& f, uint64_t owner = 1, uint64_t batch = 3) {
    Result<PutOk> last = MakeError("none", "no chunks");
    for (uint64_t first = 0; first < f.Count(); first += batch) {
        last = store.Put(owner, PutOf(f, first, batch));
        if (!last) return last;
    }
    return last;
}

Transaction ClientSigned(const StorageDealPayload& terms, const PrivKey& device = Keys().device) {
    return UnsignedStorageDeal(Dev().chain_id, Keys().client.PubKey(), device.PubKey(), terms,
                               Dev().min_tx_fee, 0)
        .Sign(0, Keys().client);
}

std::string SignCheck(const ChunkStore& store, const Bytes& tx, DealPolicy policy = {}) {
    return Code(CheckDealToSign(Dev(), Keys().device.PubKey(), policy, store, tx));
}

// A block hash whose challenge is another chunk of `f` than `challenge`'s.
Hash256 OtherChallenge(const DealRecord& deal, const Hash256& challenge, const TestFile& f) {
    const uint64_t index = ChallengedChunk(deal.deal, challenge, f.Count());
    Hash256 other = challenge;
    while (ChallengedChunk(deal.deal, other, f.Count()) == index)
        ++other[0];
    return other;
}

void WriteText(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// ---------------------------------------------------------------------------
// Bandwidth

Hash256 SessionId(uint8_t n) {
    Hash256 h{};
    h.fill(n);
    return h;
}

BandwidthRequest Request(uint64_t wanted) {
    return BandwidthRequest{SessionId(1), Keys().consumer.PubKey(), wanted};
}

// A receipt the consumer signed, for `bytes` at `ref_height`.
Transaction Signed(uint64_t bytes, uint64_t ref_height, const Hash256& session = SessionId(1),
                   const PrivKey& consumer = Keys().consumer,
                   const PrivKey& device = Keys().device) {
    return UnsignedBandwidthReceipt(Dev().chain_id, device.PubKey(), consumer.PubKey(), session,
                                    bytes, ref_height)
        .Sign(1, consumer);
}

// Streams what the session allows, as the server does; the bytes sent.
uint64_t Stream(BandwidthSession& s) {
    uint64_t total = 0;
    while (size_t n = s.NextFrameSize()) {
        s.Sent(n);
        total += n;
    }
    return total;
}

std::string Take(BandwidthSession& s, const Transaction& tx, std::optional<uint64_t> tip = 100) {
    return Code(s.TakeReceipt(tx.Serialize(), tip));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_services_tests)

BOOST_AUTO_TEST_CASE(an_upload_completes_when_its_root_is_the_offered_one) {
    TempDir dir;
    auto store = OpenStore(dir);
    const TestFile f(3000, 256, 1);  // 12 chunks, the last of 184 bytes
    BOOST_CHECK(!store->Find(f.root));
    auto first = store->Put(1, PutOf(f, 0, 5));
    BOOST_REQUIRE_MESSAGE(first, ErrorText(first));
    BOOST_CHECK(*first == (PutOk{5, false}));
    // Out of order, and a chunk sent twice.
    BOOST_CHECK(*store->Put(1, PutOf(f, 9, 3)) == (PutOk{8, false}));
    BOOST_CHECK(*store->Put(1, PutOf(f, 4, 1)) == (PutOk{8, false}));
    BOOST_CHECK(!store->Find(f.root));
    BOOST_CHECK(*store->Put(1, PutOf(f, 5, 4)) == (PutOk{12, true}));
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
    BOOST_CHECK(*store->Put(2, PutOf(f, 0, 1)) == (PutOk{12, true}));
    PutChunks other = PutOf(f, 0, 1);
    other.size = 2999;
    BOOST_CHECK_EQUAL(Code(store->Put(2, other)), "root-held");
}

BOOST_AUTO_TEST_CASE(chunks_of_another_root_are_refused_and_deleted) {
    TempDir dir;
    auto store = OpenStore(dir);
    TestFile f(1000, 100, 2);
    TestFile other(1000, 100, 3);
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
    const TestFile f(1000, 100, 4);
    PutChunks p = PutOf(f, 0, 1);
    p.chunks[0].pop_back();
    BOOST_CHECK_EQUAL(store->Put(1, p).error().message, "chunk 0 has 99 bytes, not 100");
    PutChunks past = PutOf(f, 9, 1);
    past.first_index = 10;
    BOOST_CHECK_EQUAL(store->Put(1, past).error().message,
                      "chunks 10..10 are not all among the file's 10");
    PutChunks tail = PutOf(f, 9, 1);
    tail.chunks.push_back(f.chunks[0]);
    BOOST_CHECK_EQUAL(Code(store->Put(1, tail)), "bad-range");
    p = PutOf(f, 0, 1);
    p.chunk_size = 0;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "bad-chunk-size");
    p.chunk_size = kMaxChunkSize + 1;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "bad-chunk-size");
    p = PutOf(f, 0, 1);
    p.size = 0;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "bad-size");
    p.chunk_size = 1;
    p.size = kMaxDealChunks + 1;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "bad-size");
    // The upload began with 1000 bytes: another size is refused.
    BOOST_REQUIRE(store->Put(1, PutOf(f, 0, 1)));
    p = PutOf(f, 1, 1);
    p.size = 1001;
    BOOST_CHECK_EQUAL(Code(store->Put(1, p)), "upload-mismatch");
}

BOOST_AUTO_TEST_CASE(uploads_belong_to_their_connection_and_are_bounded) {
    TempDir dir;
    auto store = OpenStore(dir, 2500);
    const TestFile a(1000, 100, 5), b(1000, 100, 6), c(1000, 100, 7);
    BOOST_REQUIRE(store->Put(1, PutOf(a, 0, 1)));
    BOOST_CHECK_EQUAL(Code(store->Put(2, PutOf(a, 1, 1))), "upload-in-progress");
    // Each upload reserves its whole size at its first chunk.
    BOOST_CHECK_EQUAL(store->Free(), 1500U);
    BOOST_REQUIRE(store->Put(2, PutOf(b, 0, 1)));
    auto full = store->Put(3, PutOf(c, 0, 1));
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
        BOOST_REQUIRE(big->Put(i, PutOf(TestFile(100, 10, static_cast<uint8_t>(i)), 0, 1)));
    BOOST_CHECK_EQUAL(Code(big->Put(99, PutOf(TestFile(100, 10, 99), 0, 1))), "busy");
}

BOOST_AUTO_TEST_CASE(complete_files_survive_a_restart_and_partial_ones_do_not) {
    TempDir dir;
    const TestFile done(1000, 100, 8), partial(1000, 100, 9);
    {
        auto store = OpenStore(dir);
        BOOST_REQUIRE_EQUAL(Code(Upload(*store, done)), "ok");
        BOOST_REQUIRE(store->Put(2, PutOf(partial, 0, 4)));
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
    const TestFile f(3000, 256, 10);
    BOOST_REQUIRE_EQUAL(Code(Upload(*store, f)), "ok");
    const StorageDealPayload terms = f.Terms(3, 2);
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(terms).Serialize()), "ok");
    // What the agent refuses, in the order it checks.
    BOOST_CHECK_EQUAL(SignCheck(*store, Bytes{1, 2, 3}), "bad-tx");
    const Transaction transfer =
        UnsignedTransfer(Dev().chain_id, Keys().client.PubKey(), Keys().device.PubKey(), 5, 1000, 0)
            .Sign(0, Keys().client);
    BOOST_CHECK_EQUAL(SignCheck(*store, transfer.Serialize()), "not-a-deal");
    const Transaction other_chain =
        UnsignedStorageDeal(1, Keys().client.PubKey(), Keys().device.PubKey(), terms, 1000, 0)
            .Sign(0, Keys().client);
    BOOST_CHECK_EQUAL(SignCheck(*store, other_chain.Serialize()), "wrong-chain");
    BOOST_CHECK_EQUAL(SignCheck(*store, ClientSigned(terms, Keys().owner).Serialize()),
                      "not-this-device");
    const Transaction unsigned_deal = UnsignedStorageDeal(Dev().chain_id, Keys().client.PubKey(),
                                                          Keys().device.PubKey(), terms, 1000, 0);
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
    const TestFile f(1000, 100, 11);
    const DealRecord deal{Hash256{7}, f.root, f.size, f.chunk_size, "", std::nullopt, std::nullopt};
    const Transaction proof =
        UnsignedStorageProof(Dev().chain_id, Keys().device.PubKey(), deal.deal, 4, f.chunks[0],
                             ChunkPath(f.leaves, 0))
            .Sign(0, Keys().device);
    {
        auto book = DealBook::Load(path, Dev(), Keys().device.PubKey());
        BOOST_REQUIRE(book);
        BOOST_CHECK((*book)->Deals().empty());
        BOOST_REQUIRE((*book)->Add(deal));
        BOOST_CHECK_EQUAL(Code((*book)->Add(deal)), "deal-known");
        BOOST_REQUIRE((*book)->SetProof(deal.deal, ProofRecord{4, HexStr(proof.Serialize())}));
    }
    auto book = DealBook::Load(path, Dev(), Keys().device.PubKey());
    BOOST_REQUIRE_MESSAGE(book, ErrorText(book));
    BOOST_REQUIRE_EQUAL((*book)->Deals().size(), 1U);
    DealRecord expected = deal;
    expected.proof = ProofRecord{4, HexStr(proof.Serialize())};
    BOOST_CHECK((*book)->Deals()[0] == expected);
    // Another device's book, or a damaged one, is refused and named.
    auto other = DealBook::Load(path, Dev(), Keys().owner.PubKey());
    BOOST_REQUIRE(!other);
    BOOST_CHECK(other.error().message.find("is not this device's storage_proof") !=
                std::string::npos);
    BOOST_REQUIRE((*book)->Remove(deal.deal));
    BOOST_CHECK((*DealBook::Load(path, Dev(), Keys().device.PubKey()))->Deals().empty());
    WriteText(path, "{\"version\":1,\"deals\":[{\"deal\":\"00\"}]}");
    auto damaged = DealBook::Load(path, Dev(), Keys().device.PubKey());
    BOOST_REQUIRE(!damaged);
    BOOST_CHECK_EQUAL(damaged.error().code, "state-corrupt");
    BOOST_CHECK(damaged.error().message.find(path + " is damaged: \"deal\" is not 64 hex") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_deal_book_keeps_the_signed_deal_and_checks_it) {
    TempDir dir;
    const std::string path = dir.File(kDealsStateFile);
    const TestFile f(1000, 100, 12);
    const Transaction signed_deal = ClientSigned(f.Terms(2, 3)).Sign(1, Keys().device);
    const DealRecord deal = RecordSignedDeal(signed_deal, 77);
    BOOST_CHECK(deal.deal == signed_deal.Id());
    BOOST_CHECK_EQUAL(deal.signed_height.value_or(0), 77U);
    {
        auto book = DealBook::Load(path, Dev(), Keys().device.PubKey());
        BOOST_REQUIRE(book);
        BOOST_REQUIRE((*book)->Add(deal));
        BOOST_CHECK((*book)->HasRoot(f.root));
        BOOST_CHECK(!(*book)->HasRoot(Hash256{1}));
    }
    auto book = DealBook::Load(path, Dev(), Keys().device.PubKey());
    BOOST_REQUIRE_MESSAGE(book, ErrorText(book));
    BOOST_CHECK((*book)->Deals() == std::vector<DealRecord>{deal});
    const auto found = (*book)->FindBySigHash(signed_deal.SigHash());
    BOOST_REQUIRE(found);
    BOOST_CHECK(found->tx_hex == HexStr(signed_deal.Serialize()));
    BOOST_CHECK(!(*book)->FindBySigHash(signed_deal.Id()));
    BOOST_REQUIRE((*book)->Remove(deal.deal));
    BOOST_CHECK(!(*book)->FindBySigHash(signed_deal.SigHash()));
    // A recorded deal whose bytes are not this device's deal of those terms is refused.
    DealRecord forged = RecordSignedDeal(ClientSigned(f.Terms(2, 3), Keys().owner), 77);
    BOOST_REQUIRE((*book)->Add(forged));
    auto refused = DealBook::Load(path, Dev(), Keys().device.PubKey());
    BOOST_REQUIRE(!refused);
    BOOST_CHECK_MESSAGE(
        refused.error().message.find("is not this device's storage_deal") != std::string::npos,
        refused.error().message);
}

BOOST_AUTO_TEST_CASE(a_removed_file_frees_its_bytes) {
    TempDir dir;
    auto store = OpenStore(dir, 10'000);
    const TestFile a(3000, 256, 1), b(2000, 256, 2);
    BOOST_REQUIRE_EQUAL(Code(Upload(*store, a)), "ok");
    BOOST_REQUIRE_EQUAL(Code(Upload(*store, b)), "ok");
    BOOST_CHECK_EQUAL(store->Free(), 5000U);
    BOOST_CHECK_EQUAL(store->Roots().size(), 2U);
    store->Remove(a.root);
    BOOST_CHECK_EQUAL(store->Free(), 8000U);
    BOOST_CHECK(store->Roots() == std::vector<Hash256>{b.root});
    BOOST_CHECK_EQUAL(Code(store->Read(a.root, 0, 1)), "unknown-root");
    BOOST_CHECK(!std::filesystem::exists(dir.File("storage") + "/" + HexStr(a.root)));
    // Gone after a restart too; the other file stays.
    auto reopened = OpenStore(dir, 10'000);
    BOOST_CHECK(reopened->Roots() == std::vector<Hash256>{b.root});
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
    const TestFile f(5000, 300, 12);  // 17 chunks: an odd tree
    BOOST_REQUIRE_EQUAL(Code(Upload(*store, f)), "ok");

    MapState state =
        StateWithDevice(Keys().owner, Keys().device, kDeviceStorage, Keys().client, 1'000'000);
    auto apply = [&state](const Transaction& tx, uint64_t height) {
        return ApplyInBlock(state, tx, height);
    };
    auto checked =
        CheckDealToSign(p, Keys().device.PubKey(), DealPolicy{}, *store,
                        UnsignedStorageDeal(p.chain_id, Keys().client.PubKey(),
                                            Keys().device.PubKey(), f.Terms(2, 3), p.min_tx_fee, 1)
                            .Sign(0, Keys().client)
                            .Serialize());
    BOOST_REQUIRE_MESSAGE(checked, ErrorText(checked));
    const Transaction deal_tx = checked->Sign(1, Keys().device);
    BOOST_REQUIRE_EQUAL(Code(CheckTransactionSignatures(deal_tx)), "ok");
    BOOST_REQUIRE_EQUAL(apply(deal_tx, 100), "ok");  // epoch 1: the deal runs in epochs 2 and 3
    const DealRecord deal{deal_tx.Id(), f.root,       f.size,      f.chunk_size,
                          "",           std::nullopt, std::nullopt};

    auto leaves = store->Leaves(f.root);
    BOOST_REQUIRE(leaves);
    for (uint64_t epoch : {2U, 3U}) {
        const uint64_t first = epoch * p.epoch_blocks;
        const Hash256 challenge = *TestBlockContext(first + 1).ctx.RecentHash(first);
        auto proof = BuildStorageProof(p, Keys().device, deal, epoch, challenge, *leaves, *store);
        BOOST_REQUIRE_MESSAGE(proof, ErrorText(proof));
        BOOST_CHECK_EQUAL(Code(CheckTransaction(*proof, p)), "ok");
        BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(*proof)), "ok");
        // The chunk another block would challenge does not prove this epoch.
        auto other = BuildStorageProof(p, Keys().device, deal, epoch,
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

BOOST_AUTO_TEST_CASE(the_stream_stops_when_receipts_stop) {
    BandwidthSession s(Dev(), Keys().device.PubKey(), Request(1'000'000));
    BOOST_CHECK_EQUAL(s.NextFrameSize(), kMaxDataBytes);
    // Without receipts the stream stops at kMaxUnreceiptedBytes.
    BOOST_CHECK_EQUAL(Stream(s), kMaxUnreceiptedBytes);
    BOOST_CHECK_EQUAL(s.NextFrameSize(), 0U);
    // A receipt for part of it lets that much more go.
    BOOST_REQUIRE_EQUAL(Take(s, Signed(100'000, 100)), "ok");
    BOOST_CHECK_EQUAL(Stream(s), 100'000U);
    BOOST_REQUIRE_EQUAL(Take(s, Signed(s.BytesSent(), 100)), "ok");
    // Never more than was asked for, the last frame cut to fit.
    while (s.BytesSent() < 1'000'000) {
        Stream(s);
        BOOST_REQUIRE_EQUAL(Take(s, Signed(s.BytesSent(), 100)), "ok");
    }
    BOOST_CHECK_EQUAL(s.BytesSent(), 1'000'000U);
    BOOST_CHECK_EQUAL(s.NextFrameSize(), 0U);
    BOOST_CHECK(s.Complete());
    BandwidthSession small(Dev(), Keys().device.PubKey(), Request(5));
    BOOST_CHECK_EQUAL(small.NextFrameSize(), 5U);
}

BOOST_AUTO_TEST_CASE(every_receipt_is_checked) {
    BandwidthSession s(Dev(), Keys().device.PubKey(), Request(100'000));
    Stream(s);  // 100,000 bytes sent
    BOOST_REQUIRE_EQUAL(Take(s, Signed(40'000, 100)), "ok");
    BOOST_CHECK_EQUAL(s.BytesReceipted(), 40'000U);
    BOOST_CHECK_EQUAL(Code(s.TakeReceipt(Bytes{1, 2}, 100)), "bad-tx");
    const Transaction hb = UnsignedHeartbeat(Dev().chain_id, Keys().device.PubKey(), 99, Hash256{})
                               .Sign(0, Keys().device);
    BOOST_CHECK_EQUAL(Take(s, hb), "not-a-receipt");
    const Transaction other_chain =
        UnsignedBandwidthReceipt(2, Keys().device.PubKey(), Keys().consumer.PubKey(), SessionId(1),
                                 50'000, 100)
            .Sign(1, Keys().consumer);
    BOOST_CHECK_EQUAL(Take(s, other_chain), "wrong-chain");
    BOOST_CHECK_EQUAL(Take(s, Signed(0, 100)), "zero-amount");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 100, SessionId(1), Keys().consumer, Keys().owner)),
                      "wrong-signer");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 100, SessionId(1), Keys().owner)), "wrong-signer");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 100, SessionId(2))), "wrong-session");
    BOOST_CHECK_EQUAL(Take(s, Signed(100'001, 100)), "receipt-exceeds-sent");
    BOOST_CHECK_EQUAL(Take(s, Signed(39'999, 100)), "receipt-goes-back");
    // ref_height: at most kReceiptRefSlackBlocks above the tip, at most half
    // the receipt window (30 blocks on dev) below it; anything without a tip.
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 111)), "receipt-ref-ahead");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 69)), "receipt-too-old");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 69), std::nullopt), "ok");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 70)), "ok");
    BOOST_CHECK_EQUAL(Take(s, Signed(60'000, 110)), "ok");
    // A signature that is not the consumer's over this receipt.
    Transaction forged =
        UnsignedBandwidthReceipt(Dev().chain_id, Keys().device.PubKey(), Keys().consumer.PubKey(),
                                 SessionId(1), 70'000, 100)
            .Sign(1, Keys().owner);
    BOOST_CHECK_EQUAL(Take(s, forged), "bad-signature");
    // None of the refused ones changed what is settled.
    BOOST_CHECK_EQUAL(s.BytesReceipted(), 60'000U);
    BOOST_CHECK_EQUAL(BandwidthReceiptOf(*s.LastReceipt())->bytes, 60'000U);
    // The same total again is fine: nothing changes.
    BOOST_CHECK_EQUAL(Take(s, Signed(60'000, 110)), "ok");
}

// The device's signature on the last receipt settles the session on chain.
BOOST_AUTO_TEST_CASE(the_settled_receipt_passes_the_chains_rules) {
    const ChainParams& p = Dev();
    MapState state =
        StateWithDevice(Keys().owner, Keys().device, kDeviceBandwidth, Keys().consumer, 10'000);
    BandwidthSession s(p, Keys().device.PubKey(), Request(300'000));
    while (!s.Complete()) {
        Stream(s);
        BOOST_REQUIRE_EQUAL(Take(s, Signed(s.BytesSent(), 10), 10), "ok");
    }
    const Transaction settled = s.LastReceipt()->Sign(0, Keys().device);
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(*s.LastReceipt())), "bad-signature");
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(settled)), "ok");
    BOOST_CHECK_EQUAL(ApplyInBlock(state, settled, 11), "ok");
    BOOST_CHECK_EQUAL(GetAccount(state, Keys().consumer.PubKey())->credits,
                      10'000 - BandwidthCredits(300'000, p));
    BOOST_CHECK_EQUAL(BandwidthCredits(300'000, p), 293U);  // ceil(300000 / 1024)
}

BOOST_AUTO_TEST_CASE(receipts_wait_in_files_until_settled) {
    TempDir dir;
    const Transaction a = Signed(1000, 5).Sign(0, Keys().device);
    const Transaction b = Signed(2000, 5, SessionId(2)).Sign(0, Keys().device);
    {
        auto store = ReceiptStore::Open(dir.File("receipts"), Dev(), Keys().device.PubKey());
        BOOST_REQUIRE_MESSAGE(store, ErrorText(store));
        BOOST_CHECK((*store)->Pending().empty());
        BOOST_REQUIRE((*store)->Add(a));
        BOOST_REQUIRE((*store)->Add(b));
        (*store)->Remove(a);
    }
    auto store = ReceiptStore::Open(dir.File("receipts"), Dev(), Keys().device.PubKey());
    BOOST_REQUIRE(store);
    BOOST_REQUIRE_EQUAL((*store)->Pending().size(), 1U);
    BOOST_CHECK((*store)->Pending()[0] == b);
    BOOST_CHECK(!(*store)->Full());
    // One signed by the consumer alone, or damaged, stops the agent at start.
    const std::string path = dir.File("receipts/damaged.json");
    std::ofstream(path) << "{\"version\":1,\"tx\":\"" << HexStr(Signed(5, 5).Serialize()) << "\"}";
    auto damaged = ReceiptStore::Open(dir.File("receipts"), Dev(), Keys().device.PubKey());
    BOOST_REQUIRE(!damaged);
    BOOST_CHECK_EQUAL(damaged.error().code, "state-corrupt");
    BOOST_CHECK(damaged.error().message.find(path + " is damaged") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
