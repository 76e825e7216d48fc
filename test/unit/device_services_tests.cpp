// Device services, pure and in memory: every rule and reason code of
// heartbeat, bandwidth_receipt, storage_deal and storage_proof (and the rules
// they share, consensus/tx/device_rules.h), the attestations' envelope
// policies, the block lanes, the cost bound of one attestation, a random
// stream of attestations checked against a model of the rules, and the
// mempool's attestation lane.
//
// States are the dev genesis state in memory (MapState); each block is a
// hand-made BlockContext whose recent hashes are TestBlockContext's made-up
// ones (BlockHash below). Dev network values the tests rely on are checked
// first (dev_parameters_the_tests_rely_on).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "chain/mempool.h"
#include "chain/tip.h"
#include "consensus/block.h"
#include "consensus/block_context.h"
#include "consensus/block_verify.h"
#include "consensus/chunk_tree.h"
#include "consensus/commit.h"
#include "consensus/contribution_records.h"
#include "consensus/genesis.h"
#include "consensus/params.h"
#include "consensus/records.h"
#include "consensus/reward_records.h"
#include "consensus/state.h"
#include "consensus/transaction.h"
#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/retire_device.h"
#include "consensus/tx/storage_deal.h"
#include "consensus/tx/storage_proof.h"
#include "consensus/tx_type.h"
#include "consensus/tx_verify.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "serialize/codec.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using Bytes = std::vector<uint8_t>;

using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::MapState;
using maillon::test::TestBlockContext;
using maillon::test::TestFile;
using maillon::test::TestKey;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kNow = 1'800'000'000'000;  // mempool entry time, after every test block

// ---------------------------------------------------------------------------
// Keys

// TestKey(n), computed once (the stream and the cost test use many).
const PrivKey& Key(uint64_t n) {
    static std::map<uint64_t, PrivKey> keys;
    auto it = keys.find(n);
    if (it == keys.end()) it = keys.emplace(n, TestKey(n)).first;
    return it->second;
}

const PrivKey& Owner() {
    return Key(100);
}
const PrivKey& OtherOwner() {
    return Key(101);
}
const PrivKey& Consumer() {
    return Key(200);
}
const PrivKey& OtherConsumer() {
    return Key(201);
}
const PrivKey& Client() {
    return Key(300);
}
const PrivKey& OtherClient() {
    return Key(301);
}
// Device number i's own key.
const PrivKey& Hotspot(uint64_t i) {
    return Key(1000 + i);
}

// ---------------------------------------------------------------------------
// Blocks, sessions, files

// The made-up hash TestBlockContext (and DeviceTip below) gives block h.
Hash256 BlockHash(uint64_t h) {
    std::array<uint8_t, 8> seed{};
    for (size_t i = 0; i < seed.size(); ++i)
        seed[i] = static_cast<uint8_t>(h >> (8 * i));
    return TaggedHash("MaillonTestBlock", seed);
}

Hash256 Session(uint64_t n) {
    Writer w;
    w.U64(n);
    return TaggedHash("DeviceServicesTestSession", w.Data());
}

// The chunk the chain challenges `deal` for in `epoch` (from the hash of the
// epoch's first block).
uint64_t Challenged(const Hash256& deal, uint64_t epoch, const TestFile& file) {
    return ChallengedChunk(deal, BlockHash(epoch * Dev().epoch_blocks), file.Count());
}

// ---------------------------------------------------------------------------
// Transactions, signed by every role

Transaction HeartbeatNaming(const PrivKey& device, uint64_t ref_height, const Hash256& ref_hash) {
    return UnsignedHeartbeat(Dev().chain_id, device.PubKey(), ref_height, ref_hash).Sign(0, device);
}

// A heartbeat naming block ref_height by its (made-up) hash.
Transaction Heartbeat(const PrivKey& device, uint64_t ref_height) {
    return HeartbeatNaming(device, ref_height, BlockHash(ref_height));
}

Transaction Receipt(const PrivKey& device, const PrivKey& consumer, const Hash256& session,
                    uint64_t bytes, uint64_t ref_height) {
    return UnsignedBandwidthReceipt(Dev().chain_id, device.PubKey(), consumer.PubKey(), session,
                                    bytes, ref_height)
        .Sign(1, consumer)
        .Sign(0, device);
}

Transaction DealTx(const PrivKey& client, const PrivKey& device, const StorageDealPayload& terms,
                   uint64_t nonce, Amount fee = Dev().min_tx_fee) {
    return UnsignedStorageDeal(Dev().chain_id, client.PubKey(), device.PubKey(), terms, fee, nonce)
        .Sign(0, client)
        .Sign(1, device);
}

Transaction Proof(const PrivKey& device, const Hash256& deal, uint64_t epoch, const Bytes& chunk,
                  std::vector<Hash256> path) {
    return UnsignedStorageProof(Dev().chain_id, device.PubKey(), deal, epoch, chunk,
                                std::move(path))
        .Sign(0, device);
}

// The proof of the challenged chunk: the one that must be accepted.
Transaction GoodProof(const PrivKey& device, const Hash256& deal, uint64_t epoch,
                      const TestFile& file) {
    const uint64_t i = Challenged(deal, epoch, file);
    return Proof(device, deal, epoch, file.chunks[i], file.Path(i));
}

// tx's payload in a new envelope with this fee and nonce, signed by `keys`
// (one per role, in order).
Transaction Reenvelope(const Transaction& tx, Amount fee, uint64_t nonce,
                       const std::vector<const PrivKey*>& keys) {
    Transaction out =
        MakeUnsigned(tx.TypeId(), tx.ChainId(), tx.Signers(), tx.Fields().payload, fee, nonce);
    for (size_t i = 0; i < keys.size(); ++i)
        out = out.Sign(i, *keys[i]);
    return out;
}

// ---------------------------------------------------------------------------
// Records

std::string Str(const ContributionUnits& u) {
    return "{uptime " + std::to_string(u.uptime_intervals) + ", bytes " +
           std::to_string(u.bandwidth_bytes) + ", byte-epochs " +
           std::to_string(u.storage_byte_epochs) + ", credits " + std::to_string(u.credits_burned) +
           "}";
}

ContributionUnits Units(uint64_t uptime, uint64_t bytes, uint64_t byte_epochs, uint64_t credits) {
    ContributionUnits u;
    u.uptime_intervals = uptime;
    u.bandwidth_bytes = bytes;
    u.storage_byte_epochs = byte_epochs;
    u.credits_burned = credits;
    return u;
}

// The key of a settled-session record (tag 10: consumer key || device key ||
// session).
Hash256 SessionRecordKey(const XOnlyPubKey& consumer, const XOnlyPubKey& device,
                         const Hash256& session) {
    Writer id;
    id.Raw(consumer);
    id.Raw(device);
    id.Raw(session);
    return StateKey(RecordTag::kSession, id.Data());
}

std::set<Hash256> KeysOf(const StateChanges& changes) {
    std::set<Hash256> keys;
    for (const auto& [key, value] : changes)
        keys.insert(key);
    return keys;
}

// ---------------------------------------------------------------------------
// The world: a chain state, and blocks applied to it one transaction at a time

class World {
public:
    World() : state(test::DevGenesisState()) {
        for (const PrivKey* k :
             {&Owner(), &OtherOwner(), &Consumer(), &OtherConsumer(), &Client(), &OtherClient()})
            Fund(*k);
    }

    void Fund(const PrivKey& k, Amount amount = 100'000 * kCoin) {
        state.SetAccount(k.PubKey(), Account{amount, 0, 0});
    }

    // Applies tx alone in block `height` and keeps its changes when it
    // applies; the outcome's reason code ("ok" when it applies). A refused
    // transaction must leave the state as it was.
    std::string Apply(const Transaction& tx, uint64_t height) {
        CloseEpochsBefore(state, height);
        const TestBlockContext tc(height);
        StateOverlay ov(state);
        const Status st = ApplyTransaction(tc.ctx, tx, ov);
        if (!st) {
            BOOST_CHECK_MESSAGE(ov.Changes().empty(), "a refused " << tx.Type().Name() << " ("
                                                                   << Code(st)
                                                                   << ") changed the state");
            return Code(st);
        }
        StateChanges changes = std::move(ov).TakeChanges();
        state.Apply(changes);
        return "ok";
    }

    // The outcome of tx in block `height`, keeping nothing.
    std::string Try(const Transaction& tx, uint64_t height) {
        CloseEpochsBefore(state, height);
        const TestBlockContext tc(height);
        StateOverlay ov(state);
        return Code(ApplyTransaction(tc.ctx, tx, ov));
    }

    // Every transaction in one block, in order; each must apply.
    void ApplyAll(const std::vector<Transaction>& txs, uint64_t height) {
        CloseEpochsBefore(state, height);
        const TestBlockContext tc(height);
        StateOverlay block(state);
        for (const Transaction& tx : txs) {
            const Status st = ApplyTransaction(tc.ctx, tx, block);
            BOOST_REQUIRE_MESSAGE(st.ok(), tx.Type().Name() << ": " << Code(st));
        }
        StateChanges changes = std::move(block).TakeChanges();
        state.Apply(changes);
    }

    uint64_t NonceOf(const PrivKey& k) const { return GetAccount(state, k.PubKey())->nonce; }
    uint64_t Credits(const PrivKey& k) const { return GetAccount(state, k.PubKey())->credits; }

    void Register(const PrivKey& device, uint8_t kinds, const PrivKey& owner = Owner(),
                  uint64_t height = 1) {
        const Transaction tx = test::MakeRegisterDevice(owner, device, kinds, NonceOf(owner));
        BOOST_REQUIRE_EQUAL(Apply(tx, height), "ok");
    }

    // The owner's retire_device: the first retires, the second (after the
    // unbonding delay) releases the bond and deletes the records.
    std::string Retire(const PrivKey& device, uint64_t height, const PrivKey& owner = Owner()) {
        return Apply(RetireTx(device, owner), height);
    }
    Transaction RetireTx(const PrivKey& device, const PrivKey& owner = Owner()) const {
        return UnsignedRetireDevice(Dev().chain_id, owner.PubKey(), device.PubKey(),
                                    Dev().min_tx_fee, NonceOf(owner))
            .Sign(0, owner);
    }

    // buy_credits of `credits` (the dev rate is one credit per base unit).
    void Buy(const PrivKey& who, uint64_t credits, uint64_t height = 1) {
        const Transaction tx = UnsignedBuyCredits(Dev().chain_id, who.PubKey(), credits,
                                                  Dev().min_tx_fee, NonceOf(who))
                                   .Sign(0, who);
        BOOST_REQUIRE_EQUAL(Apply(tx, height), "ok");
    }

    // A deal that must apply; its id.
    Hash256 MakeDeal(const PrivKey& client, const PrivKey& device, const StorageDealPayload& terms,
                     uint64_t height) {
        const Transaction tx = DealTx(client, device, terms, NonceOf(client));
        BOOST_REQUIRE_EQUAL(Apply(tx, height), "ok");
        return tx.Id();
    }

    ContributionUnits UnitsOf(const PrivKey& device, uint64_t epoch) const {
        return *GetContribution(state, device.PubKey(), epoch);
    }
    ContributionUnits Totals(uint64_t epoch) const { return *GetEpochTotals(state, epoch); }
    Deal DealRecord(const Hash256& id) const {
        auto deal = GetDeal(state, id);
        BOOST_REQUIRE(deal && deal->has_value());
        return **deal;
    }

    MapState state;
};

// A tip at `height` on `state` (not owned), whose recent blocks have
// BlockHash's hashes: the next block is height + 1, as in TestBlockContext.
class DeviceTip : public TipSource {
public:
    DeviceTip(const StateReader& state, uint64_t height) : m_state(state), m_height(height) {}
    TipView CurrentTip() const override {
        auto recent = std::make_shared<RecentBlockHashes>();
        const uint64_t keep = Dev().recent_block_hashes;
        for (uint64_t h = m_height + 1 > keep ? m_height + 1 - keep : 0; h <= m_height; ++h)
            recent->Push(h, BlockHash(h), keep);
        return TipView(m_height, Dev().genesis_time_ms + m_height * 1000, recent,
                       std::shared_ptr<const StateReader>(&m_state, [](const StateReader*) {}));
    }

private:
    const StateReader& m_state;
    uint64_t m_height;
};

// A block at height 1 with these transactions, its roots consistent (for
// CheckBlockBody).
Block BodyBlock(std::vector<Transaction> txs) {
    auto genesis = GenesisBlock(Dev(), Sha256(std::vector<uint8_t>{1}));
    BOOST_REQUIRE(genesis);
    Block b;
    b.header.chain_id = Dev().chain_id;
    b.header.height = 1;
    b.header.parent = genesis->header.Hash();
    b.header.time_ms = genesis->header.time_ms + 1000;
    b.header.proposer = DevKey().PubKey();
    b.header.state_root = Sha256(std::vector<uint8_t>{7});
    b.last_commit = GenesisCommit(b.header.parent);
    b.txs = std::move(txs);
    b.header.tx_root = b.ComputeTxRoot();
    b.header.last_commit_hash = b.last_commit.Hash();
    return b;
}

// A StateReader that counts the reads that reach it.
class CountingReader : public StateReader {
public:
    explicit CountingReader(const StateReader& base) : m_base(base) {}
    Result<std::optional<StateValue>> Get(const Hash256& key) const override {
        ++reads;
        return m_base.Get(key);
    }
    mutable uint64_t reads = 0;

private:
    const StateReader& m_base;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(device_services_tests)

// ---------------------------------------------------------------------------
// The parameters and helpers the tests build on

BOOST_AUTO_TEST_CASE(dev_parameters_the_tests_rely_on) {
    const ChainParams& p = Dev();
    BOOST_CHECK_EQUAL(p.epoch_blocks, 60U);
    BOOST_CHECK_EQUAL(p.heartbeat_interval_blocks, 10U);
    BOOST_CHECK_EQUAL(p.heartbeat_max_age_blocks, 5U);
    BOOST_CHECK_EQUAL(p.receipt_window_blocks, 60U);
    BOOST_CHECK_EQUAL(p.storage_proof_window_blocks, 20U);
    BOOST_CHECK_EQUAL(p.bandwidth_bytes_per_credit, 1024U);
    BOOST_CHECK_EQUAL(p.recent_block_hashes, 256U);
    BOOST_CHECK_EQUAL(p.device_bond, 10 * kCoin);
    BOOST_CHECK_EQUAL(p.credits_per_unit, 1U);  // World::Buy buys credits one for one
    // BlockHash is TestBlockContext's, for every block it keeps.
    const TestBlockContext tc(300);
    for (uint64_t h = 300 - p.recent_block_hashes; h < 300; ++h)
        BOOST_REQUIRE(tc.ctx.RecentHash(h) == BlockHash(h));
    BOOST_CHECK(!tc.ctx.RecentHash(300 - p.recent_block_hashes - 1));
}

// ---------------------------------------------------------------------------
// Envelope policies shared by the attestations

BOOST_AUTO_TEST_CASE(attestations_pay_no_fee_and_have_no_nonce) {
    const PrivKey& dev = Hotspot(0);
    const Transaction hb = Heartbeat(dev, 99);
    const Transaction rc = Receipt(dev, Consumer(), Session(1), 100, 99);
    const Transaction pf = Proof(dev, Session(7), 2, Bytes{1, 2, 3}, {});
    const std::vector<std::pair<Transaction, std::vector<const PrivKey*>>> attestations = {
        {hb, {&dev}}, {rc, {&dev, &Consumer()}}, {pf, {&dev}}};
    for (const auto& [tx, keys] : attestations) {
        BOOST_TEST_CONTEXT(tx.Type().Name()) {
            BOOST_CHECK(IsAttestation(tx.Type()));
            BOOST_CHECK(tx.Type().Fees() == FeePolicy::kNoFee);
            BOOST_CHECK_EQUAL(Code(CheckTransaction(tx, Dev())), "ok");
            BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(tx)), "ok");
            BOOST_CHECK_EQUAL(Code(CheckTransaction(Reenvelope(tx, 0, 0, keys), Dev())), "ok");
            BOOST_CHECK_EQUAL(Code(CheckTransaction(Reenvelope(tx, 1, 0, keys), Dev())),
                              "fee-not-allowed");
            BOOST_CHECK_EQUAL(
                Code(CheckTransaction(Reenvelope(tx, Dev().min_tx_fee, 0, keys), Dev())),
                "fee-not-allowed");
            BOOST_CHECK_EQUAL(Code(CheckTransaction(Reenvelope(tx, 0, 1, keys), Dev())),
                              "nonce-not-allowed");
            BOOST_CHECK_EQUAL(Code(CheckTransaction(Reenvelope(tx, 0, kMax, keys), Dev())),
                              "nonce-not-allowed");
        }
    }
    // A storage deal is not an attestation: it pays the minimum fee and has
    // a nonce.
    const TestFile file(100, 10, 1);
    const Transaction deal = DealTx(Client(), dev, file.Terms(1, 1), 0);
    BOOST_CHECK(!IsAttestation(deal.Type()));
    BOOST_CHECK_EQUAL(Code(CheckTransaction(deal, Dev())), "ok");
    BOOST_CHECK_EQUAL(Code(CheckTransaction(DealTx(Client(), dev, file.Terms(1, 1), 0, 0), Dev())),
                      "fee-too-low");
    BOOST_CHECK_EQUAL(
        Code(CheckTransaction(DealTx(Client(), dev, file.Terms(1, 1), 5, Dev().min_tx_fee), Dev())),
        "ok");

    // Applying an attestation touches no account: neither the device's
    // (no nonce, no fee) nor the proposer's.
    World w;
    w.Register(dev, kDeviceUptime);
    const Account proposer = *GetAccount(w.state, DevKey().PubKey());
    const TestBlockContext tc(100);
    StateOverlay ov(w.state);
    BOOST_REQUIRE_EQUAL(Code(ApplyTransaction(tc.ctx, hb, ov)), "ok");
    BOOST_CHECK(!ov.Changes().count(AccountKey(dev.PubKey())));
    BOOST_CHECK(!ov.Changes().count(AccountKey(DevKey().PubKey())));
    BOOST_CHECK(GetAccount(ov, dev.PubKey())->IsEmpty());
    BOOST_CHECK(*GetAccount(ov, DevKey().PubKey()) == proposer);
}

// ---------------------------------------------------------------------------
// heartbeat

BOOST_AUTO_TEST_CASE(heartbeat_device_must_be_active) {
    World w;
    const PrivKey& dev = Hotspot(0);
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 99), 100), "device-not-registered");
    w.Register(Hotspot(1), kDeviceBandwidth | kDeviceStorage);
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(Hotspot(1), 99), 100), "device-kind-not-offered");
    w.Register(dev, kDeviceUptime);
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 99), 100), "ok");

    BOOST_REQUIRE_EQUAL(w.Retire(dev, 101), "ok");
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 109), 110), "device-retired");
    // Retired is reported before the kinds.
    BOOST_REQUIRE_EQUAL(w.Retire(Hotspot(1), 101), "ok");
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(Hotspot(1), 109), 110), "device-retired");
    // Once the bond is back the records are gone: not registered at all.
    BOOST_REQUIRE_EQUAL(w.Retire(dev, 101 + Dev().device_unbond_blocks), "ok");
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 119), 120), "device-not-registered");
}

BOOST_AUTO_TEST_CASE(heartbeat_ref_block_rules) {
    // In block 100, a heartbeat names one of blocks 95..99 by its hash.
    World w;
    const PrivKey& dev = Hotspot(0);
    w.Register(dev, kDeviceUptime);
    BOOST_CHECK_EQUAL(w.Try(Heartbeat(dev, 95), 100), "ok");  // exactly max age
    BOOST_CHECK_EQUAL(w.Try(Heartbeat(dev, 99), 100), "ok");  // the parent
    // Too old: one block past the max age, and far past it.
    BOOST_CHECK_EQUAL(w.Try(Heartbeat(dev, 94), 100), "ref-block-too-old");
    BOOST_CHECK_EQUAL(w.Try(Heartbeat(dev, 0), 100), "ref-block-too-old");
    // Unknown: the including block itself, a future height, a wrong hash.
    BOOST_CHECK_EQUAL(w.Try(Heartbeat(dev, 100), 100), "ref-block-unknown");
    BOOST_CHECK_EQUAL(w.Try(Heartbeat(dev, 101), 100), "ref-block-unknown");
    BOOST_CHECK_EQUAL(w.Try(Heartbeat(dev, 150), 100), "ref-block-unknown");
    BOOST_CHECK_EQUAL(w.Try(Heartbeat(dev, kMax), 100), "ref-block-unknown");
    BOOST_CHECK_EQUAL(w.Try(HeartbeatNaming(dev, 99, BlockHash(98)), 100), "ref-block-unknown");
    BOOST_CHECK_EQUAL(w.Try(HeartbeatNaming(dev, 99, Hash256{}), 100), "ref-block-unknown");
    Hash256 flipped = BlockHash(97);
    flipped[31] ^= 1;
    BOOST_CHECK_EQUAL(w.Try(HeartbeatNaming(dev, 97, flipped), 100), "ref-block-unknown");
}

BOOST_AUTO_TEST_CASE(heartbeat_once_per_interval) {
    World w;
    const PrivKey& dev = Hotspot(0);
    w.Register(dev, kDeviceUptime);
    BOOST_CHECK(!GetDeviceActivity(w.state, dev.PubKey())->has_value());
    // Interval 9 (blocks 90..99).
    BOOST_REQUIRE_EQUAL(w.Apply(Heartbeat(dev, 95), 100), "ok");
    BOOST_CHECK(**GetDeviceActivity(w.state, dev.PubKey()) == (DeviceActivity{9, 100}));
    // A second heartbeat in the interval, naming another block or the same
    // one, in a later block or the same one, is not counted.
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 99), 101), "heartbeat-already-counted");
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 95), 100), "heartbeat-already-counted");
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 96), 100), "heartbeat-already-counted");
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 99), 104), "heartbeat-already-counted");
    // The next interval is.
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 100), 104), "ok");
    BOOST_CHECK(**GetDeviceActivity(w.state, dev.PubKey()) == (DeviceActivity{10, 104}));
    // Then an earlier interval is not, even one never counted.
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 99), 104), "heartbeat-already-counted");
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 101), 105), "heartbeat-already-counted");
    // Intervals may be skipped.
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 133), 135), "ok");
    BOOST_CHECK(**GetDeviceActivity(w.state, dev.PubKey()) == (DeviceActivity{13, 135}));
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 1)), Str(Units(2, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 2)), Str(Units(1, 0, 0, 0)));
    // The interval is the device's own: another device's is independent.
    w.Register(Hotspot(1), kDeviceUptime);
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(Hotspot(1), 99), 101), "ok");
}

BOOST_AUTO_TEST_CASE(heartbeat_credits_the_including_blocks_epoch) {
    World w;
    const PrivKey &a = Hotspot(0), &b = Hotspot(1);
    w.Register(a, kDeviceUptime);
    w.Register(b, kDeviceKindsMask);
    // Block 60 is epoch 1's first; it names block 58, of epoch 0.
    BOOST_REQUIRE_EQUAL(w.Apply(Heartbeat(a, 58), 60), "ok");
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(a, 0)), Str(Units(0, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(a, 1)), Str(Units(1, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.Totals(0)), Str(Units(0, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.Totals(1)), Str(Units(1, 0, 0, 0)));
    BOOST_REQUIRE_EQUAL(w.Apply(Heartbeat(b, 59), 61), "ok");
    BOOST_REQUIRE_EQUAL(w.Apply(Heartbeat(a, 65), 66), "ok");
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(a, 1)), Str(Units(2, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(b, 1)), Str(Units(1, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.Totals(1)), Str(Units(3, 0, 0, 0)));
    // Block 121 is in epoch 2; block 118, which it names, in epoch 1.
    BOOST_REQUIRE_EQUAL(w.Apply(Heartbeat(a, 118), 121), "ok");
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(a, 1)), Str(Units(2, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(a, 2)), Str(Units(1, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.Totals(1)), Str(Units(3, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.Totals(2)), Str(Units(1, 0, 0, 0)));
}

// ---------------------------------------------------------------------------
// bandwidth_receipt

BOOST_AUTO_TEST_CASE(receipt_stateless_rules) {
    const PrivKey& dev = Hotspot(0);
    BOOST_CHECK_EQUAL(Code(CheckTransaction(Receipt(dev, Consumer(), Session(1), 0, 9), Dev())),
                      "zero-amount");
    BOOST_CHECK_EQUAL(Code(CheckTransaction(Receipt(dev, Consumer(), Session(1), 1, 9), Dev())),
                      "ok");
    BOOST_CHECK_EQUAL(Code(CheckTransaction(Receipt(dev, Consumer(), Session(1), kMax, 9), Dev())),
                      "ok");
    // The device cannot be its own consumer.
    BOOST_CHECK_EQUAL(Code(CheckTransaction(Receipt(dev, dev, Session(1), 1, 9), Dev())),
                      "duplicate-signer");
}

BOOST_AUTO_TEST_CASE(receipt_device_must_be_active) {
    World w;
    w.Buy(Consumer(), 1000);
    const PrivKey& dev = Hotspot(0);
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 10, 99), 100),
                      "device-not-registered");
    w.Register(Hotspot(1), kDeviceUptime | kDeviceStorage);
    BOOST_CHECK_EQUAL(w.Apply(Receipt(Hotspot(1), Consumer(), Session(1), 10, 99), 100),
                      "device-kind-not-offered");
    w.Register(dev, kDeviceBandwidth);
    BOOST_REQUIRE_EQUAL(w.Retire(dev, 100), "ok");
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 10, 99), 100), "device-retired");
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 1000U);
    BOOST_CHECK(
        !GetSettledSession(w.state, Consumer().PubKey(), dev.PubKey(), Session(1))->has_value());
}

BOOST_AUTO_TEST_CASE(receipt_window) {
    // In block 200, the consumer signed at one of heights 140..199.
    World w;
    w.Buy(Consumer(), 1000);
    const PrivKey& dev = Hotspot(0);
    w.Register(dev, kDeviceBandwidth);
    BOOST_CHECK_EQUAL(w.Try(Receipt(dev, Consumer(), Session(1), 10, 140), 200), "ok");
    BOOST_CHECK_EQUAL(w.Try(Receipt(dev, Consumer(), Session(1), 10, 199), 200), "ok");
    BOOST_CHECK_EQUAL(w.Try(Receipt(dev, Consumer(), Session(1), 10, 139), 200), "receipt-too-old");
    BOOST_CHECK_EQUAL(w.Try(Receipt(dev, Consumer(), Session(1), 10, 0), 200), "receipt-too-old");
    // Not below the including block.
    BOOST_CHECK_EQUAL(w.Try(Receipt(dev, Consumer(), Session(1), 10, 200), 200),
                      "ref-block-unknown");
    BOOST_CHECK_EQUAL(w.Try(Receipt(dev, Consumer(), Session(1), 10, kMax), 200),
                      "ref-block-unknown");
}

BOOST_AUTO_TEST_CASE(receipt_self_dealing) {
    World w;
    const PrivKey& dev = Hotspot(0);
    w.Register(dev, kDeviceBandwidth, Owner());
    w.Register(Hotspot(1), kDeviceBandwidth, OtherOwner());
    w.Buy(Owner(), 1000);
    // The owner cannot pay its own device...
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Owner(), Session(1), 2048, 99), 100), "self-dealing");
    BOOST_CHECK_EQUAL(w.Credits(Owner()), 1000U);
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 1)), Str(Units(0, 0, 0, 0)));
    // ... but may pay another owner's.
    BOOST_CHECK_EQUAL(w.Apply(Receipt(Hotspot(1), Owner(), Session(1), 2048, 99), 100), "ok");
    BOOST_CHECK_EQUAL(w.Credits(Owner()), 998U);
}

BOOST_AUTO_TEST_CASE(receipt_session_settles_once) {
    World w;
    const PrivKey &dev = Hotspot(0), &dev2 = Hotspot(1);
    w.Register(dev, kDeviceBandwidth);
    w.Register(dev2, kDeviceBandwidth);
    w.Buy(Consumer(), 1000);
    w.Buy(OtherConsumer(), 1000);
    const Transaction first = Receipt(dev, Consumer(), Session(1), 2048, 199);
    BOOST_REQUIRE_EQUAL(w.Apply(first, 200), "ok");
    auto settled = GetSettledSession(w.state, Consumer().PubKey(), dev.PubKey(), Session(1));
    BOOST_REQUIRE(settled && settled->has_value());
    BOOST_CHECK(**settled == (SettledSession{dev.PubKey(), 200}));
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 998U);
    // The same receipt again, later or in the same block.
    BOOST_CHECK_EQUAL(w.Apply(first, 201), "session-already-settled");
    BOOST_CHECK_EQUAL(w.Apply(first, 200), "session-already-settled");
    // The same session with another byte count (a later running total, or
    // an earlier one).
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 4096, 200), 201),
                      "session-already-settled");
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 1, 199), 201),
                      "session-already-settled");
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 998U);
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 3)), Str(Units(0, 2048, 0, 2)));
    // The same session id with another device is another session: a
    // consumer cannot void dev's receipt by settling its session with a
    // device of its own first.
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev2, Consumer(), Session(1), 2048, 200), 201), "ok");
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 996U);
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev2, Consumer(), Session(1), 2048, 200), 201),
                      "session-already-settled");
    // Another session of the consumer, and the same session id of another
    // consumer: the pair is the identity.
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(2), 100, 200), 201), "ok");
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, OtherConsumer(), Session(1), 100, 200), 201), "ok");
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 995U);
    BOOST_CHECK_EQUAL(w.Credits(OtherConsumer()), 999U);
    // Settled for ever: still refused long after, where its height is in
    // the window again.
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 10, 5000), 5001),
                      "session-already-settled");
}

BOOST_AUTO_TEST_CASE(receipt_insufficient_credits) {
    World w;
    const PrivKey& dev = Hotspot(0);
    w.Register(dev, kDeviceBandwidth);
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 1, 99), 100),
                      "insufficient-credits");
    w.Buy(Consumer(), 1);
    // 1025 bytes need 2 credits.
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 1025, 99), 100),
                      "insufficient-credits");
    BOOST_CHECK(
        !GetSettledSession(w.state, Consumer().PubKey(), dev.PubKey(), Session(1))->has_value());
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 1U);
    BOOST_CHECK_EQUAL(Str(w.Totals(1)), Str(Units(0, 0, 0, 0)));
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(2), 1024, 99), 100), "ok");
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 0U);
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(3), 1, 99), 100),
                      "insufficient-credits");
    // The refused session was not settled: with the credits, it is.
    w.Buy(Consumer(), 2);
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 1025, 99), 100), "ok");
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 0U);
}

BOOST_AUTO_TEST_CASE(receipt_burns_ceil_of_bytes_per_credit) {
    const ChainParams& p = Dev();
    BOOST_CHECK_EQUAL(BandwidthCredits(1, p), 1U);
    BOOST_CHECK_EQUAL(BandwidthCredits(1023, p), 1U);
    BOOST_CHECK_EQUAL(BandwidthCredits(1024, p), 1U);
    BOOST_CHECK_EQUAL(BandwidthCredits(1025, p), 2U);
    BOOST_CHECK_EQUAL(BandwidthCredits(2048, p), 2U);
    BOOST_CHECK_EQUAL(BandwidthCredits(kMax, p), kMax / 1024 + 1);  // no overflow

    World w;
    const PrivKey& dev = Hotspot(0);
    w.Register(dev, kDeviceBandwidth);
    w.Buy(Consumer(), 100);
    const std::vector<std::pair<uint64_t, uint64_t>> cases = {{1, 1}, {1024, 1}, {1025, 2}};
    uint64_t credits = 100, bytes = 0, burned = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
        const auto [n, cost] = cases[i];
        BOOST_TEST_CONTEXT(n << " bytes") {
            BOOST_REQUIRE_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(i), n, 69), 70), "ok");
            credits -= cost;
            bytes += n;
            burned += cost;
            BOOST_CHECK_EQUAL(w.Credits(Consumer()), credits);
            BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 1)), Str(Units(0, bytes, 0, burned)));
            BOOST_CHECK_EQUAL(Str(w.Totals(1)), Str(Units(0, bytes, 0, burned)));
        }
    }
    BOOST_CHECK_EQUAL(burned, 4U);
    // Burned credits are gone: the consumer's, not the device's or owner's.
    BOOST_CHECK_EQUAL(GetAccount(w.state, dev.PubKey())->credits, 0U);
    BOOST_CHECK_EQUAL(w.Credits(Owner()), 0U);
}

BOOST_AUTO_TEST_CASE(receipt_needs_both_signatures) {
    const PrivKey& dev = Hotspot(0);
    const Transaction bare = UnsignedBandwidthReceipt(Dev().chain_id, dev.PubKey(),
                                                      Consumer().PubKey(), Session(1), 2048, 99);
    const Status no_consumer = CheckTransactionSignatures(bare.Sign(0, dev));
    BOOST_CHECK_EQUAL(Code(no_consumer), "bad-signature");
    BOOST_CHECK_MESSAGE(no_consumer.error().message.find("consumer") != std::string::npos,
                        no_consumer.error().message);
    const Status no_device = CheckTransactionSignatures(bare.Sign(1, Consumer()));
    BOOST_CHECK_EQUAL(Code(no_device), "bad-signature");
    BOOST_CHECK_MESSAGE(no_device.error().message.find("device") != std::string::npos,
                        no_device.error().message);
    // Signed by another key in the consumer's place.
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(bare.Sign(0, dev).Sign(1, OtherConsumer()))),
                      "bad-signature");
    // The consumer's signature covers the byte count: it cannot be raised.
    const Transaction signed_2048 = bare.Sign(1, Consumer());
    Transaction raised = UnsignedBandwidthReceipt(Dev().chain_id, dev.PubKey(), Consumer().PubKey(),
                                                  Session(1), 4096, 99);
    TxFields fields = raised.Fields();
    fields.signatures[1] = signed_2048.Signatures()[1];
    auto forged = Transaction::Make(fields);
    BOOST_REQUIRE(forged);
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(forged->Sign(0, dev))), "bad-signature");
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(bare.Sign(0, dev).Sign(1, Consumer()))),
                      "ok");
}

// ---------------------------------------------------------------------------
// storage_deal

BOOST_AUTO_TEST_CASE(deal_stateless_rules) {
    const ChainParams& p = Dev();
    StorageDealPayload good;
    good.data_root = Session(9);
    good.size = 1000;
    good.chunk_size = 100;
    good.duration_epochs = 3;
    good.price = 2;
    auto check = [&](const StorageDealPayload& terms) {
        return Code(CheckTransaction(DealTx(Client(), Hotspot(0), terms, 0), p));
    };
    BOOST_CHECK_EQUAL(check(good), "ok");
    StorageDealPayload t = good;
    t.size = 0;
    BOOST_CHECK_EQUAL(check(t), "zero-amount");
    t = good;
    t.chunk_size = 0;
    BOOST_CHECK_EQUAL(check(t), "bad-chunk-size");
    t.chunk_size = kMaxChunkSize + 1;
    BOOST_CHECK_EQUAL(check(t), "bad-chunk-size");
    t.chunk_size = kMaxChunkSize;
    BOOST_CHECK_EQUAL(check(t), "ok");
    t.chunk_size = 1;
    BOOST_CHECK_EQUAL(check(t), "ok");
    // At most kMaxDealChunks chunks.
    t = good;
    t.chunk_size = 1;
    t.size = kMaxDealChunks;
    BOOST_CHECK_EQUAL(check(t), "ok");
    t.size = kMaxDealChunks + 1;
    BOOST_CHECK_EQUAL(check(t), "deal-too-large");
    t.chunk_size = kMaxChunkSize;
    t.size = kMaxDealChunks * kMaxChunkSize;
    BOOST_CHECK_EQUAL(check(t), "ok");
    t.size += 1;
    BOOST_CHECK_EQUAL(check(t), "deal-too-large");
    t.size = kMax;
    BOOST_CHECK_EQUAL(check(t), "deal-too-large");
    // 1 <= duration <= max_deal_epochs.
    t = good;
    t.duration_epochs = 0;
    BOOST_CHECK_EQUAL(check(t), "bad-deal-duration");
    t.duration_epochs = static_cast<uint32_t>(p.max_deal_epochs);
    BOOST_CHECK_EQUAL(check(t), "ok");
    t.duration_epochs = static_cast<uint32_t>(p.max_deal_epochs + 1);
    BOOST_CHECK_EQUAL(check(t), "bad-deal-duration");
    t.duration_epochs = std::numeric_limits<uint32_t>::max();
    BOOST_CHECK_EQUAL(check(t), "bad-deal-duration");
    // A positive price.
    t = good;
    t.price = 0;
    BOOST_CHECK_EQUAL(check(t), "zero-amount");
    // size x duration x price within 64 bits: 2^20 x 2^40 x 16 = 2^64 is not,
    // x 15 is.
    t = good;
    t.chunk_size = 1;
    t.size = uint64_t{1} << 20;
    t.price = uint64_t{1} << 40;
    t.duration_epochs = 16;
    BOOST_CHECK_EQUAL(check(t), "amount-overflow");
    t.duration_epochs = 15;
    BOOST_CHECK_EQUAL(check(t), "ok");
    t.duration_epochs = 1;
    t.price = kMax;
    BOOST_CHECK_EQUAL(check(t), "amount-overflow");
    t.size = 1;
    BOOST_CHECK_EQUAL(check(t), "ok");
    // The device signs too.
    const Transaction unsigned_device =
        UnsignedStorageDeal(p.chain_id, Client().PubKey(), Hotspot(0).PubKey(), good, 1000, 0)
            .Sign(0, Client());
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(unsigned_device)), "bad-signature");
}

BOOST_AUTO_TEST_CASE(deal_state_rules_and_effect) {
    World w;
    const PrivKey& dev = Hotspot(0);
    const TestFile file(150, 16, 1);  // 10 chunks, the last of 6 bytes
    BOOST_REQUIRE_EQUAL(file.Count(), 10U);
    const StorageDealPayload terms = file.Terms(3, 2);
    const uint64_t escrow = 150 * 3 * 2;
    w.Buy(Client(), 10'000);
    auto deal = [&](const PrivKey& client, const PrivKey& device) {
        return DealTx(client, device, terms, w.NonceOf(client));
    };
    BOOST_CHECK_EQUAL(w.Apply(deal(Client(), dev), 70), "device-not-registered");
    w.Register(Hotspot(1), kDeviceUptime | kDeviceBandwidth);
    BOOST_CHECK_EQUAL(w.Apply(deal(Client(), Hotspot(1)), 70), "device-kind-not-offered");
    w.Register(dev, kDeviceStorage);
    // The owner cannot be the client of its own device.
    w.Buy(Owner(), 10'000);
    BOOST_CHECK_EQUAL(w.Apply(deal(Owner(), dev), 70), "self-dealing");
    // One credit short: nothing happens (not even the fee).
    w.Buy(OtherClient(), escrow - 1);
    const Account poor = *GetAccount(w.state, OtherClient().PubKey());
    BOOST_CHECK_EQUAL(w.Apply(deal(OtherClient(), dev), 70), "insufficient-credits");
    BOOST_CHECK(*GetAccount(w.state, OtherClient().PubKey()) == poor);
    w.Buy(OtherClient(), 1);
    BOOST_CHECK_EQUAL(w.Try(deal(OtherClient(), dev), 70), "ok");

    // Block 70 is in epoch 1: the deal starts in epoch 2.
    const Account before = *GetAccount(w.state, Client().PubKey());
    const Transaction tx = deal(Client(), dev);
    BOOST_REQUIRE_EQUAL(w.Apply(tx, 70), "ok");
    const Account after = *GetAccount(w.state, Client().PubKey());
    BOOST_CHECK_EQUAL(after.credits, before.credits - escrow);
    BOOST_CHECK_EQUAL(after.balance, before.balance - Dev().min_tx_fee);  // cost: the fee only
    BOOST_CHECK_EQUAL(after.nonce, before.nonce + 1);
    Deal expected;
    expected.client = Client().PubKey();
    expected.device = dev.PubKey();
    expected.data_root = file.root;
    expected.size = 150;
    expected.chunk_size = 16;
    expected.start_epoch = 2;
    expected.duration_epochs = 3;
    expected.price = 2;
    expected.proven_epochs = 0;
    expected.last_proven = 0;
    expected.escrow = escrow;
    BOOST_CHECK(w.DealRecord(tx.Id()) == expected);
    // Recorded under its own id: the same terms again make another deal.
    const Transaction again = deal(Client(), dev);
    BOOST_REQUIRE_EQUAL(w.Apply(again, 119), "ok");  // the last block of epoch 1
    BOOST_CHECK(again.Id() != tx.Id());
    BOOST_CHECK_EQUAL(w.DealRecord(again.Id()).start_epoch, 2U);
    const Transaction later = deal(Client(), dev);
    BOOST_REQUIRE_EQUAL(w.Apply(later, 120), "ok");  // the first block of epoch 2
    BOOST_CHECK_EQUAL(w.DealRecord(later.Id()).start_epoch, 3U);
    BOOST_CHECK_EQUAL(w.Credits(Client()), 10'000 - 3 * escrow);
    // The device earns nothing by agreeing: only proofs count.
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 1)), Str(Units(0, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.Totals(1)), Str(Units(0, 0, 0, 0)));
    // A retired device makes no deal.
    BOOST_REQUIRE_EQUAL(w.Retire(dev, 121), "ok");
    BOOST_CHECK_EQUAL(w.Apply(deal(Client(), dev), 122), "device-retired");
}

// ---------------------------------------------------------------------------
// storage_proof
//
// Common setting: a deal made in block 70 (epoch 1) covers epochs 2, 3 and 4
// (blocks 120..299); epoch e's proof goes in blocks 60e + 1 .. 60e + 20.

namespace {

struct DealWorld {
    DealWorld() : file(150, 16, 1) {
        w.Register(dev(), kDeviceStorage);
        w.Register(Hotspot(1), kDeviceStorage);
        w.Buy(Client(), 10'000);
        deal = w.MakeDeal(Client(), dev(), file.Terms(3, 2), 70);
    }
    static const PrivKey& dev() { return Hotspot(0); }
    Transaction Good(uint64_t epoch) const { return GoodProof(dev(), deal, epoch, file); }

    World w;
    TestFile file;
    Hash256 deal{};
};

}  // namespace

BOOST_AUTO_TEST_CASE(proof_deal_and_device_rules) {
    DealWorld d;
    World& w = d.w;
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 125), "ok");
    // A deal that does not exist.
    BOOST_CHECK_EQUAL(w.Try(GoodProof(d.dev(), Session(1), 2, d.file), 125), "unknown-deal");
    // Another device, registered for storage, cannot prove this deal.
    const uint64_t i = Challenged(d.deal, 2, d.file);
    BOOST_CHECK_EQUAL(w.Try(Proof(Hotspot(1), d.deal, 2, d.file.chunks[i], d.file.Path(i)), 125),
                      "not-deal-device");
    BOOST_CHECK_EQUAL(w.Try(Proof(Hotspot(7), d.deal, 2, d.file.chunks[i], d.file.Path(i)), 125),
                      "not-deal-device");
    // Epochs the deal does not cover: before its start and after its end,
    // each proven in its own window.
    BOOST_CHECK_EQUAL(w.Try(d.Good(1), 65), "deal-not-active");
    BOOST_CHECK_EQUAL(w.Try(d.Good(0), 5), "deal-not-active");
    BOOST_CHECK_EQUAL(w.Try(d.Good(4), 245), "ok");
    BOOST_CHECK_EQUAL(w.Try(d.Good(5), 305), "deal-not-active");
    BOOST_CHECK_EQUAL(w.Try(d.Good(kMax), 305), "deal-not-active");
}

BOOST_AUTO_TEST_CASE(proof_timing_rules) {
    DealWorld d;
    World& w = d.w;
    // Epoch 2: blocks 120..179; its proof in 121..140.
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 121), "ok");
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 140), "ok");
    // Too early: the epoch's first block (whose hash is the challenge), and
    // any block before the epoch.
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 120), "proof-too-early");
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 119), "proof-too-early");
    BOOST_CHECK_EQUAL(w.Try(d.Good(3), 125), "proof-too-early");
    BOOST_CHECK_EQUAL(w.Try(d.Good(3), 179), "proof-too-early");
    BOOST_CHECK_EQUAL(w.Try(d.Good(4), 125), "proof-too-early");
    // Late: past the window, and in a later epoch (even in its window).
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 141), "late-proof");
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 179), "late-proof");
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 185), "late-proof");
    BOOST_CHECK_EQUAL(w.Try(d.Good(2), 245), "late-proof");
    BOOST_CHECK_EQUAL(w.Try(d.Good(3), 181), "ok");
    BOOST_CHECK_EQUAL(w.Try(d.Good(3), 241), "late-proof");
}

BOOST_AUTO_TEST_CASE(proof_already_counted) {
    DealWorld d;
    World& w = d.w;
    const Transaction proof = d.Good(2);
    BOOST_REQUIRE_EQUAL(w.Apply(proof, 125), "ok");
    // The same proof again, in the same block or a later one of the window;
    // the same proof signed anew; a bad proof for the counted epoch.
    BOOST_CHECK_EQUAL(w.Apply(proof, 125), "proof-already-counted");
    BOOST_CHECK_EQUAL(w.Apply(proof, 140), "proof-already-counted");
    BOOST_CHECK_EQUAL(w.Apply(d.Good(2), 126), "proof-already-counted");
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, Bytes{1}, {}), 126),
                      "proof-already-counted");
    // The next epoch is proven on its own.
    BOOST_CHECK_EQUAL(w.Apply(d.Good(3), 185), "ok");
    BOOST_CHECK_EQUAL(w.Apply(d.Good(3), 186), "proof-already-counted");
    const Deal deal = w.DealRecord(d.deal);
    BOOST_CHECK_EQUAL(deal.proven_epochs, 2U);
    BOOST_CHECK_EQUAL(deal.last_proven, 3U);
}

BOOST_AUTO_TEST_CASE(proof_must_be_of_the_challenged_chunk) {
    DealWorld d;
    World& w = d.w;
    const TestFile& f = d.file;
    const uint64_t count = f.Count();
    // ChallengedChunk is as documented: the first 8 bytes of the tagged
    // hash of deal id || the epoch's first block hash, little-endian, mod count.
    Bytes preimage(d.deal.begin(), d.deal.end());
    const Hash256 seed = BlockHash(120);
    preimage.insert(preimage.end(), seed.begin(), seed.end());
    const Hash256 h = TaggedHash("MaillonStorageChallenge", preimage);
    uint64_t v = 0;
    for (size_t b = 0; b < 8; ++b)
        v |= uint64_t{h[b]} << (8 * b);
    const uint64_t idx = Challenged(d.deal, 2, f);
    BOOST_CHECK_EQUAL(idx, v % count);
    const uint64_t other = (idx + 1) % count;

    // The right chunk at another index: a genuine proof of chunk `other`,
    // which is not the one challenged.
    BOOST_REQUIRE(RootFromPath(other, count, f.leaves[other], f.Path(other)) == f.root);
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, f.chunks[other], f.Path(other)), 125),
                      "bad-proof");
    // Another chunk's bytes on the challenged chunk's path.
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, f.chunks[other], f.Path(idx)), 125),
                      "bad-proof");
    // The challenged chunk tampered with: a flipped bit, a byte more, a byte less.
    Bytes chunk = f.chunks[idx];
    chunk[0] ^= 1;
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, chunk, f.Path(idx)), 125), "bad-proof");
    chunk = f.chunks[idx];
    chunk.push_back(0);
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, chunk, f.Path(idx)), 125), "bad-proof");
    chunk = f.chunks[idx];
    chunk.pop_back();
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, chunk, f.Path(idx)), 125), "bad-proof");
    // The path tampered with: a flipped bit, one sibling short, one more,
    // none at all.
    std::vector<Hash256> path = f.Path(idx);
    BOOST_REQUIRE(!path.empty());
    path[path.size() / 2][5] ^= 0x40;
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, f.chunks[idx], path), 125), "bad-proof");
    path = f.Path(idx);
    path.pop_back();
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, f.chunks[idx], path), 125), "bad-proof");
    path = f.Path(idx);
    path.push_back(f.root);
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, f.chunks[idx], path), 125), "bad-proof");
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, f.chunks[idx], {}), 125), "bad-proof");
    BOOST_CHECK_EQUAL(w.DealRecord(d.deal).proven_epochs, 0U);

    // The challenged chunk with its path: size byte-epochs and size x price
    // credits for the device in the including block's epoch, burned from the
    // escrow.
    BOOST_CHECK_EQUAL(w.Apply(Proof(d.dev(), d.deal, 2, f.chunks[idx], f.Path(idx)), 125), "ok");
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(d.dev(), 2)), Str(Units(0, 0, 150, 150 * 2)));
    BOOST_CHECK_EQUAL(Str(w.Totals(2)), Str(Units(0, 0, 150, 150 * 2)));
    const Deal deal = w.DealRecord(d.deal);
    BOOST_CHECK_EQUAL(deal.proven_epochs, 1U);
    BOOST_CHECK_EQUAL(deal.last_proven, 2U);
    BOOST_CHECK_EQUAL(deal.escrow, 150U * 3 * 2 - 150 * 2);
    // The client pays nothing more: its credits went into the escrow.
    BOOST_CHECK_EQUAL(w.Credits(Client()), 10'000U - 150 * 3 * 2);
}

BOOST_AUTO_TEST_CASE(proof_with_an_empty_chunk_does_not_decode) {
    // A proof's chunk is 1..kMaxChunkSize bytes: the codec refuses an empty one.
    const Transaction empty = Proof(Hotspot(0), Session(1), 2, Bytes{}, {});
    BOOST_CHECK(!DecodeTransaction(empty.Serialize()));
    const Transaction one = Proof(Hotspot(0), Session(1), 2, Bytes{1}, {});
    BOOST_CHECK(DecodeTransaction(one.Serialize()));
    // And the rules refuse one that was built in memory.
    DealWorld d;
    BOOST_CHECK_EQUAL(d.w.Try(Proof(d.dev(), d.deal, 2, Bytes{}, {}), 125), "bad-proof");
}

BOOST_AUTO_TEST_CASE(deal_escrow_over_its_epochs) {
    // Each proven epoch burns size x price; an epoch without a proof burns
    // nothing and its share stays in the escrow (no refund).
    DealWorld d;
    World& w = d.w;
    const uint64_t share = 150 * 2;
    BOOST_REQUIRE_EQUAL(w.Apply(d.Good(2), 130), "ok");
    BOOST_REQUIRE_EQUAL(w.Apply(d.Good(3), 200), "ok");
    BOOST_CHECK_EQUAL(w.DealRecord(d.deal).escrow, share);
    BOOST_CHECK_EQUAL(w.Apply(d.Good(4), 261), "late-proof");  // epoch 4 missed
    BOOST_CHECK_EQUAL(w.Apply(d.Good(5), 305), "deal-not-active");
    const Deal deal = w.DealRecord(d.deal);
    BOOST_CHECK_EQUAL(deal.escrow, share);
    BOOST_CHECK_EQUAL(deal.proven_epochs, 2U);
    BOOST_CHECK_EQUAL(w.Credits(Client()), 10'000U - 3 * share);
    // Every credit is somewhere: the client's, burned, or in escrow.
    BOOST_CHECK_EQUAL(w.Credits(Client()) + w.Totals(2).credits_burned +
                          w.Totals(3).credits_burned + w.Totals(4).credits_burned + deal.escrow,
                      10'000U);
}

// ---------------------------------------------------------------------------
// Retired devices

BOOST_AUTO_TEST_CASE(retired_device_earns_nothing) {
    World w;
    const PrivKey& dev = Hotspot(0);
    const TestFile file(150, 16, 1);
    w.Register(dev, kDeviceKindsMask);
    w.Buy(Consumer(), 1000);
    w.Buy(Client(), 10'000);
    const Hash256 deal = w.MakeDeal(Client(), dev, file.Terms(3, 2), 70);
    BOOST_REQUIRE_EQUAL(w.Try(Heartbeat(dev, 124), 125), "ok");
    BOOST_REQUIRE_EQUAL(w.Try(Receipt(dev, Consumer(), Session(1), 5000, 124), 125), "ok");
    BOOST_REQUIRE_EQUAL(w.Try(GoodProof(dev, deal, 2, file), 125), "ok");

    BOOST_REQUIRE_EQUAL(w.Retire(dev, 121), "ok");
    const Deal escrowed = w.DealRecord(deal);
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 124), 125), "device-retired");
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 5000, 124), 125),
                      "device-retired");
    BOOST_CHECK_EQUAL(w.Apply(GoodProof(dev, deal, 2, file), 125), "device-retired");
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 2)), Str(Units(0, 0, 0, 0)));
    BOOST_CHECK_EQUAL(Str(w.Totals(2)), Str(Units(0, 0, 0, 0)));
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 1000U);
    BOOST_CHECK(w.DealRecord(deal) == escrowed);
    BOOST_CHECK(
        !GetSettledSession(w.state, Consumer().PubKey(), dev.PubKey(), Session(1))->has_value());

    // In the retirement's own block, after it.
    const PrivKey& dev2 = Hotspot(1);
    w.Register(dev2, kDeviceKindsMask);
    {
        const TestBlockContext tc(130);
        StateOverlay block(w.state);
        BOOST_REQUIRE_EQUAL(Code(ApplyTransaction(tc.ctx, w.RetireTx(dev2), block)), "ok");
        BOOST_CHECK_EQUAL(Code(ApplyTransaction(tc.ctx, Heartbeat(dev2, 129), block)),
                          "device-retired");
        BOOST_CHECK_EQUAL(
            Code(ApplyTransaction(tc.ctx, Receipt(dev2, Consumer(), Session(2), 10, 129), block)),
            "device-retired");
    }

    // Once the bond is released the device is not registered, and its deal
    // cannot be proven either.
    BOOST_REQUIRE_EQUAL(w.Retire(dev, 121 + Dev().device_unbond_blocks), "ok");
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 184), 185), "device-not-registered");
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 10, 184), 185),
                      "device-not-registered");
    BOOST_CHECK_EQUAL(w.Apply(GoodProof(dev, deal, 3, file), 185), "device-not-registered");
}

// ---------------------------------------------------------------------------
// Contribution records: counters are checked, and a refused attestation
// leaves nothing behind (no activity, no spent credits, no settled session).

BOOST_AUTO_TEST_CASE(contribution_counters_never_overflow) {
    World w;
    const PrivKey &dev = Hotspot(0), &other = Hotspot(1);
    w.Register(dev, kDeviceUptime | kDeviceBandwidth);
    w.Register(other, kDeviceBandwidth);
    w.Buy(Consumer(), 100);
    auto preset = [&](const PrivKey& device, const ContributionUnits& units) {
        StateOverlay ov(w.state);
        BOOST_REQUIRE(CreditContribution(ov, device.PubKey(), 1, units));
        StateChanges changes = std::move(ov).TakeChanges();
        w.state.Apply(changes);
    };
    // The device's own counter is full.
    preset(dev, Units(kMax, 0, 0, 0));
    BOOST_CHECK_EQUAL(w.Apply(Heartbeat(dev, 99), 100), "amount-overflow");
    BOOST_CHECK(!GetDeviceActivity(w.state, dev.PubKey())->has_value());
    // The epoch's totals are nearly full (another device's bytes): the
    // device's own record would not overflow, the totals would.
    preset(other, Units(0, kMax - 10, 0, 0));
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 11, 99), 100),
                      "amount-overflow");
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 100U);
    BOOST_CHECK(
        !GetSettledSession(w.state, Consumer().PubKey(), dev.PubKey(), Session(1))->has_value());
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 1)), Str(Units(kMax, 0, 0, 0)));
    // Up to 2^64 - 1 exactly.
    BOOST_CHECK_EQUAL(w.Apply(Receipt(dev, Consumer(), Session(1), 10, 99), 100), "ok");
    BOOST_CHECK_EQUAL(Str(w.UnitsOf(dev, 1)), Str(Units(kMax, 10, 0, 1)));
    BOOST_CHECK_EQUAL(w.Totals(1).bandwidth_bytes, kMax);
    BOOST_CHECK_EQUAL(w.Credits(Consumer()), 99U);
}

// ---------------------------------------------------------------------------
// Block lanes

BOOST_AUTO_TEST_CASE(block_lane_limits) {
    ChainParams p = Dev();
    p.max_block_txs = 3;
    p.max_block_attestations = 4;
    p.max_block_bytes = 10'000;
    p.max_block_attestation_bytes = 4'000;  // leaves 6'000 bytes to other transactions
    auto lanes = [](uint64_t txs, uint64_t tx_bytes, uint64_t att, uint64_t att_bytes) {
        BlockLanes l;
        l.txs = txs;
        l.tx_bytes = tx_bytes;
        l.attestations = att;
        l.attestation_bytes = att_bytes;
        return l;
    };
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(0, 0, 0, 0), p)), "ok");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(3, 6'000, 4, 4'000), p)), "ok");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(4, 6'000, 4, 4'000), p)), "too-many-txs");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(3, 6'001, 4, 4'000), p)), "txs-too-big");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(3, 6'000, 5, 4'000), p)), "too-many-attestations");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(3, 6'000, 4, 4'001), p)), "attestations-too-big");
    // Each lane alone.
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(4, 0, 0, 0), p)), "too-many-txs");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(1, 6'001, 0, 0), p)), "txs-too-big");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(0, 0, 5, 0), p)), "too-many-attestations");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(0, 0, 1, 4'001), p)), "attestations-too-big");
    // Attestations never count in the other lane, and the other way round.
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(0, 0, 4, 4'000), p)), "ok");
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(lanes(3, 6'000, 0, 0), p)), "ok");

    // Which lane a transaction takes.
    const Transaction hb = Heartbeat(Hotspot(0), 9);
    const Transaction rc = Receipt(Hotspot(0), Consumer(), Session(1), 10, 9);
    const Transaction pf = Proof(Hotspot(0), Session(2), 2, Bytes{1}, {});
    const Transaction transfer = test::MakeTransfer(Consumer(), Client().PubKey(), 5);
    const TestFile file(100, 10, 1);
    const Transaction deal = DealTx(Client(), Hotspot(0), file.Terms(1, 1), 0);
    BlockLanes l;
    l.Add(hb);
    l.Add(rc);
    l.Add(pf);
    BOOST_CHECK_EQUAL(l.attestations, 3U);
    BOOST_CHECK_EQUAL(l.attestation_bytes, hb.Size() + rc.Size() + pf.Size());
    BOOST_CHECK_EQUAL(l.txs, 0U);
    BOOST_CHECK_EQUAL(l.tx_bytes, 0U);
    l.Add(transfer);
    l.Add(deal);
    BOOST_CHECK_EQUAL(l.txs, 2U);
    BOOST_CHECK_EQUAL(l.tx_bytes, transfer.Size() + deal.Size());
    BOOST_CHECK_EQUAL(l.attestations, 3U);
}

BOOST_AUTO_TEST_CASE(block_lanes_do_not_crowd_each_other_out) {
    std::vector<Transaction> hbs;
    for (uint64_t i = 0; i < 3; ++i)
        hbs.push_back(Heartbeat(Hotspot(i), 9));
    const Transaction t1 = test::MakeTransfer(Consumer(), Client().PubKey(), 5, 1000, 0);
    const Transaction t2 = test::MakeTransfer(Consumer(), Client().PubKey(), 5, 1000, 1);
    auto body = [](std::vector<Transaction> txs, const ChainParams& p) {
        return Code(CheckBlockBody(BodyBlock(std::move(txs)), p));
    };

    // By count: two attestations and one other transaction per block.
    ChainParams count = Dev();
    count.max_block_attestations = 2;
    count.max_block_txs = 1;
    BOOST_CHECK_EQUAL(body({hbs[0], hbs[1], t1}, count), "ok");  // both lanes full
    BOOST_CHECK_EQUAL(body({t1, hbs[0], hbs[1]}, count), "ok");
    BOOST_CHECK_EQUAL(body({t1, hbs[0], hbs[1], hbs[2]}, count), "too-many-attestations");
    BOOST_CHECK_EQUAL(body({t1, t2, hbs[0]}, count), "too-many-txs");

    // By bytes: the attestation lane holds two heartbeats; the rest of the
    // block holds one transfer.
    ChainParams bytes = Dev();
    bytes.max_block_attestation_bytes = 2 * hbs[0].Size();
    bytes.max_block_bytes = bytes.max_block_attestation_bytes + t1.Size();
    BlockLanes full;
    for (const Transaction& tx : {hbs[0], hbs[1], t1})
        full.Add(tx);
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(full, bytes)), "ok");
    BlockLanes more_att = full;
    more_att.Add(hbs[2]);
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(more_att, bytes)), "attestations-too-big");
    BlockLanes more_txs = full;
    more_txs.Add(t2);
    BOOST_CHECK_EQUAL(Code(CheckBlockLanes(more_txs, bytes)), "txs-too-big");
    // In a body, the lanes are checked before the block's total size, so
    // the codes are the lanes'.
    BOOST_CHECK_EQUAL(body({t1, hbs[0], hbs[1], hbs[2]}, bytes), "attestations-too-big");
    BOOST_CHECK_EQUAL(body({t1, t2, hbs[0]}, bytes), "txs-too-big");
    // With room for the block's header and certificate, both full lanes fit.
    ChainParams roomy = bytes;
    roomy.max_block_bytes = BodyBlock({t1, hbs[0], hbs[1]}).EncodedSize();
    roomy.max_block_attestation_bytes = 2 * hbs[0].Size();
    BOOST_CHECK_EQUAL(body({t1, hbs[0], hbs[1]}, roomy), "ok");
    BOOST_CHECK_EQUAL(body({t1, hbs[0], hbs[1], hbs[2]}, roomy), "attestations-too-big");
}

// ---------------------------------------------------------------------------
// Cost bound: one attestation touches a fixed set of records, however many
// devices (and records of theirs) the state holds.

namespace {

struct Cost {
    std::set<Hash256> written;
    uint64_t reads = 0;
};

std::map<std::string, Cost> AttestationCosts(size_t devices) {
    World w;
    std::vector<Transaction> regs;
    for (size_t i = 0; i < devices; ++i)
        regs.push_back(test::MakeRegisterDevice(Owner(), Hotspot(i), kDeviceKindsMask, i));
    w.ApplyAll(regs, 1);
    w.Buy(Consumer(), 10'000'000, 2);
    w.Buy(Client(), 10'000, 2);
    const TestFile file(150, 16, 1);
    const Hash256 deal = w.MakeDeal(Client(), Hotspot(0), file.Terms(3, 2), 70);
    // Every device has history: a heartbeat, a receipt and a deal of its own.
    std::vector<Transaction> history;
    for (size_t i = 0; i < devices; ++i) {
        history.push_back(Heartbeat(Hotspot(i), 99));
        history.push_back(Receipt(Hotspot(i), Consumer(), Session(i), 4096, 99));
    }
    w.ApplyAll(history, 100);

    const XOnlyPubKey dev = Hotspot(0).PubKey();
    const std::vector<std::pair<std::string, Transaction>> attestations = {
        {"heartbeat", Heartbeat(Hotspot(0), 124)},
        {"bandwidth_receipt", Receipt(Hotspot(0), Consumer(), Session(kMax), 3000, 124)},
        {"storage_proof", GoodProof(Hotspot(0), deal, 2, file)},
    };
    std::map<std::string, Cost> costs;
    CloseEpochsBefore(w.state, 125);
    const TestBlockContext tc(125);
    for (const auto& [name, tx] : attestations) {
        CountingReader reader(w.state);
        StateOverlay ov(reader);
        const Status st = ApplyTransaction(tc.ctx, tx, ov);
        BOOST_REQUIRE_MESSAGE(st.ok(), name << ": " << Code(st));
        costs[name] = Cost{KeysOf(ov.Changes()), reader.reads};
    }
    // What each writes: its own records; the device's, the epoch's and the
    // owner's units; and, being the owner's first units of epoch 2, the
    // settlement of its epoch 1 (its cursor, its account, the epoch's reward
    // record, the reward totals and the supply).
    const XOnlyPubKey owner = Owner().PubKey();
    const std::set<Hash256> units = {ContributionKey(dev, 2), EpochTotalsKey(2),
                                     OwnerUnitsKey(owner, 2), RewardCursorKey(owner),
                                     AccountKey(owner),       EpochRewardsKey(1),
                                     RewardTotalsKey(),       StateKey(RecordTag::kSupply)};
    auto with = [&](std::set<Hash256> keys) {
        keys.insert(units.begin(), units.end());
        return keys;
    };
    BOOST_CHECK(costs["heartbeat"].written == with({StateKey(RecordTag::kDeviceActivity, dev)}));
    BOOST_CHECK(costs["bandwidth_receipt"].written ==
                with({AccountKey(Consumer().PubKey()),
                      SessionRecordKey(Consumer().PubKey(), dev, Session(kMax))}));
    BOOST_CHECK(costs["storage_proof"].written == with({StateKey(RecordTag::kDeal, deal)}));
    return costs;
}

}  // namespace

BOOST_AUTO_TEST_CASE(attestation_cost_does_not_grow_with_devices) {
    const auto small = AttestationCosts(10);
    const auto large = AttestationCosts(1000);
    BOOST_REQUIRE_EQUAL(small.size(), 3U);
    for (const auto& [name, cost] : small) {
        BOOST_TEST_CONTEXT(name) {
            const Cost& big = large.at(name);
            BOOST_CHECK_EQUAL(cost.written.size(), big.written.size());
            BOOST_CHECK_EQUAL(cost.reads, big.reads);
            BOOST_CHECK_LE(cost.written.size(), 10U);
            BOOST_CHECK_LE(cost.reads, 20U);
        }
    }
    BOOST_CHECK_EQUAL(small.at("heartbeat").written.size(), 9U);
    BOOST_CHECK_EQUAL(small.at("bandwidth_receipt").written.size(), 10U);
    BOOST_CHECK_EQUAL(small.at("storage_proof").written.size(), 9U);
}

// ---------------------------------------------------------------------------
// Property: a random stream of attestations (with duplicates, stale
// references, replays, purchases, new deals and retirements) applied block
// by block agrees with a model of the documented rules, never counts a unit
// twice, never exceeds what the rules allow, and conserves credits.

namespace {

struct ModelDevice {
    ModelDevice(const PrivKey& key_, const PrivKey& owner_, uint8_t kinds_)
        : key(&key_), owner(&owner_), kinds(kinds_) {}
    const PrivKey* key;
    const PrivKey* owner;
    uint8_t kinds;
    bool retired = false;
    std::optional<uint64_t> last_interval;  // the last interval counted
};

struct ModelDeal {
    Hash256 id;
    size_t device;
    TestFile file;
    uint64_t start;
    uint32_t duration;
    uint64_t price;
    std::set<uint64_t> proven;
    uint64_t escrow;
    bool Covers(uint64_t epoch) const { return epoch >= start && epoch - start < duration; }
};

}  // namespace

BOOST_AUTO_TEST_CASE(random_stream_keeps_the_invariants) {
    const ChainParams& p = Dev();
    std::mt19937_64 rng(0x4d61696c6c6f6eULL);  // fixed: the same stream on every run
    auto uniform = [&](uint64_t lo, uint64_t hi) {
        return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
    };
    auto chance = [&](uint64_t in) { return uniform(1, in) == 1; };

    World w;
    std::vector<ModelDevice> devices = {
        {Hotspot(0), Owner(), kDeviceKindsMask},
        {Hotspot(1), Owner(), kDeviceKindsMask},
        {Hotspot(2), Owner(), kDeviceUptime | kDeviceBandwidth},
        {Hotspot(3), OtherOwner(), kDeviceStorage},
        {Hotspot(4), OtherOwner(), kDeviceKindsMask},
        {Hotspot(5), OtherOwner(), kDeviceBandwidth | kDeviceStorage},
    };
    for (const ModelDevice& d : devices)
        w.Register(*d.key, d.kinds, *d.owner, 1);
    // Who pays for services: consumers and clients, one of them poor, and
    // the owners (self-dealing with their own devices, not with others').
    const PrivKey& poor = Key(202);
    w.Fund(poor);
    const std::vector<const PrivKey*> payers = {
        &Consumer(), &OtherConsumer(), &poor, &Client(), &OtherClient(), &Owner(), &OtherOwner()};
    std::map<XOnlyPubKey, uint64_t> credits;
    uint64_t bought = 0;
    for (const PrivKey* k : payers) {
        const uint64_t amount = k == &poor ? 40 : 20'000;
        w.Buy(*k, amount, 1);
        credits[k->PubKey()] += amount;
        bought += amount;
    }

    std::vector<ModelDeal> deals;
    std::map<std::pair<size_t, uint64_t>, ContributionUnits> expect;  // (device, epoch)
    std::set<std::pair<size_t, uint64_t>> intervals;                  // accepted (device, interval)
    uint64_t accepted_heartbeats = 0;
    std::set<std::tuple<XOnlyPubKey, size_t, uint64_t>> settled;  // (consumer, device, session)
    std::map<std::string, uint64_t> outcomes;                     // "type:code" -> count
    uint64_t attestations = 0;

    std::vector<Transaction> accepted;  // for replays

    const uint64_t first_height = 10, last_height = 419;  // epochs 0..6
    // Scheduled retirements: device 0 in block 300, device 4 in 360.
    const std::array<std::pair<uint64_t, size_t>, 2> kRetirements = {{{300, 0}, {360, 4}}};
    for (uint64_t h = first_height; h <= last_height; ++h) {
        CloseEpochsBefore(w.state, h);
        const TestBlockContext tc(h);
        const uint64_t epoch = tc.ctx.Epoch();
        StateOverlay block(w.state);
        // Applies tx to the block; checks the outcome against the model's.
        auto run = [&](const std::string& what, const Transaction& tx,
                       const std::string& expected) {
            const Status st = ApplyTransaction(tc.ctx, tx, block);
            outcomes[what + ":" + Code(st)] += 1;
            if (IsAttestation(tx.Type())) attestations += 1;
            BOOST_CHECK_MESSAGE(Code(st) == expected, what << " in block " << h << ": " << Code(st)
                                                           << ", the rules say " << expected);
            if (st) accepted.push_back(tx);
            return st.ok() && expected == "ok";
        };
        auto nonce = [&](const PrivKey& k) { return GetAccount(block, k.PubKey())->nonce; };

        // A storage proof of deal k for epoch e: mostly of the challenged
        // chunk by the deal's device; some of another chunk, some by another
        // device, a few of a deal that does not exist.
        auto prove = [&](size_t k, uint64_t e) {
            const ModelDeal& deal = deals[k];
            size_t prover = deal.device;
            if (chance(20)) prover = uniform(0, devices.size() - 1);
            const bool good = !chance(6);
            const bool no_deal = chance(40);
            const TestFile& f = deal.file;
            const Hash256 id = no_deal ? Session(1'000'000 + h) : deal.id;
            const uint64_t challenged = Challenged(id, e, f);
            const uint64_t shown = good ? challenged : (challenged + 1) % f.Count();
            const uint64_t first = e * p.epoch_blocks;
            std::string expected = "ok";
            if (no_deal) {
                expected = "unknown-deal";
            } else if (prover != deal.device) {
                expected = "not-deal-device";
            } else if (devices[prover].retired) {
                expected = "device-retired";
            } else if (!deal.Covers(e)) {
                expected = "deal-not-active";
            } else if (e > epoch || h == first) {
                expected = "proof-too-early";
            } else if (e < epoch || h - first > p.storage_proof_window_blocks) {
                expected = "late-proof";
            } else if (deal.proven.count(e)) {
                expected = "proof-already-counted";
            } else if (!good) {
                expected = "bad-proof";
            }
            const Transaction tx =
                Proof(*devices[prover].key, id, e, f.chunks[shown], f.Path(shown));
            if (run("storage_proof", tx, expected)) {
                deals[k].proven.insert(e);
                deals[k].escrow -= f.size * deal.price;
                expect[{deal.device, epoch}].storage_byte_epochs += f.size;
                expect[{deal.device, epoch}].credits_burned += f.size * deal.price;
            }
        };
        // Around the proof window (the epoch's first block to a few blocks
        // past the window), devices prove their deals, and sometimes again.
        if (h % p.epoch_blocks <= p.storage_proof_window_blocks + 3) {
            for (size_t k = 0; k < deals.size(); ++k)
                if (chance(6)) prove(k, epoch);
        }

        for (const auto& [at, d] : kRetirements) {
            if (h != at) continue;
            const ModelDevice& dev = devices[d];
            const Transaction retire =
                UnsignedRetireDevice(p.chain_id, dev.owner->PubKey(), dev.key->PubKey(),
                                     p.min_tx_fee, nonce(*dev.owner))
                    .Sign(0, *dev.owner);
            if (run("retire_device", retire, "ok")) devices[d].retired = true;
        }

        const uint64_t ops = uniform(0, 4);
        for (uint64_t op = 0; op < ops; ++op) {
            const uint64_t kind = uniform(1, 100);
            if (kind <= 40) {
                // heartbeat: mostly fresh, some naming the block itself, a
                // future one, a stale one or a wrong hash.
                const size_t d = uniform(0, devices.size() - 1);
                const ModelDevice& dev = devices[d];
                uint64_t ref = h - std::min<uint64_t>(h, uniform(0, 7));
                if (chance(40)) ref = h + uniform(1, 5);
                const bool bad_hash = chance(20);
                const uint64_t interval = ref / p.heartbeat_interval_blocks;
                std::string expected = "ok";
                if (dev.retired) {
                    expected = "device-retired";
                } else if (!(dev.kinds & kDeviceUptime)) {
                    expected = "device-kind-not-offered";
                } else if (ref >= h) {
                    expected = "ref-block-unknown";
                } else if (h - ref > p.heartbeat_max_age_blocks) {
                    expected = "ref-block-too-old";
                } else if (bad_hash) {
                    expected = "ref-block-unknown";
                } else if (dev.last_interval && *dev.last_interval >= interval) {
                    expected = "heartbeat-already-counted";
                }
                const Transaction tx =
                    HeartbeatNaming(*dev.key, ref, BlockHash(bad_hash ? ref + 1 : ref));
                if (run("heartbeat", tx, expected)) {
                    devices[d].last_interval = interval;
                    BOOST_CHECK_MESSAGE(
                        intervals.insert({d, interval}).second,
                        "interval " << interval << " of device " << d << " counted twice");
                    accepted_heartbeats += 1;
                    expect[{d, epoch}].uptime_intervals += 1;
                }
            } else if (kind <= 70) {
                // bandwidth_receipt: sessions drawn from a small set (replays),
                // some stale, some too big for the payer.
                const size_t d = uniform(0, devices.size() - 1);
                const ModelDevice& dev = devices[d];
                const PrivKey& payer = *payers[uniform(0, payers.size() - 1)];
                const uint64_t session = uniform(0, 24);
                const uint64_t bytes =
                    &payer == &poor || chance(10) ? uniform(2'000, 60'000) : uniform(1, 4096);
                uint64_t ref =
                    h - std::min<uint64_t>(h, chance(8) ? uniform(55, 70) : uniform(1, 30));
                if (chance(30)) ref = h;
                const uint64_t cost = BandwidthCredits(bytes, p);
                std::string expected = "ok";
                if (dev.retired) {
                    expected = "device-retired";
                } else if (!(dev.kinds & kDeviceBandwidth)) {
                    expected = "device-kind-not-offered";
                } else if (ref >= h) {
                    expected = "ref-block-unknown";
                } else if (h - ref > p.receipt_window_blocks) {
                    expected = "receipt-too-old";
                } else if (&payer == dev.owner) {
                    expected = "self-dealing";
                } else if (settled.count({payer.PubKey(), d, session})) {
                    expected = "session-already-settled";
                } else if (credits[payer.PubKey()] < cost) {
                    expected = "insufficient-credits";
                }
                const Transaction tx = Receipt(*dev.key, payer, Session(session), bytes, ref);
                if (run("bandwidth_receipt", tx, expected)) {
                    settled.insert({payer.PubKey(), d, session});
                    credits[payer.PubKey()] -= cost;
                    expect[{d, epoch}].bandwidth_bytes += bytes;
                    expect[{d, epoch}].credits_burned += cost;
                }
            } else if (kind <= 85) {
                // storage_proof: mostly of this epoch, some of the one before
                // or after; some bad, some by the wrong device, a few of no
                // deal at all.
                if (deals.empty()) continue;
                const size_t k = uniform(0, deals.size() - 1);
                uint64_t e = epoch;
                if (const uint64_t r = uniform(0, 5); r == 0 && epoch > 0) {
                    e = epoch - 1;
                } else if (r == 1) {
                    e = epoch + 1;
                }
                prove(k, e);
            } else if (kind <= 93) {
                // A replay of an accepted transaction, whatever it was: never
                // accepted twice.
                if (accepted.empty()) continue;
                const Transaction tx = accepted[uniform(0, accepted.size() - 1)];
                if (!IsAttestation(tx.Type())) continue;
                const Status st = ApplyTransaction(tc.ctx, tx, block);
                outcomes[std::string(tx.Type().Name()) + " replay:" + Code(st)] += 1;
                attestations += 1;
                BOOST_CHECK_MESSAGE(!st.ok(), tx.Type().Name() << " replayed in block " << h
                                                               << " was accepted again");
            } else if (kind <= 96) {
                // buy_credits (never for the poor payer, who stays poor).
                const PrivKey& buyer = *payers[uniform(0, payers.size() - 1)];
                if (&buyer == &poor) continue;
                const uint64_t amount = uniform(1, 3'000);
                const Transaction tx = UnsignedBuyCredits(p.chain_id, buyer.PubKey(), amount,
                                                          p.min_tx_fee, nonce(buyer))
                                           .Sign(0, buyer);
                if (run("buy_credits", tx, "ok")) {
                    credits[buyer.PubKey()] += amount * p.credits_per_unit;
                    bought += amount * p.credits_per_unit;
                }
            } else {
                // storage_deal, at most a dozen.
                if (deals.size() >= 12) continue;
                const PrivKey& client = *payers[uniform(0, payers.size() - 1)];
                const size_t d = uniform(0, devices.size() - 1);
                const ModelDevice& dev = devices[d];
                const uint64_t size = uniform(20, 400);
                const uint32_t chunk_size = static_cast<uint32_t>(uniform(8, 64));
                TestFile file(size, chunk_size, static_cast<uint8_t>(deals.size()));
                const uint32_t duration = static_cast<uint32_t>(uniform(1, 5));
                const uint64_t price = uniform(1, 3);
                const uint64_t escrow = file.size * duration * price;
                std::string expected = "ok";
                if (dev.retired) {
                    expected = "device-retired";
                } else if (!(dev.kinds & kDeviceStorage)) {
                    expected = "device-kind-not-offered";
                } else if (&client == dev.owner) {
                    expected = "self-dealing";
                } else if (credits[client.PubKey()] < escrow) {
                    expected = "insufficient-credits";
                }
                const Transaction tx =
                    DealTx(client, *dev.key, file.Terms(duration, price), nonce(client));
                if (run("storage_deal", tx, expected)) {
                    credits[client.PubKey()] -= escrow;
                    deals.push_back(ModelDeal{
                        tx.Id(), d, std::move(file), epoch + 1, duration, price, {}, escrow});
                }
            }
        }
        StateChanges changes = std::move(block).TakeChanges();
        w.state.Apply(changes);
    }

    // The stream is what it claims to be: several hundred attestations, with
    // every kind of refusal in it.
    BOOST_TEST_MESSAGE("attestations: " << attestations << ", deals: " << deals.size());
    for (const auto& [what, n] : outcomes)
        BOOST_TEST_MESSAGE("  " << what << " x" << n);
    BOOST_CHECK_GE(attestations, 500U);
    for (const char* seen : {"heartbeat:ok",
                             "heartbeat:heartbeat-already-counted",
                             "heartbeat:ref-block-too-old",
                             "heartbeat:ref-block-unknown",
                             "heartbeat:device-retired",
                             "heartbeat:device-kind-not-offered",
                             "bandwidth_receipt:ok",
                             "bandwidth_receipt:session-already-settled",
                             "bandwidth_receipt:receipt-too-old",
                             "bandwidth_receipt:self-dealing",
                             "bandwidth_receipt:insufficient-credits",
                             "bandwidth_receipt:device-retired",
                             "storage_proof:ok",
                             "storage_proof:proof-already-counted",
                             "storage_proof:late-proof",
                             "storage_proof:proof-too-early",
                             "storage_proof:bad-proof",
                             "storage_proof:not-deal-device",
                             "storage_proof:unknown-deal",
                             "storage_deal:ok"}) {
        BOOST_CHECK_MESSAGE(outcomes[seen] > 0, "the stream never produced " << seen);
    }

    const uint64_t last_epoch = EpochOf(last_height, p);
    const uint64_t max_uptime = p.epoch_blocks / p.heartbeat_interval_blocks + 1;
    std::map<uint64_t, ContributionUnits> device_sums;
    for (size_t d = 0; d < devices.size(); ++d) {
        uint64_t uptime = 0;
        for (uint64_t e = 0; e <= last_epoch + 1; ++e) {
            const ContributionUnits units = w.UnitsOf(*devices[d].key, e);
            BOOST_TEST_CONTEXT("device " << d << ", epoch " << e) {
                // The state is the model's.
                BOOST_CHECK_EQUAL(Str(units), Str(expect[{d, e}]));
                // (b) Within what the rules allow: uptime intervals per
                // epoch, and byte-epochs of the deals it holds that epoch.
                BOOST_CHECK_LE(units.uptime_intervals, max_uptime);
                uint64_t storable = 0;
                for (const ModelDeal& deal : deals)
                    if (deal.device == d && deal.Covers(e)) storable += deal.file.size;
                BOOST_CHECK_LE(units.storage_byte_epochs, storable);
            }
            uptime += units.uptime_intervals;
            BOOST_REQUIRE(device_sums[e].Add(units));
        }
        // (a) No double counting: one unit per distinct accepted interval.
        uint64_t distinct = 0;
        for (const auto& [dev, interval] : intervals)
            distinct += dev == d ? 1 : 0;
        BOOST_CHECK_EQUAL(uptime, distinct);
    }
    BOOST_CHECK_EQUAL(intervals.size(), accepted_heartbeats);

    // (d) Epoch totals are the sum of the devices' contributions.
    uint64_t burned = 0;
    for (uint64_t e = 0; e <= last_epoch + 1; ++e) {
        BOOST_TEST_CONTEXT("epoch " << e) {
            BOOST_CHECK_EQUAL(Str(w.Totals(e)), Str(device_sums[e]));
        }
        burned += w.Totals(e).credits_burned;
    }

    // (c) Credits are conserved: bought = held + burned + in escrow.
    uint64_t held = 0, escrowed = 0;
    for (const PrivKey* k : payers) {
        BOOST_CHECK_EQUAL(w.Credits(*k), credits[k->PubKey()]);
        held += w.Credits(*k);
    }
    for (const ModelDeal& deal : deals) {
        const Deal record = w.DealRecord(deal.id);
        BOOST_CHECK_EQUAL(record.escrow, deal.escrow);
        BOOST_CHECK_EQUAL(record.proven_epochs, deal.proven.size());
        BOOST_CHECK_EQUAL(record.escrow,
                          deal.file.size * deal.price * (deal.duration - deal.proven.size()));
        escrowed += record.escrow;
    }
    for (const ModelDevice& d : devices)
        BOOST_CHECK_EQUAL(GetAccount(w.state, d.key->PubKey())->credits, 0U);
    BOOST_CHECK_EQUAL(bought, held + burned + escrowed);
}

// ---------------------------------------------------------------------------
// The mempool's attestation lane. A tip at height 64 (so the next block, 65,
// is in epoch 1 and in its storage proof window); a deal made in block 2
// covers epochs 1..3.

namespace {

struct LaneWorld {
    LaneWorld() : file(150, 16, 1) {
        for (uint64_t i = 0; i < 3; ++i)
            w.Register(Hotspot(i), kDeviceKindsMask);
        w.Buy(Consumer(), 10'000);
        w.Buy(Client(), 10'000);
        deal = w.MakeDeal(Client(), Hotspot(0), file.Terms(3, 2), 2);
    }
    std::string Add(Mempool& pool, const Transaction& tx) const {
        return Code(pool.Add(tx, DeviceTip(w.state, kTip), kNow));
    }
    static constexpr uint64_t kTip = 64;

    World w;
    TestFile file;
    Hash256 deal{};
};

}  // namespace

BOOST_AUTO_TEST_CASE(mempool_attestation_replay_key) {
    LaneWorld lw;
    Mempool pool(Dev(), MempoolLimits{});
    const PrivKey& dev = Hotspot(0);
    // Two heartbeats for interval 6 (blocks 60..69), naming different blocks.
    const Transaction hb = Heartbeat(dev, 64);
    BOOST_REQUIRE_EQUAL(lw.Add(pool, hb), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, hb), "already-in-mempool");
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 63)), "already-in-mempool");
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 60)), "already-in-mempool");
    // Another device's heartbeat has its own key.
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(Hotspot(1), 63)), "ok");
    // Receipts: one per (consumer, device, session), whatever the bytes.
    BOOST_REQUIRE_EQUAL(lw.Add(pool, Receipt(dev, Consumer(), Session(1), 100, 64)), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(dev, Consumer(), Session(1), 200, 64)),
                      "already-in-mempool");
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(Hotspot(1), Consumer(), Session(1), 100, 64)), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(dev, Consumer(), Session(2), 100, 64)), "ok");
    // Proofs: one per (deal, epoch); the same proof signed anew is another
    // transaction with the same key.
    const Transaction proof = GoodProof(dev, lw.deal, 1, lw.file);
    const Transaction resigned = GoodProof(dev, lw.deal, 1, lw.file);
    BOOST_REQUIRE(proof.Id() != resigned.Id());
    BOOST_REQUIRE_EQUAL(lw.Add(pool, proof), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, resigned), "already-in-mempool");
    BOOST_CHECK_EQUAL(pool.Info().attestations, 6U);
    BOOST_CHECK_EQUAL(pool.Info().size, 0U);
    // Once the first is gone (a block included it, or it no longer applies),
    // the key is free again.
    pool.RemoveWithDescendants({hb.Id()});
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 63)), "ok");
}

// An attestation whose window has closed is dropped after the block that
// closed it, and frees its replay key: a fresh one for the same interval
// then enters (it would otherwise be refused until assembly reached it).
BOOST_AUTO_TEST_CASE(mempool_drops_expired_attestations) {
    LaneWorld lw;
    Mempool pool(Dev(), MempoolLimits{});
    const PrivKey& dev = Hotspot(0);
    const Transaction hb = Heartbeat(dev, 63);  // valid up to block 63 + 5
    const Transaction receipt = Receipt(dev, Consumer(), Session(1), 100, 64);  // up to 64 + 60
    BOOST_REQUIRE_EQUAL(lw.Add(pool, hb), "ok");
    BOOST_REQUIRE_EQUAL(lw.Add(pool, receipt), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 64)), "already-in-mempool");
    BOOST_CHECK_EQUAL(pool.RemoveExpiredAttestations(68), 0U);  // 68 may still include it
    BOOST_CHECK_EQUAL(pool.RemoveExpiredAttestations(69), 1U);
    BOOST_CHECK(!pool.Get(hb.Id()));
    BOOST_CHECK(pool.Get(receipt.Id()));
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 64)), "ok");
    BOOST_CHECK_EQUAL(pool.RemoveExpiredAttestations(125), 2U);
    BOOST_CHECK_EQUAL(pool.Info().attestations, 0U);
}

BOOST_AUTO_TEST_CASE(mempool_attestation_entry_rules) {
    LaneWorld lw;
    Mempool pool(Dev(), MempoolLimits{});
    const PrivKey& dev = Hotspot(0);
    // The rules at entry are the next block's (65): stale and unknown
    // references, unregistered devices, fees and nonces, signatures.
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 59)), "ref-block-too-old");
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 65)), "ref-block-unknown");
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(Hotspot(9), 64)), "device-not-registered");
    BOOST_CHECK_EQUAL(lw.Add(pool, Reenvelope(Heartbeat(dev, 64), 1000, 0, {&dev})),
                      "fee-not-allowed");
    BOOST_CHECK_EQUAL(lw.Add(pool, Reenvelope(Heartbeat(dev, 64), 0, 1, {&dev})),
                      "nonce-not-allowed");
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 64).Sign(0, Hotspot(1))), "bad-signature");
    const Transaction no_consumer =
        UnsignedBandwidthReceipt(Dev().chain_id, dev.PubKey(), Consumer().PubKey(), Session(1), 100,
                                 64)
            .Sign(0, dev);
    BOOST_CHECK_EQUAL(lw.Add(pool, no_consumer), "bad-signature");
    BOOST_CHECK_EQUAL(lw.Add(pool, GoodProof(dev, lw.deal, 2, lw.file)), "proof-too-early");
    BOOST_CHECK_EQUAL(pool.Info().attestations, 0U);
    // Refused attestations take no key: the valid one is accepted.
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 64)), "ok");
    // Each is checked alone against the tip: two receipts that together
    // spend more credits than the consumer has are both pending (block
    // assembly drops the one that no longer applies).
    World& w = lw.w;
    w.Buy(OtherConsumer(), 1);
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(dev, OtherConsumer(), Session(1), 1024, 64)), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(dev, OtherConsumer(), Session(2), 1024, 64)), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(dev, OtherConsumer(), Session(3), 1025, 64)),
                      "insufficient-credits");
}

BOOST_AUTO_TEST_CASE(mempool_attestations_per_device_bound) {
    LaneWorld lw;
    MempoolLimits limits;
    limits.max_attestations_per_device = 2;
    Mempool pool(Dev(), limits);
    const PrivKey& dev = Hotspot(0);
    const Transaction hb = Heartbeat(dev, 64);
    BOOST_REQUIRE_EQUAL(lw.Add(pool, hb), "ok");
    BOOST_REQUIRE_EQUAL(lw.Add(pool, Receipt(dev, Consumer(), Session(1), 100, 64)), "ok");
    // A third of any kind: the device is the payer of each.
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(dev, Consumer(), Session(2), 100, 64)),
                      "too-many-pending");
    BOOST_CHECK_EQUAL(lw.Add(pool, GoodProof(dev, lw.deal, 1, lw.file)), "too-many-pending");
    // Other devices have their own bound; the consumer is not counted.
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(Hotspot(1), 64)), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(Hotspot(1), Consumer(), Session(3), 100, 64)), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, Receipt(Hotspot(1), Consumer(), Session(4), 100, 64)),
                      "too-many-pending");
    BOOST_CHECK_EQUAL(pool.Info().attestations, 4U);
    // Room again once one is gone.
    pool.RemoveWithDescendants({hb.Id()});
    BOOST_CHECK_EQUAL(lw.Add(pool, GoodProof(dev, lw.deal, 1, lw.file)), "ok");
    BOOST_CHECK_EQUAL(lw.Add(pool, Heartbeat(dev, 63)), "too-many-pending");
}

BOOST_AUTO_TEST_CASE(mempool_selects_transfers_then_attestations) {
    LaneWorld lw;
    Mempool pool(Dev(), MempoolLimits{});
    const Transaction hb0 = Heartbeat(Hotspot(0), 64);
    const Transaction t1 = test::MakeTransfer(Consumer(), Client().PubKey(), 5, 3000, 1);
    const Transaction rc = Receipt(Hotspot(1), Consumer(), Session(1), 100, 64);
    const Transaction t2 = test::MakeTransfer(OtherConsumer(), Client().PubKey(), 5, 2000, 0);
    const Transaction hb2 = Heartbeat(Hotspot(2), 63);
    // Consumer's nonce is 1 after its buy_credits.
    BOOST_REQUIRE_EQUAL(lw.w.NonceOf(Consumer()), 1U);
    for (const Transaction& tx : {hb0, t1, rc, t2, hb2})
        BOOST_REQUIRE_EQUAL(lw.Add(pool, tx), "ok");
    BOOST_CHECK_EQUAL(pool.Info().size, 2U);
    BOOST_CHECK_EQUAL(pool.Info().attestations, 3U);
    auto ids = [](const std::vector<Transaction>& txs) {
        std::vector<Hash256> out;
        for (const Transaction& tx : txs)
            out.push_back(tx.Id());
        return out;
    };
    // Transfers first (by fee), then attestations in arrival order.
    BOOST_CHECK(ids(pool.Select(10, 10)) ==
                (std::vector<Hash256>{t1.Id(), t2.Id(), hb0.Id(), rc.Id(), hb2.Id()}));
    // Each lane has its own limit.
    BOOST_CHECK(ids(pool.Select(1, 2)) == (std::vector<Hash256>{t1.Id(), hb0.Id(), rc.Id()}));
    BOOST_CHECK(ids(pool.Select(0, 10)) == (std::vector<Hash256>{hb0.Id(), rc.Id(), hb2.Id()}));
    BOOST_CHECK(ids(pool.Select(10, 0)) == (std::vector<Hash256>{t1.Id(), t2.Id()}));
    // A full attestation lane does not keep a transfer out, nor the reverse.
    MempoolLimits tight;
    tight.max_attestation_bytes = hb0.Size();
    tight.max_bytes = t1.Size();
    Mempool small(Dev(), tight);
    BOOST_REQUIRE_EQUAL(lw.Add(small, hb0), "ok");
    BOOST_CHECK_EQUAL(lw.Add(small, hb2), "mempool-full");
    BOOST_CHECK_EQUAL(lw.Add(small, t1), "ok");
    BOOST_CHECK_EQUAL(lw.Add(small, t2), "mempool-full");
    BOOST_CHECK(ids(small.Select(10, 10)) == (std::vector<Hash256>{t1.Id(), hb0.Id()}));
}

BOOST_AUTO_TEST_SUITE_END()
