// The one block-execution function: begin-block (the last commit, the
// proposer), transactions, end-block (validator set rotation); its cost,
// counted; and properties over random blocks (block = transactions one by
// one; supply and nonces at every height).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "consensus/block_apply.h"
#include "consensus/commit.h"
#include "consensus/records.h"
#include "consensus/reward_records.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_verify.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::MakeRegisterDevice;
using maillon::test::MakeTransfer;
using maillon::test::MapState;
using maillon::test::TestBlockContext;
using maillon::test::TestKey;

// Counts the reads that reach the backing state.
class CountingState : public StateReader {
public:
    explicit CountingState(const StateReader& inner) : m_inner(inner) {}
    Result<std::optional<StateValue>> Get(const Hash256& key) const override {
        ++reads;
        return m_inner.Get(key);
    }
    mutable uint64_t reads = 0;

private:
    const StateReader& m_inner;
};

// The dev genesis state with `n` senders TestKey(1000 + i) funded from the
// dev allocation, so the supply record still accounts for every unit.
MapState FundedState(size_t n, Amount each) {
    MapState state = test::DevGenesisState();
    Account dev = state.AccountAt(DevKey().PubKey());
    for (size_t i = 0; i < n; ++i) {
        state.SetAccount(TestKey(1000 + i).PubKey(), Account{each, 0, 0});
        dev.balance -= each;
    }
    state.SetAccount(DevKey().PubKey(), dev);
    return state;
}

// The sum of every balance in the state (every record that decodes as an
// account: no other record kind has an account's encoding), plus the locked
// and burned amounts, minus what was minted: the supply's invariant says
// this is its genesis amount.
Amount Accounted(const MapState& s) {
    auto supply = GetSupply(s);
    BOOST_REQUIRE(supply);
    Amount total = supply->locked + supply->burned - supply->minted;
    for (const auto& [key, value] : s.values) {
        if (auto account = Account::Decode(value)) total += account->balance;
    }
    return total;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(block_apply_tests)

BOOST_AUTO_TEST_CASE(begin_block_checks_the_last_commit_and_proposer) {
    const MapState base = test::DevGenesisState();
    {
        // Block 1 carries genesis's certificate, with no signatures.
        TestBlockContext tc(1);
        StateOverlay ov(base);
        SignatureBatch sigs;
        BOOST_CHECK(BlockExecution::Begin(tc.ctx, ParentCommit(tc), ov, sigs));
        BOOST_CHECK_EQUAL(sigs.Size(), 0U);
        CommitCertificate signed_genesis = ParentCommit(tc);
        signed_genesis.signatures.push_back({0, SchnorrSig{}});
        BOOST_CHECK_EQUAL(Code(BlockExecution::Begin(tc.ctx, signed_genesis, ov, sigs)),
                          "bad-commit");
    }
    TestBlockContext tc(5);
    StateOverlay ov(base);
    SignatureBatch sigs;
    BOOST_REQUIRE(BlockExecution::Begin(tc.ctx, ParentCommit(tc), ov, sigs));
    // The commit's precommit is queued, under the commit's owner, and verifies.
    BOOST_CHECK_EQUAL(sigs.Size(), 1U);
    BOOST_CHECK(!sigs.FirstFailure());
    CommitCertificate empty = ParentCommit(tc);
    empty.signatures.clear();
    BOOST_CHECK_EQUAL(Code(BlockExecution::Begin(tc.ctx, empty, ov, sigs)), "bad-commit");
    CommitCertificate other_parent = ParentCommit(tc);
    other_parent.block_hash[0] ^= 1;
    BOOST_CHECK_EQUAL(Code(BlockExecution::Begin(tc.ctx, other_parent, ov, sigs)), "bad-commit");
    // A bad signature is not found here: it is queued and fails in the batch.
    SignatureBatch forged;
    CommitCertificate bad_sig = ParentCommit(tc);
    bad_sig.signatures[0].sig[0] ^= 1;
    BOOST_REQUIRE(BlockExecution::Begin(tc.ctx, bad_sig, ov, forged));
    BOOST_CHECK_EQUAL(*forged.FirstFailure(), kCommitSigOwner);
    // A proposer outside the validator set.
    BlockContext outsider = tc.ctx;
    outsider.proposer = TestKey(5).PubKey();
    BOOST_CHECK_EQUAL(Code(BlockExecution::Begin(outsider, ParentCommit(tc), ov, sigs)),
                      "bad-proposer");
}

BOOST_AUTO_TEST_CASE(end_block_rotates_the_validator_sets) {
    // A new set in "validators" (as staking will write at an epoch's end)
    // becomes "last validators" after the block that it signs.
    MapState base = test::DevGenesisState();
    auto next = ValidatorSet::Make({{DevKey().PubKey(), 1}, {TestKey(1).PubKey(), 1}});
    BOOST_REQUIRE(next);
    {
        StateOverlay ov(base);
        BOOST_REQUIRE(PutValidatorSet(ov, RecordTag::kValidators, *next));
        base.Apply(ov.Changes());
    }
    TestBlockContext tc(5);
    StateOverlay ov(base);
    AlreadyVerified sigs;
    auto receipts = ApplyBlock(tc.ctx, BlockOf(tc, {}), ov, sigs);
    BOOST_REQUIRE_MESSAGE(receipts, test::ErrorText(receipts));
    BOOST_CHECK(*GetValidatorSet(ov, RecordTag::kLastValidators) == *next);
    BOOST_CHECK(*GetValidatorSet(ov, RecordTag::kValidators) == *next);
    // The next block's certificate is checked against the new set: the dev
    // key alone holds half its power, not a quorum; both keys are.
    StateOverlay quiet = ov.Child();
    TestBlockContext tc6(6);
    Block b6 = BlockOf(tc6, {});
    const PrivKey both[] = {DevKey(), TestKey(1)};
    b6.last_commit = *SignCommit(*next, Dev().chain_id, 5, 0, *tc6.recent.At(5), both);
    BOOST_CHECK_EQUAL(Code(ApplyBlock(tc6.ctx, BlockOf(tc6, {}), quiet, sigs)), "bad-commit");
    BOOST_REQUIRE(ApplyBlock(tc6.ctx, b6, quiet, sigs));
    // With the sets equal, end-block writes nothing: the one change is
    // begin-block's count of the certificate's signers.
    BOOST_REQUIRE_EQUAL(quiet.Changes().size(), 1U);
    const auto counted = GetEpochSigners(quiet, 0);
    BOOST_REQUIRE(counted);
    BOOST_CHECK_EQUAL(counted->certificates, 2U);  // blocks 5 and 6
    BOOST_CHECK_EQUAL(counted->signers.size(), 2U);
}

BOOST_AUTO_TEST_CASE(end_block_keeps_the_set_that_signed_the_block) {
    // Whatever the block's transactions (or, later, its epoch work) write
    // into "validators", the set recorded as having signed the block is the
    // one Begin found.
    const MapState base = test::DevGenesisState();
    const ValidatorSet signers = *GetValidatorSet(base, RecordTag::kValidators);
    auto next = ValidatorSet::Make({{TestKey(1).PubKey(), 1}});
    BOOST_REQUIRE(next);
    TestBlockContext tc(5);
    StateOverlay ov(base);
    AlreadyVerified sigs;
    auto exec = BlockExecution::Begin(tc.ctx, ParentCommit(tc), ov, sigs);
    BOOST_REQUIRE(exec);
    BOOST_REQUIRE(PutValidatorSet(ov, RecordTag::kValidators, *next));
    BOOST_REQUIRE(std::move(*exec).End());
    BOOST_CHECK(*GetValidatorSet(ov, RecordTag::kLastValidators) == signers);
    BOOST_CHECK(*GetValidatorSet(ov, RecordTag::kValidators) == *next);
}

BOOST_AUTO_TEST_CASE(apply_block_runs_transactions_in_order) {
    const PrivKey a = TestKey(1000), b = TestKey(1001);
    const XOnlyPubKey c = TestKey(7).PubKey();
    const MapState base = FundedState(1, 100'000);
    TestBlockContext tc(3);
    const std::vector<Transaction> txs = {MakeTransfer(a, b.PubKey(), 10'000, 1000, 0),
                                          MakeTransfer(b, c, 4000, 2000, 0),
                                          MakeTransfer(a, c, 1, 1500, 1)};
    StateOverlay ov(base);
    SignatureBatch sigs;
    auto receipts = ApplyBlock(tc.ctx, BlockOf(tc, txs), ov, sigs);
    BOOST_REQUIRE_MESSAGE(receipts, test::ErrorText(receipts));
    BOOST_REQUIRE_EQUAL(receipts->size(), 3U);
    BOOST_CHECK((*receipts)[1] == (TxReceipt{txs[1].Id(), b.PubKey(), 0, 2000}));
    BOOST_CHECK_EQUAL(GetAccount(ov, a.PubKey())->balance, 100'000U - 10'000 - 1000 - 1 - 1500);
    BOOST_CHECK_EQUAL(GetAccount(ov, b.PubKey())->balance, 10'000U - 4000 - 2000);
    BOOST_CHECK_EQUAL(GetAccount(ov, c)->balance, 4001U);
    // Every role of every transaction is queued, plus the commit: all verify.
    BOOST_CHECK_EQUAL(sigs.Size(), 4U);
    BOOST_CHECK(!sigs.FirstFailure());

    // b's transaction depends on the one before it: out of order, it fails
    // and the error names it.
    StateOverlay ov2(base);
    auto swapped = ApplyBlock(tc.ctx, BlockOf(tc, {txs[1], txs[0], txs[2]}), ov2, sigs);
    BOOST_REQUIRE(!swapped);
    BOOST_CHECK_EQUAL(swapped.error().code, "insufficient-funds");
    BOOST_CHECK(swapped.error().message.find("transaction 0 (" + HexStr(txs[1].Id())) !=
                std::string::npos);

    // A bad signature is reported for its transaction's owner.
    SignatureBatch bad;
    StateOverlay ov3(base);
    const std::vector<Transaction> forged = {txs[0], txs[1].Sign(0, a), txs[2].Sign(0, b)};
    BOOST_REQUIRE(ApplyBlock(tc.ctx, BlockOf(tc, forged), ov3, bad));
    BOOST_CHECK_EQUAL(*bad.FirstFailure(), TxSigOwner(1));
}

BOOST_AUTO_TEST_CASE(block_cost_is_linear_in_what_it_touches) {
    // Blocks of n transfers from n distinct senders, executed on top of a
    // counted state: the reads that reach the state and the entries merged
    // into the block's overlay grow exactly with n, so staging a transaction
    // never costs what the block has touched before it.
    struct Cost {
        uint64_t reads, merged, changes;
    };
    auto run = [](size_t n) {
        const MapState funded = FundedState(n, 1'000'000);
        CountingState counted(funded);
        TestBlockContext tc(2);
        std::vector<Transaction> txs;
        const XOnlyPubKey sink = TestKey(7).PubKey();
        for (size_t i = 0; i < n; ++i)
            txs.push_back(
                UnsignedTransfer(Dev().chain_id, TestKey(1000 + i).PubKey(), sink, 10, 1000, 0));
        StateOverlay ov(counted);
        AlreadyVerified sigs;
        auto receipts = ApplyBlock(tc.ctx, BlockOf(tc, txs), ov, sigs);
        BOOST_REQUIRE_MESSAGE(receipts, test::ErrorText(receipts));
        BOOST_REQUIRE_EQUAL(receipts->size(), n);
        return Cost{counted.reads, ov.MergedEntries(), ov.Changes().size()};
    };
    const Cost small = run(1000), large = run(8000);
    for (const auto& [n, c] : {std::pair{size_t{1000}, small}, std::pair{size_t{8000}, large}}) {
        BOOST_TEST_MESSAGE(n << " transfers: " << c.reads << " state reads, " << c.merged
                             << " entries merged, " << c.changes << " changes");
        // One read per sender, plus the recipient, the proposer and the
        // fixed records of begin- and end-block.
        BOOST_CHECK_LE(c.reads, n + 9);
        // Each transaction merges its three accounts (sender, proposer,
        // recipient) into the block's overlay, and nothing more.
        BOOST_CHECK_EQUAL(c.merged, 3 * n);
        // The senders, the recipient, the proposer, the epoch's signers.
        BOOST_CHECK_EQUAL(c.changes, n + 3);
    }
    BOOST_CHECK_EQUAL(large.reads - small.reads, 7000U);
}

BOOST_AUTO_TEST_CASE(a_block_equals_its_transactions_one_by_one) {
    // For random blocks of transfers and registrations (some of which fail
    // and are left out, as the producer does), ApplyBlock on one overlay
    // gives exactly the state of applying each transaction on a fresh
    // overlay over the state the previous one committed.
    std::mt19937_64 rng(0x6d61696c6c6f6e02ULL);
    constexpr size_t kAccounts = 12;
    MapState chain = FundedState(kAccounts, 40 * kCoin);
    std::map<XOnlyPubKey, uint64_t> nonces;
    for (uint64_t height = 1; height <= 25; ++height) {
        TestBlockContext tc(height);
        // Candidates, kept only where they apply in order (the producer's rule).
        std::vector<Transaction> kept;
        {
            StateOverlay trial(chain);
            AlreadyVerified none;
            auto exec = BlockExecution::Begin(tc.ctx, ParentCommit(tc), trial, none);
            BOOST_REQUIRE(exec);
            for (int i = 0; i < 30; ++i) {
                const PrivKey from = TestKey(1000 + rng() % kAccounts);
                const uint64_t nonce = nonces[from.PubKey()] + (rng() % 8 == 0 ? 1 : 0);
                Transaction tx =
                    rng() % 6 == 0
                        ? MakeRegisterDevice(from, TestKey(5000 + rng() % 20), kDeviceUptime, nonce)
                        : MakeTransfer(from, TestKey(1000 + rng() % (kAccounts + 3)).PubKey(),
                                       1 + rng() % (8 * kCoin), 1000 + rng() % 5000, nonce);
                if (!CheckTransaction(tx, Dev()) || !exec->Add(tx)) continue;
                ++nonces[from.PubKey()];
                kept.push_back(std::move(tx));
            }
        }
        // One block on one overlay.
        StateOverlay whole(chain);
        SignatureBatch sigs;
        BOOST_REQUIRE(ApplyBlock(tc.ctx, BlockOf(tc, kept), whole, sigs));
        BOOST_REQUIRE(!sigs.FirstFailure());
        MapState expected = chain;
        expected.Apply(whole.Changes());
        // The same, committed after every step.
        MapState stepwise = chain;
        for (const Transaction& tx : kept) {
            StateOverlay fresh(stepwise);
            BOOST_REQUIRE(ApplyTransaction(tc.ctx, tx, fresh));
            stepwise.Apply(fresh.Changes());
        }
        {
            StateOverlay edges(stepwise);
            AlreadyVerified none;
            auto exec = BlockExecution::Begin(tc.ctx, ParentCommit(tc), edges, none);
            BOOST_REQUIRE(exec && std::move(*exec).End());
            stepwise.Apply(edges.Changes());
        }
        BOOST_REQUIRE_MESSAGE(stepwise.values == expected.values, "height " << height);
        chain = std::move(expected);
    }
}

BOOST_AUTO_TEST_CASE(supply_and_nonces_hold_at_every_height) {
    // Random blocks of transfers and device registrations, many of them
    // failing: at every height the balances, locked and burned amounts add up
    // to genesis + minted, and every account's nonce is the number of its
    // transactions that were included.
    std::mt19937_64 rng(0x6d61696c6c6f6e03ULL);
    constexpr size_t kAccounts = 8;
    MapState chain = FundedState(kAccounts, 30 * kCoin);
    std::set<XOnlyPubKey> addresses = {DevKey().PubKey()};
    for (size_t i = 0; i < kAccounts + 4; ++i)
        addresses.insert(TestKey(1000 + i).PubKey());
    const Amount genesis = GetSupply(chain)->genesis;
    BOOST_REQUIRE_EQUAL(Accounted(chain), genesis);
    std::map<XOnlyPubKey, uint64_t> included;
    std::map<std::string, int> outcomes;
    for (uint64_t height = 1; height <= 40; ++height) {
        TestBlockContext tc(height);
        StateOverlay ov(chain);
        AlreadyVerified sigs;
        auto exec = BlockExecution::Begin(tc.ctx, ParentCommit(tc), ov, sigs);
        BOOST_REQUIRE(exec);
        for (int i = 0; i < 20; ++i) {
            const PrivKey from = TestKey(1000 + rng() % (kAccounts + 4));
            const Account acct = *GetAccount(ov, from.PubKey());
            const uint64_t nonce =
                rng() % 10 == 0 ? acct.nonce + 1 : (rng() % 10 == 0 && acct.nonce ? 0 : acct.nonce);
            const Transaction tx =
                rng() % 5 == 0
                    ? MakeRegisterDevice(from, TestKey(6000 + rng() % 30), kDeviceStorage, nonce)
                    : MakeTransfer(from, TestKey(1000 + rng() % (kAccounts + 4)).PubKey(),
                                   1 + rng() % (acct.balance + acct.balance / 3 + 1),
                                   1000 + rng() % 3000, nonce);
            Status st = CheckTransaction(tx, Dev());
            if (st) st = exec->Add(tx);
            ++outcomes[Code(st)];
            if (st) ++included[from.PubKey()];
        }
        BOOST_REQUIRE(std::move(*exec).End());
        chain.Apply(ov.Changes());
        BOOST_REQUIRE_MESSAGE(Accounted(chain) == genesis, "height " << height);
        for (const XOnlyPubKey& a : addresses)
            BOOST_REQUIRE_EQUAL(GetAccount(chain, a)->nonce, included[a]);
    }
    BOOST_CHECK_GT(GetSupply(chain)->locked, GetSupply(test::DevGenesisState())->locked);
    // The run went down every path, not just the happy one.
    BOOST_CHECK_GT(outcomes["ok"], 200);
    BOOST_CHECK_GT(outcomes["insufficient-funds"], 10);
    BOOST_CHECK_GT(outcomes["nonce-too-high"], 10);
    BOOST_CHECK_GT(outcomes["device-already-registered"], 5);
}

BOOST_AUTO_TEST_SUITE_END()
