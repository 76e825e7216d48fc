// Mempool entry rules, replacement, limits, block selection order and
// removal of transactions made stale by a new tip.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "chain/mempool.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

constexpr size_t kTxBytes = 160;  // serialized size of a transfer

using maillon::test::AccountState;
using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::MapState;
using maillon::test::TestKey;

XOnlyPubKey Sink() {
    static const XOnlyPubKey k = TestKey(999).PubKey();
    return k;
}

// A transfer from `from` to Sink().
Transaction Transfer(const PrivKey& from, uint64_t nonce, Amount fee = 1000, Amount amount = 100) {
    return test::MakeTransfer(from, Sink(), amount, fee, nonce);
}

constexpr uint64_t kNow = 1'800'000'000'000;

// A tip at height 0 whose state is `state` (not owned: it must outlive the
// source, and may change between calls, as a chain's tip does).
class StateTip : public TipSource {
public:
    explicit StateTip(const StateReader& state) : m_state(state) {}
    TipView CurrentTip() const override {
        auto recent = std::make_shared<RecentBlockHashes>();
        recent->Push(0, Dev().genesis_hash, 1);
        return TipView(0, Dev().genesis_time_ms, recent,
                       std::shared_ptr<const StateReader>(&m_state, [](const StateReader*) {}));
    }

private:
    const StateReader& m_state;
};

StateTip Tip(const StateReader& state) {
    return StateTip(state);
}

struct Fixture {
    Fixture() {
        for (uint32_t i = 0; i < 6; ++i) {
            keys.push_back(TestKey(i));
            state.accounts[keys.back().PubKey()].balance = 1'000'000;
        }
    }
    std::vector<PrivKey> keys;
    AccountState state;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(mempool_tests, Fixture)

BOOST_AUTO_TEST_CASE(accepts_valid_transaction) {
    Mempool pool(Dev(), MempoolLimits{});
    const Transaction tx = Transfer(keys[0], 0);
    BOOST_CHECK(!pool.Get(tx.Id()));
    auto r = pool.Add(tx, Tip(state), kNow);
    BOOST_REQUIRE_MESSAGE(r, Code(r));
    BOOST_CHECK(*r == tx.Id());
    auto got = pool.Get(tx.Id());
    BOOST_REQUIRE(got);
    BOOST_CHECK(got->Serialize() == tx.Serialize());
    BOOST_CHECK_EQUAL(pool.PendingCount(keys[0].PubKey()), 1U);
    BOOST_CHECK_EQUAL(pool.PendingCount(keys[1].PubKey()), 0U);
    const MempoolInfo info = pool.Info();
    BOOST_CHECK_EQUAL(info.size, 1U);
    BOOST_CHECK_EQUAL(info.bytes, kTxBytes);
    BOOST_CHECK_EQUAL(info.max_bytes, MempoolLimits{}.max_bytes);
    BOOST_CHECK_EQUAL(info.senders, 1U);

    // A second sender and a second nonce.
    BOOST_REQUIRE(pool.Add(Transfer(keys[0], 1), Tip(state), kNow));
    BOOST_REQUIRE(pool.Add(Transfer(keys[1], 0), Tip(state), kNow));
    BOOST_CHECK_EQUAL(pool.PendingCount(keys[0].PubKey()), 2U);
    BOOST_CHECK_EQUAL(pool.Info().size, 3U);
    BOOST_CHECK_EQUAL(pool.Info().bytes, 3 * kTxBytes);
    BOOST_CHECK_EQUAL(pool.Info().senders, 2U);
}

BOOST_AUTO_TEST_CASE(rejects_duplicate_replay_and_gap) {
    Mempool pool(Dev(), MempoolLimits{});
    const Transaction tx = Transfer(keys[0], 0);
    BOOST_REQUIRE(pool.Add(tx, Tip(state), kNow));
    BOOST_CHECK_EQUAL(Code(pool.Add(tx, Tip(state), kNow)), "already-in-mempool");

    // Replay: below the account nonce.
    state.accounts[keys[1].PubKey()].nonce = 3;
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[1], 2), Tip(state), kNow)), "nonce-too-low");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[1], 0), Tip(state), kNow)), "nonce-too-low");
    // Gap: above account nonce + pending.
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[1], 4), Tip(state), kNow)), "nonce-gap");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 2), Tip(state), kNow)), "nonce-gap");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[1], 3), Tip(state), kNow)), "ok");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[1], 4), Tip(state), kNow)), "ok");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 1), Tip(state), kNow)), "ok");
    BOOST_CHECK_EQUAL(pool.Info().size, 4U);
    // Both nonce errors name the same next nonce: the account's, plus what is pending.
    auto low = pool.Add(Transfer(keys[1], 1), Tip(state), kNow);
    BOOST_REQUIRE(!low);
    BOOST_CHECK_EQUAL(low.error().message,
                      "nonce 1 was already used; the next nonce for this sender is 5");
    auto gap = pool.Add(Transfer(keys[1], 9), Tip(state), kNow);
    BOOST_REQUIRE(!gap);
    BOOST_CHECK_EQUAL(gap.error().message,
                      "nonce 9 leaves a gap; the next nonce for this sender is 5");
}

BOOST_AUTO_TEST_CASE(rejects_invalid_transactions) {
    Mempool pool(Dev(), MempoolLimits{});
    const Transaction bad = Transfer(keys[0], 0).Sign(0, keys[1]);
    BOOST_CHECK_EQUAL(Code(pool.Add(bad, Tip(state), kNow)), "bad-signature");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 0, 999), Tip(state), kNow)), "fee-too-low");
    const Transaction wrong_chain = test::MakeTransfer(keys[0], Sink(), 100, 1000, 0, 2);
    BOOST_CHECK_EQUAL(Code(pool.Add(wrong_chain, Tip(state), kNow)), "wrong-chain");
    // Policy refusals are of kind policy, rule violations of kind invalid.
    BOOST_REQUIRE_EQUAL(Code(pool.Add(Transfer(keys[0], 0), Tip(state), kNow)), "ok");
    auto gap = pool.Add(Transfer(keys[0], 5), Tip(state), kNow);
    BOOST_REQUIRE(!gap);
    BOOST_CHECK(gap.error().kind == ErrorKind::kPolicy);
    BOOST_CHECK(pool.Add(bad, Tip(state), kNow).error().kind == ErrorKind::kInvalid);
    BOOST_CHECK_EQUAL(pool.Info().size, 1U);
}

BOOST_AUTO_TEST_CASE(insufficient_funds_across_pending) {
    Mempool pool(Dev(), MempoolLimits{});
    // Enough for exactly three transactions of 10'000 + 1'000.
    state.accounts[keys[0].PubKey()].balance = 33'000;
    for (uint64_t n = 0; n < 3; ++n) {
        BOOST_REQUIRE_EQUAL(Code(pool.Add(Transfer(keys[0], n, 1000, 10'000), Tip(state), kNow)),
                            "ok");
    }
    auto r = pool.Add(Transfer(keys[0], 3, 1000, 1), Tip(state), kNow);
    BOOST_CHECK_EQUAL(Code(r), "insufficient-funds");
    BOOST_CHECK_EQUAL(pool.PendingCount(keys[0].PubKey()), 3U);

    // A replacement counts instead of the one it replaces: a higher fee that
    // costs more does not fit ...
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 1, 1001, 10'000), Tip(state), kNow)),
                      "insufficient-funds");
    // ... one with a higher fee and a smaller amount does.
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 1, 2000, 9'000), Tip(state), kNow)), "ok");
    BOOST_CHECK_EQUAL(pool.PendingCount(keys[0].PubKey()), 3U);

    // A single transaction above the balance.
    state.accounts[keys[1].PubKey()].balance = 5'000;
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[1], 0, 1000, 4'001), Tip(state), kNow)),
                      "insufficient-funds");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[1], 0, 1000, 4'000), Tip(state), kNow)), "ok");
}

BOOST_AUTO_TEST_CASE(replacement_by_fee) {
    Mempool pool(Dev(), MempoolLimits{});
    const Transaction first = Transfer(keys[0], 0, 2000);
    const Transaction second = Transfer(keys[0], 1, 2000);
    BOOST_REQUIRE(pool.Add(first, Tip(state), kNow));
    BOOST_REQUIRE(pool.Add(second, Tip(state), kNow));

    // Equal or lower fee: rejected, the original stays.
    const Transaction equal = Transfer(keys[0], 0, 2000, 101);
    BOOST_CHECK_EQUAL(Code(pool.Add(equal, Tip(state), kNow)), "replacement-fee-too-low");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 0, 1500, 101), Tip(state), kNow)),
                      "replacement-fee-too-low");
    BOOST_CHECK(pool.Get(first.Id()));
    BOOST_CHECK(!pool.Get(equal.Id()));

    // Strictly higher: replaces.
    const Transaction higher = Transfer(keys[0], 0, 2001);
    BOOST_REQUIRE_EQUAL(Code(pool.Add(higher, Tip(state), kNow)), "ok");
    BOOST_CHECK(!pool.Get(first.Id()));
    BOOST_CHECK(pool.Get(higher.Id()));
    BOOST_CHECK(pool.Get(second.Id()));
    BOOST_CHECK_EQUAL(pool.PendingCount(keys[0].PubKey()), 2U);
    BOOST_CHECK_EQUAL(pool.Info().size, 2U);
    BOOST_CHECK_EQUAL(pool.Info().bytes, 2 * kTxBytes);

    // The replaced transaction may come back only by outbidding again.
    BOOST_CHECK_EQUAL(Code(pool.Add(first, Tip(state), kNow)), "replacement-fee-too-low");
    const auto selected = pool.Select(10, 0);
    BOOST_REQUIRE_EQUAL(selected.size(), 2U);
    BOOST_CHECK(selected[0].Id() == higher.Id());
    BOOST_CHECK(selected[1].Id() == second.Id());
}

BOOST_AUTO_TEST_CASE(per_sender_limit) {
    MempoolLimits limits;
    limits.max_per_sender = 3;
    Mempool pool(Dev(), limits);
    for (uint64_t n = 0; n < 3; ++n)
        BOOST_REQUIRE(pool.Add(Transfer(keys[0], n), Tip(state), kNow));
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 3), Tip(state), kNow)), "too-many-pending");
    // Replacing within the limit is still allowed, and other senders are unaffected.
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 2, 5000), Tip(state), kNow)), "ok");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[1], 0), Tip(state), kNow)), "ok");
    BOOST_CHECK_EQUAL(pool.PendingCount(keys[0].PubKey()), 3U);
}

BOOST_AUTO_TEST_CASE(byte_limit) {
    MempoolLimits limits;
    limits.max_bytes = 2 * kTxBytes;
    Mempool pool(Dev(), limits);
    BOOST_REQUIRE(pool.Add(Transfer(keys[0], 0), Tip(state), kNow));
    BOOST_REQUIRE(pool.Add(Transfer(keys[1], 0), Tip(state), kNow));
    BOOST_CHECK_EQUAL(pool.Info().bytes, 2 * kTxBytes);
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[2], 0), Tip(state), kNow)), "mempool-full");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 1), Tip(state), kNow)), "mempool-full");
    // A same-size replacement fits in a full pool.
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 0, 3000), Tip(state), kNow)), "ok");
    BOOST_CHECK_EQUAL(pool.Info().bytes, 2 * kTxBytes);
    BOOST_CHECK_EQUAL(pool.Info().size, 2U);
    // Space freed by a new tip is usable again.
    state.accounts[keys[1].PubKey()].nonce = 1;
    pool.RemoveStale({keys[1].PubKey()}, state);
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[2], 0), Tip(state), kNow)), "ok");
}

BOOST_AUTO_TEST_CASE(select_orders_by_fee_keeping_nonce_order) {
    Mempool pool(Dev(), MempoolLimits{});
    const PrivKey &a = keys[0], &b = keys[1], &c = keys[2];
    const Transaction a0 = Transfer(a, 0, 5000), a1 = Transfer(a, 1, 9000);
    const Transaction b0 = Transfer(b, 0, 7000), b1 = Transfer(b, 1, 1000);
    const Transaction c0 = Transfer(c, 0, 6000);
    for (const Transaction* tx : {&a0, &a1, &b0, &b1, &c0})
        BOOST_REQUIRE(pool.Add(*tx, Tip(state), kNow));

    // a1 pays the most but must wait for a0; b1 pays the least.
    const std::vector<Hash256> expect{b0.Id(), c0.Id(), a0.Id(), a1.Id(), b1.Id()};
    const auto all = pool.Select(100, 0);
    BOOST_REQUIRE_EQUAL(all.size(), expect.size());
    for (size_t i = 0; i < expect.size(); ++i) {
        BOOST_CHECK_MESSAGE(all[i].Id() == expect[i], "position " << i);
    }
    const auto three = pool.Select(3, 0);
    BOOST_REQUIRE_EQUAL(three.size(), 3U);
    for (size_t i = 0; i < 3; ++i)
        BOOST_CHECK(three[i].Id() == expect[i]);
    BOOST_CHECK(pool.Select(0, 0).empty());
    // Select does not remove anything.
    BOOST_CHECK_EQUAL(pool.Info().size, 5U);

    // Equal fees: the smaller id first.
    Mempool ties(Dev(), MempoolLimits{});
    const Transaction d0 = Transfer(keys[3], 0, 4000), e0 = Transfer(keys[4], 0, 4000);
    BOOST_REQUIRE(ties.Add(d0, Tip(state), kNow));
    BOOST_REQUIRE(ties.Add(e0, Tip(state), kNow));
    const auto tied = ties.Select(2, 0);
    BOOST_REQUIRE_EQUAL(tied.size(), 2U);
    const Hash256 first = std::min(d0.Id(), e0.Id());
    BOOST_CHECK(tied[0].Id() == first);
    BOOST_CHECK(tied[1].Id() != first);
}

BOOST_AUTO_TEST_CASE(select_random_pool_is_greedy_and_never_skips) {
    std::mt19937_64 rng(20260101);
    Mempool pool(Dev(), MempoolLimits{});
    std::map<XOnlyPubKey, uint64_t> next;
    for (const PrivKey& k : keys) {
        const uint64_t base = rng() % 5;
        state.accounts[k.PubKey()].nonce = base;
        next[k.PubKey()] = base;
    }
    // What the pool must hold: by payer and nonce, the transaction that won.
    std::map<std::pair<XOnlyPubKey, uint64_t>, Transaction> expected;
    int replaced = 0, refused = 0;
    for (int i = 0; i < 120; ++i) {
        const PrivKey& k = keys[rng() % keys.size()];
        uint64_t& n = next[k.PubKey()];
        if (n > state.accounts[k.PubKey()].nonce && rng() % 5 == 0) {
            // Replace a pending one: only a strictly higher fee replaces it.
            const uint64_t pending =
                state.accounts[k.PubKey()].nonce + rng() % (n - state.accounts[k.PubKey()].nonce);
            const Transaction tx = Transfer(k, pending, 1000 + rng() % 20'000);
            Transaction& current = expected.at({k.PubKey(), pending});
            const auto added = pool.Add(tx, Tip(state), kNow);
            BOOST_TEST_CONTEXT("nonce " << pending << ", fee " << tx.Fee() << " over "
                                        << current.Fee()) {
                if (tx.Fee() > current.Fee()) {
                    BOOST_REQUIRE_EQUAL(Code(added), "ok");
                    BOOST_CHECK(pool.ReplacedBy(current.Id()) == tx.Id());
                    BOOST_CHECK(!pool.Get(current.Id()));
                    current = tx;
                    ++replaced;
                } else {
                    BOOST_REQUIRE_EQUAL(Code(added), "replacement-fee-too-low");
                    BOOST_CHECK(!pool.Get(tx.Id()));
                    ++refused;
                }
            }
            continue;
        }
        const Transaction tx = Transfer(k, n, 1000 + rng() % 10'000);
        BOOST_REQUIRE(pool.Add(tx, Tip(state), kNow));
        expected.emplace(std::make_pair(k.PubKey(), n), tx);
        ++n;
    }
    // The seed exercises both outcomes.
    BOOST_CHECK_GT(replaced, 0);
    BOOST_CHECK_GT(refused, 0);
    const auto selected = pool.Select(1000, 0);
    BOOST_REQUIRE_EQUAL(selected.size(), expected.size());
    BOOST_REQUIRE_EQUAL(pool.Info().size, expected.size());
    // Exactly the winners are selected: each replacement in place of the one
    // it replaced, no refused one.
    for (const Transaction& tx : selected)
        BOOST_CHECK(expected.at({tx.Payer(), tx.Nonce()}).Id() == tx.Id());

    // Replay the greedy rule: each pick is the highest-fee next transaction
    // among all senders, and each sender's nonces come in order with no gap.
    std::map<XOnlyPubKey, uint64_t> expected_nonce;
    for (const PrivKey& k : keys)
        expected_nonce[k.PubKey()] = state.accounts[k.PubKey()].nonce;
    std::map<XOnlyPubKey, std::vector<Transaction>> remaining;
    for (const Transaction& tx : selected)
        remaining[tx.Payer()].push_back(tx);
    std::map<XOnlyPubKey, size_t> cursor;
    for (const Transaction& tx : selected) {
        BOOST_REQUIRE_EQUAL(tx.Nonce(), expected_nonce[tx.Payer()]);
        ++expected_nonce[tx.Payer()];
        for (const auto& [sender, list] : remaining) {
            const size_t i = cursor[sender];
            if (i < list.size()) BOOST_REQUIRE_LE(list[i].Fee(), tx.Fee());
        }
        ++cursor[tx.Payer()];
    }
    for (const PrivKey& k : keys)
        BOOST_CHECK_EQUAL(expected_nonce[k.PubKey()], next[k.PubKey()]);
}

BOOST_AUTO_TEST_CASE(remove_stale) {
    Mempool pool(Dev(), MempoolLimits{});
    std::vector<Transaction> a;
    for (uint64_t n = 0; n < 4; ++n) {
        a.push_back(Transfer(keys[0], n));
        BOOST_REQUIRE(pool.Add(a.back(), Tip(state), kNow));
    }
    const Transaction b0 = Transfer(keys[1], 0);
    BOOST_REQUIRE(pool.Add(b0, Tip(state), kNow));

    // A block included a0 and a1, and b0, but only keys[0] is reported.
    state.accounts[keys[0].PubKey()].nonce = 2;
    state.accounts[keys[1].PubKey()].nonce = 1;
    pool.RemoveStale({keys[0].PubKey()}, state);
    BOOST_CHECK(!pool.Get(a[0].Id()));
    BOOST_CHECK(!pool.Get(a[1].Id()));
    BOOST_CHECK(pool.Get(a[2].Id()));
    BOOST_CHECK(pool.Get(a[3].Id()));
    BOOST_CHECK(pool.Get(b0.Id()));  // not listed, not touched
    BOOST_CHECK_EQUAL(pool.PendingCount(keys[0].PubKey()), 2U);
    BOOST_CHECK_EQUAL(pool.Info().size, 3U);
    BOOST_CHECK_EQUAL(pool.Info().bytes, 3 * kTxBytes);

    pool.RemoveStale({keys[1].PubKey(), keys[5].PubKey()}, state);
    BOOST_CHECK(!pool.Get(b0.Id()));
    BOOST_CHECK_EQUAL(pool.Info().senders, 1U);

    // The next nonce continues after the pending ones.
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 4), Tip(state), kNow)), "ok");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(keys[0], 6), Tip(state), kNow)), "nonce-gap");
    const auto sel = pool.Select(10, 0);
    BOOST_REQUIRE_EQUAL(sel.size(), 3U);
    BOOST_CHECK_EQUAL(sel[0].Nonce(), 2U);
    BOOST_CHECK_EQUAL(sel[1].Nonce(), 3U);
    BOOST_CHECK_EQUAL(sel[2].Nonce(), 4U);
}

// The tip can move between a block's commit and the RemoveStale that follows
// it (the block producer does them in that order, RPC adds run concurrently).
// Entries the tip already made stale must not shift the expected next nonce
// or count against the balance.
BOOST_AUTO_TEST_CASE(add_before_remove_stale) {
    Mempool pool(Dev(), MempoolLimits{});
    const PrivKey& k = keys[0];
    state.accounts[k.PubKey()].balance = 3 * 1100;
    BOOST_REQUIRE(pool.Add(Transfer(k, 0, 1000), Tip(state), kNow));
    BOOST_REQUIRE(pool.Add(Transfer(k, 1, 1000), Tip(state), kNow));

    // A block mined nonce 0: one fee + amount left the balance.
    state.accounts[k.PubKey()].nonce = 1;
    state.accounts[k.PubKey()].balance = 2 * 1100;

    // Nonce 2 follows the still-pending nonce 1 and is affordable.
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(k, 2, 1000), Tip(state), kNow)), "ok");
    // Nonce 4 would leave a gap; nonce 3 is next but the balance is spoken for.
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(k, 4, 1000, 1), Tip(state), kNow)), "nonce-gap");
    BOOST_CHECK_EQUAL(Code(pool.Add(Transfer(k, 3, 1000, 1), Tip(state), kNow)),
                      "insufficient-funds");

    pool.RemoveStale({k.PubKey()}, state);
    BOOST_CHECK_EQUAL(pool.PendingCount(k.PubKey()), 2U);
    const auto sel = pool.Select(10, 0);
    BOOST_REQUIRE_EQUAL(sel.size(), 2U);
    BOOST_CHECK_EQUAL(sel[0].Nonce(), 1U);
    BOOST_CHECK_EQUAL(sel[1].Nonce(), 2U);
}

BOOST_AUTO_TEST_CASE(state_rules_apply_at_entry) {
    // Beyond nonces and funds, a transaction must pass its type's own state
    // rules on top of the payer's pending ones: a second registration of the
    // same device is refused at once, rather than left to block every later
    // transaction of its owner.
    MapState chain = test::DevGenesisState();
    const PrivKey owner = keys[0], other = keys[1], device = TestKey(77);
    chain.SetAccount(owner.PubKey(), Account{100 * kCoin, 0, 0});
    chain.SetAccount(other.PubKey(), Account{100 * kCoin, 0, 0});
    Mempool pool(Dev(), MempoolLimits{});
    BOOST_REQUIRE_EQUAL(
        Code(pool.Add(test::MakeRegisterDevice(owner, device, 1, 0), Tip(chain), kNow)), "ok");
    BOOST_CHECK_EQUAL(
        Code(pool.Add(test::MakeRegisterDevice(owner, device, 1, 1), Tip(chain), kNow)),
        "device-already-registered");
    // Another owner's registration of the same device is only refused once
    // the first is in the chain; then assembly reports it, and the mempool
    // drops it with every later transaction of that owner.
    const Transaction late = test::MakeRegisterDevice(other, device, 1, 0);
    const Transaction after = test::MakeTransfer(other, Sink(), 100, 1000, 1);
    BOOST_REQUIRE_EQUAL(Code(pool.Add(late, Tip(chain), kNow)), "ok");
    BOOST_REQUIRE_EQUAL(Code(pool.Add(after, Tip(chain), kNow)), "ok");
    BOOST_CHECK_EQUAL(pool.Info().size, 3U);
    pool.RemoveWithDescendants({late.Id()});
    BOOST_CHECK_EQUAL(pool.Info().size, 1U);
    BOOST_CHECK(!pool.Get(after.Id()));
    BOOST_CHECK_EQUAL(pool.PendingCount(other.PubKey()), 0U);
    BOOST_CHECK_EQUAL(pool.PendingCount(owner.PubKey()), 1U);
}

BOOST_AUTO_TEST_SUITE_END()
