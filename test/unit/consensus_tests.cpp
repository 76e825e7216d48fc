// Consensus rules, pure and in memory: CheckTransaction and ApplyTransaction
// for each type, the header and body rules, the proposal clock rule and the
// block context's window of recent hashes.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "consensus/block_context.h"
#include "consensus/block_verify.h"
#include "consensus/genesis.h"
#include "consensus/params.h"
#include "consensus/records.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/retire_device.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_verify.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::MakeRegisterDevice;
using maillon::test::MakeTransfer;
using maillon::test::MapState;
using maillon::test::TestBlockContext;
using maillon::test::TestKey;

const PrivKey& Alice() {
    static const PrivKey k = TestKey(1);
    return k;
}
const PrivKey& Bob() {
    static const PrivKey k = TestKey(2);
    return k;
}
const PrivKey& Carol() {
    static const PrivKey k = TestKey(3);
    return k;
}

Amount Balance(const StateReader& s, const XOnlyPubKey& a) {
    return GetAccount(s, a)->balance;
}
uint64_t Nonce(const StateReader& s, const XOnlyPubKey& a) {
    return GetAccount(s, a)->nonce;
}

// The dev genesis state with these balances on top.
MapState Funded(std::initializer_list<std::pair<XOnlyPubKey, Amount>> balances) {
    MapState s = test::DevGenesisState();
    for (const auto& [a, b] : balances)
        s.SetAccount(a, Account{b, 0, 0});
    return s;
}

// A context for block 5 whose fees go to `proposer`.
struct Ctx {
    explicit Ctx(const XOnlyPubKey& proposer) : tc(5) { tc.ctx.proposer = proposer; }
    TestBlockContext tc;
    const BlockContext& operator*() const { return tc.ctx; }
};

Status Apply(const Transaction& tx, const XOnlyPubKey& proposer, StateOverlay& ov) {
    const Ctx ctx(proposer);
    return ApplyTransaction(*ctx, tx, ov);
}

// A header on top of `parent`.
BlockHeader ChildHeader(const BlockHeader& parent) {
    BlockHeader h;
    h.chain_id = Dev().chain_id;
    h.height = parent.height + 1;
    h.parent = parent.Hash();
    h.time_ms = parent.time_ms + 1000;
    h.proposer = DevKey().PubKey();
    h.state_root = Sha256(std::vector<uint8_t>{7});
    return h;
}

BlockHeader Genesis() {
    auto g = GenesisBlock(Dev(), Sha256(std::vector<uint8_t>{1}));
    BOOST_REQUIRE(g);
    return g->header;
}

// A block at height 1 with these transactions, its roots consistent.
Block BodyBlock(std::vector<Transaction> txs) {
    Block b;
    b.header = ChildHeader(Genesis());
    b.last_commit = GenesisCommit(b.header.parent);
    b.txs = std::move(txs);
    b.header.tx_root = b.ComputeTxRoot();
    b.header.last_commit_hash = b.last_commit.Hash();
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(consensus_tests)

// ---------------------------------------------------------------------------
// CheckTransaction

BOOST_AUTO_TEST_CASE(check_transaction_accepts_valid) {
    const Transaction tx = MakeTransfer(Alice(), Bob().PubKey(), 5, Dev().min_tx_fee);
    BOOST_CHECK_EQUAL(Code(CheckTransaction(tx, Dev())), "ok");
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(tx)), "ok");
    BOOST_REQUIRE(PayerDebit(tx, Dev()));
    BOOST_CHECK_EQUAL(*PayerDebit(tx, Dev()), 5 + Dev().min_tx_fee);
    const Transaction reg = MakeRegisterDevice(Alice(), Bob(), kDeviceBandwidth);
    BOOST_CHECK_EQUAL(Code(CheckTransaction(reg, Dev())), "ok");
    BOOST_CHECK_EQUAL(*PayerDebit(reg, Dev()), Dev().device_bond + Dev().min_tx_fee);
}

BOOST_AUTO_TEST_CASE(check_transaction_wrong_chain) {
    // Validly signed for chain id 2, checked on dev (3).
    const Transaction tx = MakeTransfer(Alice(), Bob().PubKey(), 5, 1000, 0, /*chain_id=*/2);
    const Status st = CheckTransaction(tx, Dev());
    BOOST_CHECK_EQUAL(Code(st), "wrong-chain");
    BOOST_CHECK(st.error().message.find("chain id 2") != std::string::npos);
    BOOST_CHECK_EQUAL(Code(CheckTransaction(tx, GetParams(Network::kTest))), "ok");
}

BOOST_AUTO_TEST_CASE(check_transaction_fee_floor) {
    BOOST_REQUIRE_EQUAL(Dev().min_tx_fee, 1000U);
    BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeTransfer(Alice(), Bob().PubKey(), 5, 999), Dev())),
                      "fee-too-low");
    BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeTransfer(Alice(), Bob().PubKey(), 5, 0), Dev())),
                      "fee-too-low");
    BOOST_CHECK_EQUAL(
        CheckTransaction(MakeTransfer(Alice(), Bob().PubKey(), 5, 999), Dev()).error().message,
        "fee 999 units is below the minimum of 1000 units (0.00001 MLN)");
    BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeTransfer(Alice(), Bob().PubKey(), 5, 1000), Dev())),
                      "ok");
    BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeRegisterDevice(Alice(), Bob(), 1, 0, 999), Dev())),
                      "fee-too-low");
}

BOOST_AUTO_TEST_CASE(check_transaction_payload_rules) {
    BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeTransfer(Alice(), Bob().PubKey(), 0), Dev())),
                      "zero-amount");
    BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeTransfer(Alice(), Alice().PubKey(), 5), Dev())),
                      "self-transfer");
    XOnlyPubKey bad;
    bad.fill(0xff);
    BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeTransfer(Alice(), bad, 5), Dev())),
                      "bad-recipient");
    // register_device: known, non-empty kinds; the network's bond; two keys.
    for (uint8_t kinds : {0, 8, 0xff}) {
        BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeRegisterDevice(Alice(), Bob(), kinds), Dev())),
                          "bad-device-kinds");
    }
    BOOST_CHECK_EQUAL(
        Code(CheckTransaction(MakeRegisterDevice(Alice(), Bob(), kDeviceKindsMask), Dev())), "ok");
    const Transaction cheap =
        UnsignedRegisterDevice(Dev().chain_id, Alice().PubKey(), Bob().PubKey(), kDeviceUptime,
                               Dev().device_bond - 1, 1000, 0);
    BOOST_CHECK_EQUAL(Code(CheckTransaction(cheap, Dev())), "wrong-device-bond");
    BOOST_CHECK_EQUAL(Code(CheckTransaction(MakeRegisterDevice(Alice(), Alice(), 1), Dev())),
                      "duplicate-signer");
}

BOOST_AUTO_TEST_CASE(check_transaction_amount_overflow) {
    const Transaction tx = MakeTransfer(Alice(), Bob().PubKey(), kMax, 1000);
    BOOST_CHECK(!PayerDebit(tx, Dev()));
    BOOST_CHECK_EQUAL(Code(CheckTransaction(tx, Dev())), "amount-overflow");
    // Exactly at the top: no overflow.
    const Transaction edge = MakeTransfer(Alice(), Bob().PubKey(), kMax - 1000, 1000);
    BOOST_REQUIRE(PayerDebit(edge, Dev()));
    BOOST_CHECK_EQUAL(*PayerDebit(edge, Dev()), kMax);
    BOOST_CHECK_EQUAL(Code(CheckTransaction(edge, Dev())), "ok");
    // ApplyTransaction rejects the overflow too, and changes nothing.
    MapState base = Funded({{Alice().PubKey(), kMax}});
    StateOverlay ov(base);
    BOOST_CHECK_EQUAL(Code(Apply(tx, Carol().PubKey(), ov)), "amount-overflow");
    BOOST_CHECK(ov.Changes().empty());
}

// ---------------------------------------------------------------------------
// ApplyTransaction

BOOST_AUTO_TEST_CASE(apply_checks_nonce) {
    MapState base = Funded({});
    base.SetAccount(Alice().PubKey(), Account{1'000'000, 5, 0});
    StateOverlay ov(base);
    const XOnlyPubKey p = Carol().PubKey();
    BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), Bob().PubKey(), 10, 1000, 4), p, ov)),
                      "nonce-too-low");
    BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), Bob().PubKey(), 10, 1000, 0), p, ov)),
                      "nonce-too-low");
    const Status high = Apply(MakeTransfer(Alice(), Bob().PubKey(), 10, 1000, 6), p, ov);
    BOOST_CHECK_EQUAL(Code(high), "nonce-too-high");
    BOOST_CHECK_EQUAL(high.error().message, "transaction nonce 6 but the sender's next nonce is 5");
    BOOST_CHECK(ov.Changes().empty());
    BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), Bob().PubKey(), 10, 1000, 5), p, ov)), "ok");
    BOOST_CHECK_EQUAL(Nonce(ov, Alice().PubKey()), 6U);
    // The same transaction again is now a replay.
    BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), Bob().PubKey(), 10, 1000, 5), p, ov)),
                      "nonce-too-low");
    BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), Bob().PubKey(), 10, 1000, 6), p, ov)), "ok");
    BOOST_CHECK_EQUAL(Nonce(ov, Alice().PubKey()), 7U);
    // The base is never written.
    BOOST_CHECK_EQUAL(base.AccountAt(Alice().PubKey()).nonce, 5U);
}

BOOST_AUTO_TEST_CASE(apply_balance_boundary) {
    const Amount cost = 7000 + 1000;
    {
        MapState base = Funded({{Alice().PubKey(), cost}});
        StateOverlay ov(base);
        BOOST_CHECK_EQUAL(
            Code(Apply(MakeTransfer(Alice(), Bob().PubKey(), 7000), Carol().PubKey(), ov)), "ok");
        BOOST_CHECK_EQUAL(Balance(ov, Alice().PubKey()), 0U);
        BOOST_CHECK_EQUAL(Balance(ov, Bob().PubKey()), 7000U);
    }
    {
        MapState base = Funded({{Alice().PubKey(), cost - 1}});
        StateOverlay ov(base);
        const Status st = Apply(MakeTransfer(Alice(), Bob().PubKey(), 7000), Carol().PubKey(), ov);
        BOOST_CHECK_EQUAL(Code(st), "insufficient-funds");
        BOOST_CHECK(ov.Changes().empty());
    }
    {
        // A never-seen sender has nothing.
        MapState base = Funded({});
        StateOverlay ov(base);
        BOOST_CHECK_EQUAL(
            Code(Apply(MakeTransfer(Alice(), Bob().PubKey(), 1), Carol().PubKey(), ov)),
            "insufficient-funds");
    }
}

BOOST_AUTO_TEST_CASE(apply_credits_fee_to_proposer) {
    const XOnlyPubKey a = Alice().PubKey(), b = Bob().PubKey(), p = Carol().PubKey();
    MapState base = Funded({{a, 10'000}, {p, 50}});
    StateOverlay ov(base);
    BOOST_REQUIRE_EQUAL(Code(Apply(MakeTransfer(Alice(), b, 3000, 1500), p, ov)), "ok");
    BOOST_CHECK_EQUAL(Balance(ov, a), 10'000U - 3000 - 1500);
    BOOST_CHECK_EQUAL(Balance(ov, b), 3000U);
    BOOST_CHECK_EQUAL(Balance(ov, p), 50U + 1500);
    BOOST_CHECK_EQUAL(Nonce(ov, a), 1U);
    BOOST_CHECK_EQUAL(Nonce(ov, b), 0U);
    BOOST_CHECK_EQUAL(Nonce(ov, p), 0U);
    BOOST_CHECK_EQUAL(ov.Changes().size(), 3U);
}

BOOST_AUTO_TEST_CASE(apply_proposer_is_sender_or_recipient) {
    const XOnlyPubKey a = Alice().PubKey(), b = Bob().PubKey();
    {
        MapState base = Funded({{a, 10'000}, {b, 20}});
        StateOverlay ov(base);
        BOOST_REQUIRE_EQUAL(Code(Apply(MakeTransfer(Alice(), b, 3000, 1200), a, ov)), "ok");
        BOOST_CHECK_EQUAL(Balance(ov, a), 10'000U - 3000);  // pays the fee to itself
        BOOST_CHECK_EQUAL(Balance(ov, b), 3020U);
        BOOST_CHECK_EQUAL(Nonce(ov, a), 1U);
    }
    {
        MapState base = Funded({{a, 10'000}, {b, 20}});
        StateOverlay ov(base);
        BOOST_REQUIRE_EQUAL(Code(Apply(MakeTransfer(Alice(), b, 3000, 1200), b, ov)), "ok");
        BOOST_CHECK_EQUAL(Balance(ov, a), 10'000U - 4200);
        BOOST_CHECK_EQUAL(Balance(ov, b), 20U + 3000 + 1200);
        BOOST_CHECK_EQUAL(Nonce(ov, b), 0U);
    }
    {
        // Spending everything with the fee coming back: cost checked before credit.
        MapState base = Funded({{a, 4200}});
        StateOverlay ov(base);
        BOOST_REQUIRE_EQUAL(Code(Apply(MakeTransfer(Alice(), b, 3000, 1200), a, ov)), "ok");
        BOOST_CHECK_EQUAL(Balance(ov, a), 1200U);
        BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), b, 1, 1200, 1), a, ov)),
                          "insufficient-funds");
    }
}

BOOST_AUTO_TEST_CASE(apply_failure_leaves_overlay_unchanged) {
    const XOnlyPubKey a = Alice().PubKey(), b = Bob().PubKey(), c = Carol().PubKey();
    MapState base = Funded({{a, 100'000}, {b, kMax - 10}, {c, kMax - 500}});
    StateOverlay ov(base);
    // An earlier successful transaction leaves changes that must survive.
    BOOST_REQUIRE_EQUAL(Code(Apply(MakeTransfer(Alice(), TestKey(9).PubKey(), 100), a, ov)), "ok");
    const StateChanges before = ov.Changes();
    BOOST_REQUIRE_EQUAL(before.size(), 2U);

    // Recipient overflow: the sender's debit happens first and must be undone.
    Status st = Apply(MakeTransfer(Alice(), b, 11, 1000, 1), a, ov);
    BOOST_CHECK_EQUAL(Code(st), "amount-overflow");
    BOOST_CHECK(st.error().message.find("recipient") != std::string::npos);
    BOOST_CHECK(ov.Changes() == before);

    // Proposer overflow: sender debited, then the fee fails.
    st = Apply(MakeTransfer(Alice(), TestKey(9).PubKey(), 5, 1000, 1), c, ov);
    BOOST_CHECK_EQUAL(Code(st), "amount-overflow");
    BOOST_CHECK(st.error().message.find("proposer") != std::string::npos);
    BOOST_CHECK(ov.Changes() == before);

    // Nonce and balance failures.
    BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), b, 1, 1000, 0), a, ov)), "nonce-too-low");
    BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), c, 10'000'000, 1000, 1), a, ov)),
                      "insufficient-funds");
    BOOST_CHECK(ov.Changes() == before);

    // Exactly filling the recipient works.
    BOOST_CHECK_EQUAL(Code(Apply(MakeTransfer(Alice(), b, 10, 1000, 1), a, ov)), "ok");
    BOOST_CHECK_EQUAL(Balance(ov, b), kMax);
}

BOOST_AUTO_TEST_CASE(apply_register_device) {
    const XOnlyPubKey owner = Alice().PubKey(), device = Bob().PubKey();
    const Amount bond = Dev().device_bond;
    MapState base = Funded({{owner, bond + 5000}});
    const Supply supply = *GetSupply(base);
    StateOverlay ov(base);
    const Ctx ctx(Carol().PubKey());
    const Transaction reg = MakeRegisterDevice(Alice(), Bob(), kDeviceUptime | kDeviceBandwidth);
    BOOST_REQUIRE_EQUAL(Code(ApplyTransaction(*ctx, reg, ov)), "ok");
    // The owner pays bond and fee; the bond is locked, in its own record.
    BOOST_CHECK_EQUAL(Balance(ov, owner), 4000U);
    BOOST_CHECK_EQUAL(Nonce(ov, owner), 1U);
    BOOST_CHECK_EQUAL(Balance(ov, Carol().PubKey()), 1000U);
    BOOST_CHECK(GetAccount(ov, device)->IsEmpty());
    auto record = GetDevice(ov, device);
    BOOST_REQUIRE(record && record->has_value());
    BOOST_CHECK(**record == (Device{owner, kDeviceUptime | kDeviceBandwidth, bond, 5}));
    BOOST_CHECK_EQUAL(GetSupply(ov)->locked, supply.locked + bond);

    // Once only, whoever asks.
    const PrivKey other = TestKey(4);
    MapState rich = Funded({{other.PubKey(), 10 * bond}});
    rich.Apply(ov.Changes());
    StateOverlay again(rich);
    const Status twice = ApplyTransaction(*ctx, MakeRegisterDevice(other, Bob(), 1), again);
    BOOST_CHECK_EQUAL(Code(twice), "device-already-registered");
    BOOST_CHECK(again.Changes().empty());
    // Not enough for the bond: nothing happens.
    MapState poor = Funded({{owner, bond}});
    StateOverlay none(poor);
    BOOST_CHECK_EQUAL(Code(ApplyTransaction(*ctx, reg, none)), "insufficient-funds");
    BOOST_CHECK(none.Changes().empty());
}

BOOST_AUTO_TEST_CASE(apply_buy_credits) {
    // The buyer pays amount and fee; the amount is burned (counted in the
    // supply) and turned into credits at the network's rate; the supply
    // invariant holds.
    const XOnlyPubKey buyer = Alice().PubKey();
    MapState base = Funded({{buyer, 50'000}});
    const Supply supply = *GetSupply(base);
    StateOverlay ov(base);
    const Ctx ctx(Carol().PubKey());
    const Transaction buy =
        UnsignedBuyCredits(Dev().chain_id, buyer, 30'000, 1000, 0).Sign(0, Alice());
    BOOST_REQUIRE_EQUAL(Code(CheckTransaction(buy, Dev())), "ok");
    BOOST_REQUIRE_EQUAL(Code(ApplyTransaction(*ctx, buy, ov)), "ok");
    const Account after = *GetAccount(ov, buyer);
    BOOST_CHECK_EQUAL(after.balance, 19'000U);
    BOOST_CHECK_EQUAL(after.credits, 30'000U * Dev().credits_per_unit);
    BOOST_CHECK_EQUAL(after.nonce, 1U);
    BOOST_CHECK_EQUAL(GetSupply(ov)->burned, supply.burned + 30'000);
    BOOST_CHECK_EQUAL(Balance(ov, Carol().PubKey()), 1000U);

    // More than the balance: nothing happens.
    StateOverlay poor(base);
    const Transaction too_much =
        UnsignedBuyCredits(Dev().chain_id, buyer, 49'001, 1000, 0).Sign(0, Alice());
    BOOST_CHECK_EQUAL(Code(ApplyTransaction(*ctx, too_much, poor)), "insufficient-funds");
    BOOST_CHECK(poor.Changes().empty());

    // Stateless rules: a positive amount, and credits that fit in a u64 at
    // the network's rate.
    const Transaction zero = UnsignedBuyCredits(Dev().chain_id, buyer, 0, 1000, 0).Sign(0, Alice());
    BOOST_CHECK_EQUAL(Code(CheckTransaction(zero, Dev())), "zero-amount");
    ChainParams dear = Dev();
    dear.credits_per_unit = uint64_t{1} << 40;
    const Transaction big =
        UnsignedBuyCredits(Dev().chain_id, buyer, uint64_t{1} << 24, 1000, 0).Sign(0, Alice());
    BOOST_CHECK_EQUAL(Code(CheckTransaction(big, dear)), "amount-overflow");
    const Transaction fits =
        UnsignedBuyCredits(Dev().chain_id, buyer, (uint64_t{1} << 24) - 1, 1000, 0)
            .Sign(0, Alice());
    BOOST_CHECK_EQUAL(Code(CheckTransaction(fits, dear)), "ok");
    // Credits already held add up, checked.
    MapState full = Funded({{buyer, 50'000}});
    full.SetAccount(buyer, Account{50'000, 0, UINT64_MAX - 10});
    StateOverlay overflow(full);
    const Transaction one = UnsignedBuyCredits(Dev().chain_id, buyer, 11, 1000, 0).Sign(0, Alice());
    BOOST_CHECK_EQUAL(Code(ApplyTransaction(*ctx, one, overflow)), "amount-overflow");
}

BOOST_AUTO_TEST_CASE(apply_retire_device) {
    // Registered by Alice; only Alice retires it; the bond comes back only
    // after the unbonding delay, and the key is free again.
    const XOnlyPubKey owner = Alice().PubKey(), device = Bob().PubKey();
    const Amount bond = Dev().device_bond;
    MapState base = Funded({{owner, bond + 10'000}, {Carol().PubKey(), 10'000}});
    const Supply supply = *GetSupply(base);
    {
        StateOverlay reg(base);
        BOOST_REQUIRE_EQUAL(
            Code(Apply(MakeRegisterDevice(Alice(), Bob(), kDeviceUptime), Carol().PubKey(), reg)),
            "ok");
        base.Apply(reg.Changes());
    }
    auto retire = [&](const PrivKey& who, uint64_t nonce, uint64_t height) {
        TestBlockContext tc(height);
        tc.ctx.proposer = DevKey().PubKey();
        StateOverlay ov(base);
        const Transaction tx =
            UnsignedRetireDevice(Dev().chain_id, who.PubKey(), device, 1000, nonce).Sign(0, who);
        BOOST_REQUIRE_EQUAL(Code(CheckTransaction(tx, Dev())), "ok");
        const Status st = ApplyTransaction(tc.ctx, tx, ov);
        if (st) base.Apply(ov.Changes());
        return Code(st);
    };
    BOOST_CHECK_EQUAL(retire(Carol(), 0, 6), "not-device-owner");
    BOOST_CHECK_EQUAL(retire(Alice(), 1, 6), "ok");
    BOOST_CHECK(*GetRetiredHeight(base, device) == std::optional<uint64_t>(6));
    BOOST_CHECK(GetDevice(base, device)->has_value());
    const uint64_t unlocks = 6 + Dev().device_unbond_blocks;
    BOOST_CHECK_EQUAL(retire(Alice(), 2, unlocks - 1), "bond-still-locked");
    const Amount before = Balance(base, owner);
    BOOST_CHECK_EQUAL(retire(Alice(), 2, unlocks), "ok");
    BOOST_CHECK_EQUAL(Balance(base, owner), before + bond - 1000);
    BOOST_CHECK(!GetDevice(base, device)->has_value());
    BOOST_CHECK(!GetRetiredHeight(base, device)->has_value());
    BOOST_CHECK_EQUAL(GetSupply(base)->locked, supply.locked);
    BOOST_CHECK_EQUAL(retire(Alice(), 3, unlocks + 1), "device-not-registered");
    // The key may be registered again.
    StateOverlay again(base);
    const Transaction reg2 =
        UnsignedRegisterDevice(Dev().chain_id, owner, device, kDeviceUptime, bond, 1000, 3)
            .Sign(0, Alice())
            .Sign(1, Bob());
    BOOST_CHECK_EQUAL(Code(Apply(reg2, Carol().PubKey(), again)), "ok");
}

// ---------------------------------------------------------------------------
// Headers, the proposal clock rule, bodies, the context

BOOST_AUTO_TEST_CASE(check_header_rules) {
    const ChainParams& params = Dev();
    const BlockHeader parent = Genesis();
    BOOST_CHECK_EQUAL(parent.height, 0U);
    BOOST_CHECK_EQUAL(parent.time_ms, params.genesis_time_ms);
    const BlockHeader good = ChildHeader(parent);
    BOOST_REQUIRE_EQUAL(Code(CheckBlockHeader(good, parent, params)), "ok");

    BlockHeader h = good;
    h.height = 2;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "bad-height");
    h.height = 0;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "bad-height");

    h = good;
    h.parent[0] ^= 1;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "bad-parent");

    h = good;
    h.time_ms = parent.time_ms;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "time-too-old");
    h.time_ms = parent.time_ms - 1;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "time-too-old");
    h.time_ms = parent.time_ms + 1;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "ok");
    // No clock: a header a century ahead is as valid as any.
    h.time_ms = parent.time_ms + 100ULL * 365 * 24 * 3600 * 1000;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "ok");

    h = good;
    h.chain_id = 2;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "wrong-chain");
    h = good;
    h.version = 2;
    BOOST_CHECK_EQUAL(Code(CheckBlockHeader(h, parent, params)), "bad-version");
}

BOOST_AUTO_TEST_CASE(proposal_time_rule) {
    const ChainParams& params = Dev();
    BlockHeader h = ChildHeader(Genesis());
    const uint64_t drift = params.max_proposal_clock_drift_ms;
    // Exactly the allowed drift ahead is fine, one more is not.
    BOOST_CHECK_EQUAL(Code(CheckProposalTime(h, h.time_ms - drift, params)), "ok");
    BOOST_CHECK_EQUAL(Code(CheckProposalTime(h, h.time_ms - drift - 1, params)), "time-too-new");
    // A proposal from the past relative to the clock is fine.
    BOOST_CHECK_EQUAL(Code(CheckProposalTime(h, h.time_ms + 3'600'000, params)), "ok");
}

BOOST_AUTO_TEST_CASE(check_body_rules) {
    const ChainParams& params = Dev();
    const Transaction t1 = MakeTransfer(Alice(), Bob().PubKey(), 10, 1000, 0);
    const Transaction t2 = MakeTransfer(Alice(), Bob().PubKey(), 20, 1000, 1);
    const Transaction t3 = MakeTransfer(Bob(), Carol().PubKey(), 5, 1000, 0);

    BOOST_CHECK_EQUAL(Code(CheckBlockBody(BodyBlock({}), params)), "ok");
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(BodyBlock({t1, t2, t3}), params)), "ok");

    Block b = BodyBlock({t1, t2});
    b.header.tx_root[0] ^= 1;
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(b, params)), "bad-tx-root");
    b = BodyBlock({t1, t2});
    std::swap(b.txs[0], b.txs[1]);  // root no longer matches the order
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(b, params)), "bad-tx-root");

    // The header commits to the body's certificate, which is for the parent.
    b = BodyBlock({t1});
    b.header.last_commit_hash[3] ^= 1;
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(b, params)), "bad-last-commit-hash");
    b = BodyBlock({t1});
    b.last_commit.height = 1;
    b.header.last_commit_hash = b.last_commit.Hash();
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(b, params)), "bad-commit");
    b = BodyBlock({t1});
    b.last_commit.block_hash[0] ^= 1;
    b.header.last_commit_hash = b.last_commit.Hash();
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(b, params)), "bad-commit");

    const Status dup = CheckBlockBody(BodyBlock({t1, t2, t1}), params);
    BOOST_CHECK_EQUAL(Code(dup), "duplicate-tx");
    BOOST_CHECK(dup.error().message.find(HexStr(t1.Id())) != std::string::npos);

    ChainParams small = params;
    small.max_block_txs = 2;
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(BodyBlock({t1, t2}), small)), "ok");
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(BodyBlock({t1, t2, t3}), small)), "too-many-txs");

    ChainParams tiny = params;
    tiny.max_block_bytes = BodyBlock({t1, t2}).Serialize().size();
    tiny.max_block_attestation_bytes = 0;
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(BodyBlock({t1, t2}), tiny)), "ok");
    BOOST_CHECK_EQUAL(Code(CheckBlockBody(BodyBlock({t1, t2, t3}), tiny)), "block-too-big");

    // Every transaction passes CheckTransaction; the error names its index.
    const Status st =
        CheckBlockBody(BodyBlock({t1, MakeTransfer(Alice(), Bob().PubKey(), 10, 999, 1)}), params);
    BOOST_CHECK_EQUAL(Code(st), "fee-too-low");
    BOOST_CHECK(st.error().message.find("transaction 1 ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(context_exposes_only_recent_hashes) {
    const TestBlockContext tc(1000);
    const BlockContext& ctx = tc.ctx;
    const uint64_t k = Dev().recent_block_hashes;
    BOOST_CHECK(ctx.RecentHash(999) == tc.recent.At(999));
    BOOST_CHECK(ctx.RecentHash(1000 - k).has_value());
    BOOST_CHECK(!ctx.RecentHash(1000 - k - 1).has_value());  // older than K
    BOOST_CHECK(!ctx.RecentHash(1000).has_value());          // not before this block
    BOOST_CHECK(!ctx.RecentHash(5000).has_value());
    // Epochs: genesis is block 0 of epoch 0; the last block of an epoch ends it.
    const TestBlockContext first(Dev().epoch_blocks - 1), next(Dev().epoch_blocks);
    BOOST_CHECK_EQUAL(first.ctx.Epoch(), 0U);
    BOOST_CHECK(first.ctx.IsEpochEnd());
    BOOST_CHECK_EQUAL(next.ctx.Epoch(), 1U);
    BOOST_CHECK(!next.ctx.IsEpochEnd());

    RecentBlockHashes window;
    for (uint64_t h = 0; h < 10; ++h)
        window.Push(h, Sha256(std::vector<uint8_t>{static_cast<uint8_t>(h)}), 4);
    BOOST_CHECK_EQUAL(window.FirstHeight(), 6U);
    BOOST_CHECK_EQUAL(window.Size(), 4U);
    BOOST_CHECK(!window.At(5));
    BOOST_CHECK(*window.At(9) == Sha256(std::vector<uint8_t>{9}));
}

// Genesis refuses what no block could create: a key off the curve (which
// getbalance's skipped curve check relies on) and a supply over 2^53 - 1
// (which JSON clients rely on).
BOOST_AUTO_TEST_CASE(genesis_refuses_off_curve_keys_and_oversized_supply) {
    auto write = [](const ChainParams& p) {
        EmptyState empty;
        StateOverlay overlay(empty);
        return Code(WriteGenesisState(p, overlay));
    };
    BOOST_CHECK_EQUAL(write(Dev()), "ok");
    XOnlyPubKey off_curve{};
    off_curve.fill(0xff);  // x >= p
    BOOST_REQUIRE(!IsValidXOnly(off_curve));

    ChainParams bad_alloc = Dev();
    bad_alloc.genesis_allocations.push_back({off_curve, 1});
    BOOST_CHECK_EQUAL(write(bad_alloc), "genesis-bad-key");
    ChainParams bad_validator = Dev();
    bad_validator.genesis_validators[0].key = off_curve;
    BOOST_CHECK_EQUAL(write(bad_validator), "genesis-bad-key");

    ChainParams rich = Dev();
    const Amount others = [&] {
        Amount sum = 0;
        for (const GenesisAllocation& a : rich.genesis_allocations)
            sum += a.amount;
        for (const Validator& v : rich.genesis_validators)
            sum += v.power;
        return sum;
    }();
    rich.genesis_allocations.push_back({TestKey(7).PubKey(), kMaxSupply - others});
    BOOST_CHECK_EQUAL(write(rich), "ok");
    rich.genesis_allocations.back().amount += 1;
    BOOST_CHECK_EQUAL(write(rich), "genesis-supply");
}

BOOST_AUTO_TEST_SUITE_END()
