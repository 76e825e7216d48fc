// Rewards (doc/protocol.md §11): the arithmetic (emission, pools, shares,
// caps) at ordinary and extreme values, the worked example of §11.5 to the
// base unit, and the invariants over many random epochs of the state steps
// (close, accrue, settle, claim): what a pool pays never exceeds it, zero
// units earn zero, a new contributor never raises another's reward, an
// owner gains nothing by splitting its units across devices, and every
// closed epoch's emission is paid, not minted or still owed, with the
// supply invariant holding throughout.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "consensus/contribution_records.h"
#include "consensus/epoch_rewards.h"
#include "consensus/records.h"
#include "consensus/reward_records.h"
#include "consensus/rewards.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using namespace maillon::test;

const RewardParams& R() {
    return Dev().rewards;
}

// A state with the dev genesis, where the steps run as blocks would run them.
struct Ledger {
    MapState state = DevGenesisState();

    void Step(const std::function<Status(StateOverlay&)>& step) {
        StateOverlay ov(state);
        Status st = step(ov);
        BOOST_REQUIRE_MESSAGE(st, ErrorText(st));
        state.Apply(std::move(ov).TakeChanges());
    }
    // An attestation's units: the device's (and epoch's) and its owner's.
    void Prove(const XOnlyPubKey& device, const XOnlyPubKey& owner, uint64_t epoch,
               const ContributionUnits& u) {
        Step([&](StateOverlay& ov) {
            Status st = CreditContribution(ov, device, epoch, u);
            if (!st) return st;
            OwnerUnits o{u.uptime_intervals, u.bandwidth_bytes, u.storage_byte_epochs,
                         u.bandwidth_bytes ? u.credits_burned : 0,
                         u.storage_byte_epochs ? u.credits_burned : 0};
            return AccrueOwnerUnits(ov, Dev(), owner, epoch, o);
        });
    }
    void Close(uint64_t epoch) {
        Step([&](StateOverlay& ov) { return CloseEpoch(ov, Dev(), epoch); });
    }
    Amount Claim(const XOnlyPubKey& owner, uint64_t epoch) {
        Amount paid = 0;
        Step([&](StateOverlay& ov) -> Status {
            auto r = ClaimRewards(ov, Dev(), owner, epoch);
            if (!r) return r.error();
            paid = *r;
            return Status::Ok();
        });
        return paid;
    }
    Amount Balance(const XOnlyPubKey& a) const { return state.AccountAt(a).balance; }
    EpochRewards Epoch(uint64_t e) const { return **GetEpochRewards(state, e); }
    RewardTotals Totals() const { return *GetRewardTotals(state); }
    Supply GetSupplyRecord() const { return *GetSupply(state); }

    // Sum of balances + locked + burned = genesis + minted.
    bool SupplyHolds() const {
        const Supply s = GetSupplyRecord();
        Amount balances = 0;
        for (const auto& [key, value] : state.values) {
            if (value.size() != 25) continue;  // accounts are the only 25-byte records
            balances += Account::Decode(value)->balance;
        }
        return balances + s.locked + s.burned == s.genesis + s.minted;
    }
};

ContributionUnits Uptime(uint64_t n) {
    ContributionUnits u;
    u.uptime_intervals = n;
    return u;
}

ContributionUnits Bandwidth(uint64_t bytes, uint64_t credits) {
    ContributionUnits u;
    u.bandwidth_bytes = bytes;
    u.credits_burned = credits;
    return u;
}

XOnlyPubKey Key(uint32_t n) {
    return TestKey(n).PubKey();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rewards_tests)

BOOST_AUTO_TEST_CASE(emission_halves_and_never_passes_the_cap) {
    BOOST_CHECK_EQUAL(ScheduledEmission(R(), 0), 1'000 * kCoin);
    BOOST_CHECK_EQUAL(ScheduledEmission(R(), 99), 1'000 * kCoin);
    BOOST_CHECK_EQUAL(ScheduledEmission(R(), 100), 500 * kCoin);
    BOOST_CHECK_EQUAL(ScheduledEmission(R(), 250), 250 * kCoin);
    BOOST_CHECK_EQUAL(ScheduledEmission(R(), 64 * 100), 0U);
    BOOST_CHECK_EQUAL(ScheduledEmission(R(), UINT64_MAX), 0U);
    BOOST_CHECK_EQUAL(EpochEmission(R(), 0, R().max_supply - 5), 5U);
    BOOST_CHECK_EQUAL(EpochEmission(R(), 0, R().max_supply), 0U);
    BOOST_CHECK_EQUAL(EpochEmission(R(), 0, UINT64_MAX), 0U);
    // Everything the schedule can ever emit on each network fits under the cap.
    for (Network n : {Network::kMain, Network::kTest, Network::kDev}) {
        const ChainParams& p = GetParams(n);
        uint64_t bps = 0;
        for (uint64_t b : p.rewards.pool_bps)
            bps += b;
        BOOST_CHECK_EQUAL(bps, kBasisPoints);
        BOOST_CHECK_LE(p.rewards.owner_cap_bps, kBasisPoints);
        BOOST_CHECK_GE(p.rewards.halving_epochs, 1U);  // divisors of §11
        BOOST_CHECK_GE(p.credits_per_unit, 1U);
        BOOST_CHECK_LT(p.rewards.max_supply, uint64_t{1} << 53);
        unsigned __int128 total = 0;
        for (uint64_t h = 0; h < 64; ++h)
            total += static_cast<unsigned __int128>(p.rewards.initial_epoch_emission >> h) *
                     p.rewards.halving_epochs;
        Amount genesis = 0;
        for (const auto& a : p.genesis_allocations)
            genesis += a.amount;
        for (const auto& v : p.genesis_validators)
            genesis += v.power;
        BOOST_CHECK(total + genesis <= p.rewards.max_supply);
    }
}

BOOST_AUTO_TEST_CASE(arithmetic_never_overflows_at_the_largest_values) {
    BOOST_CHECK_EQUAL(*MulDiv(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
    BOOST_CHECK(!MulDiv(UINT64_MAX, 2, 1));
    RewardParams big = R();
    big.owner_cap_bps = kBasisPoints;
    const PoolAmounts pools = SplitEmission(big, UINT64_MAX);
    BOOST_CHECK_EQUAL(pools[1], UINT64_MAX / 10 * 3 + (UINT64_MAX % 10) * 3 / 10);
    const Share s = ComputeShare({UINT64_MAX, UINT64_MAX, UINT64_MAX - 1, UINT64_MAX, {}});
    BOOST_CHECK_EQUAL(s.pro_rata, UINT64_MAX - 1);
    BOOST_CHECK_EQUAL(s.paid, UINT64_MAX - 1);
    // More units than the total (never in a valid state) still pays at most the pool.
    BOOST_CHECK_EQUAL(ComputeShare({100, 10, 20, 1000, {}}).pro_rata, 100U);
    const ValidatorReward v = ComputeValidatorReward(R().max_supply, uint64_t{1} << 60,
                                                     uint64_t{1} << 60, UINT64_MAX, UINT64_MAX);
    BOOST_CHECK_EQUAL(v.paid, R().max_supply);
    BOOST_CHECK_EQUAL(ComputeValidatorReward(1000, 1, 3, 5, 0).paid, 0U);
}

BOOST_AUTO_TEST_CASE(zero_units_earn_zero_and_caps_bind) {
    BOOST_CHECK(ComputeShare({1000, 10, 0, 1000, {}}) == (Share{0, 1000, std::nullopt, 0}));
    BOOST_CHECK_EQUAL(ComputeShare({1000, 10, 7, 500, {}}).paid, 500U);
    BOOST_CHECK_EQUAL(ComputeShare({1000, 10, 7, 1000, Amount{3}}).paid, 3U);
    BOOST_CHECK_EQUAL(ComputeShare({1000, 3, 1, 1000, {}}).pro_rata, 333U);
}

BOOST_AUTO_TEST_CASE(the_worked_example) {
    // doc/protocol.md §11.5, to the base unit.
    Ledger l;
    const XOnlyPubKey a = Key(21), b = Key(22), c = Key(23);
    l.Prove(Key(31), a, 3, Uptime(3));
    l.Prove(Key(32), a, 3, Uptime(1));  // A's second device: one cap for both
    l.Prove(Key(33), b, 3, Uptime(2));
    l.Prove(Key(34), c, 3, Uptime(1));
    l.Prove(Key(31), a, 3, Bandwidth(300'000, 293));
    l.Prove(Key(33), b, 3, Bandwidth(700'000, 684));
    EpochSigners signers{60, {{DevKey().PubKey(), 54}}};
    l.Step([&](StateOverlay& ov) { return PutEpochSigners(ov, 3, signers); });
    const Amount validator_before = l.Balance(DevKey().PubKey());
    l.Close(3);

    EpochRewards e = l.Epoch(3);
    BOOST_CHECK_EQUAL(e.emission, 100'000'000'000U);
    BOOST_CHECK(e.pools ==
                (PoolAmounts{20'000'000'000, 30'000'000'000, 30'000'000'000, 20'000'000'000}));
    BOOST_CHECK_EQUAL(e.paid[0], 18'000'000'000U);
    BOOST_CHECK_EQUAL(l.Balance(DevKey().PubKey()) - validator_before, 18'000'000'000U);
    // At the close: the validators' missed part and the empty storage pool.
    BOOST_CHECK_EQUAL(e.not_minted, 2'000'000'000U + 30'000'000'000U);
    BOOST_CHECK_EQUAL(l.Totals().owed, 50'000'000'000U);

    BOOST_CHECK_EQUAL(l.Claim(a, 4), 10'000'000'000U + 293U);
    BOOST_CHECK_EQUAL(l.Claim(b, 4), 5'714'285'714U + 684U);
    BOOST_CHECK_EQUAL(l.Claim(c, 4), 2'857'142'857U);
    e = l.Epoch(3);
    BOOST_CHECK(e.paid == (PoolAmounts{18'000'000'000, 977, 0, 18'571'428'571}));
    BOOST_CHECK_EQUAL(e.not_minted, 63'428'570'452U);
    BOOST_CHECK_EQUAL(e.paid[0] + e.paid[1] + e.paid[2] + e.paid[3], 36'571'429'548U);
    BOOST_CHECK_EQUAL(l.Totals().owed, 0U);
    BOOST_CHECK_EQUAL(l.Totals().not_minted, e.not_minted);
    BOOST_CHECK_EQUAL(l.GetSupplyRecord().minted, 36'571'429'548U);
    BOOST_CHECK(l.SupplyHolds());
    // Nothing is owed twice.
    StateOverlay again(l.state);
    BOOST_CHECK_EQUAL(Code(ClaimRewards(again, Dev(), a, 4)), "nothing-to-claim");
}

BOOST_AUTO_TEST_CASE(units_of_a_later_epoch_settle_the_earlier_one) {
    Ledger l;
    const XOnlyPubKey owner = Key(40), device = Key(41);
    l.Prove(device, owner, 0, Uptime(2));
    l.Close(0);
    const Amount before = l.Balance(owner);
    // An open epoch is not claimable.
    l.Prove(device, owner, 1, Uptime(1));
    const Amount paid = l.Balance(owner) - before;
    BOOST_CHECK_EQUAL(paid, OwnerCap(R(), l.Epoch(0).pools[3]));  // alone: the owner cap
    BOOST_CHECK_EQUAL(**GetRewardCursor(l.state, owner), 1U);
    StateOverlay probe(l.state);
    BOOST_CHECK_EQUAL(Code(ClaimRewards(probe, Dev(), owner, 1)), "nothing-to-claim");
    l.Close(1);
    BOOST_CHECK_GT(l.Claim(owner, 2), 0U);
    BOOST_CHECK(!*GetRewardCursor(l.state, owner));
}

BOOST_AUTO_TEST_CASE(only_signers_in_the_paid_set_are_counted) {
    // A certificate signed by a set that the validators record no longer
    // holds in full (the set changed at the epoch boundary).
    Ledger l;
    auto signed_set = ValidatorSet::Make({{DevKey().PubKey(), 1}, {Key(9), 1}});
    BOOST_REQUIRE(signed_set);
    CommitCertificate c;
    c.signatures = {{0, SchnorrSig{}}, {1, SchnorrSig{}}};
    const ValidatorSet paid = *GetValidatorSet(l.state, RecordTag::kValidators);
    l.Step([&](StateOverlay& ov) { return CountCommitSigners(ov, 0, c, *signed_set, paid); });
    const EpochSigners counted = *GetEpochSigners(l.state, 0);
    BOOST_CHECK_EQUAL(counted.certificates, 1U);
    BOOST_CHECK(counted.signers == (std::vector<SignerCount>{{DevKey().PubKey(), 1}}));
}

BOOST_AUTO_TEST_CASE(random_epochs_keep_every_invariant) {
    std::mt19937_64 rng(20261202);
    auto uniform = [&](uint64_t lo, uint64_t hi) {
        return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
    };
    for (int round = 0; round < 20; ++round) {
        Ledger l;
        const size_t owners = uniform(1, 6);
        std::map<XOnlyPubKey, Amount> paid;  // per owner, from balance changes
        const uint64_t epochs = uniform(2, 8);
        for (uint64_t e = 0; e < epochs; ++e) {
            for (size_t o = 0; o < owners; ++o) {
                if (uniform(0, 3) == 0) continue;  // this owner idles this epoch
                const XOnlyPubKey owner = Key(100 + o);
                const Amount before = l.Balance(owner);
                for (uint64_t d = 0, n = uniform(1, 3); d < n; ++d) {
                    const XOnlyPubKey device = Key(200 + 10 * o + d);
                    if (uniform(0, 1)) l.Prove(device, owner, e, Uptime(uniform(1, 50)));
                    if (uniform(0, 1))
                        l.Prove(device, owner, e,
                                Bandwidth(uniform(1, 5'000'000), uniform(0, 2'000'000'000)));
                }
                paid[owner] += l.Balance(owner) - before;
            }
            l.Step([&](StateOverlay& ov) {
                return PutEpochSigners(ov, e,
                                       EpochSigners{60, {{DevKey().PubKey(), uniform(0, 60)}}});
            });
            l.Close(e);
            BOOST_REQUIRE(l.SupplyHolds());
        }
        for (size_t o = 0; o < owners; ++o) {
            const XOnlyPubKey owner = Key(100 + o);
            StateOverlay probe(l.state);
            if (ClaimRewards(probe, Dev(), owner, epochs)) paid[owner] += l.Claim(owner, epochs);
        }
        BOOST_CHECK_EQUAL(l.Totals().owed, 0U);
        Amount minted = 0, not_minted = 0;
        for (uint64_t e = 0; e < epochs; ++e) {
            const EpochRewards r = l.Epoch(e);
            Amount from_epoch = 0;
            for (size_t k = 0; k < kPoolCount; ++k) {
                BOOST_CHECK_LE(r.paid[k], r.pools[k]);
                BOOST_CHECK_LE(r.pro_rata_settled[k], r.pools[k]);
                from_epoch += r.paid[k];
            }
            BOOST_CHECK_EQUAL(from_epoch + r.not_minted, r.emission);  // nothing owed any more
            minted += from_epoch;
            not_minted += r.not_minted;
        }
        BOOST_CHECK_EQUAL(l.GetSupplyRecord().minted, minted);
        BOOST_CHECK_EQUAL(l.Totals().not_minted, not_minted);
        BOOST_CHECK(l.SupplyHolds());
        Amount owners_paid = 0;
        for (const auto& [owner, amount] : paid)
            owners_paid += amount;
        Amount contributor_paid = 0;
        for (uint64_t e = 0; e < epochs; ++e)
            contributor_paid += l.Epoch(e).paid[1] + l.Epoch(e).paid[2] + l.Epoch(e).paid[3];
        BOOST_CHECK_EQUAL(owners_paid, contributor_paid);
    }
}

BOOST_AUTO_TEST_CASE(a_new_contributor_never_raises_another_and_splitting_never_pays) {
    std::mt19937_64 rng(7);
    auto uniform = [&](uint64_t lo, uint64_t hi) {
        return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
    };
    for (int round = 0; round < 200; ++round) {
        const uint64_t u = uniform(1, 1'000), others = uniform(0, 1'000), extra = uniform(1, 500);
        constexpr uint64_t kPlenty = uint64_t{1} << 60;  // no credit cap binds
        const uint64_t credits = uniform(0, 3) ? kPlenty : uniform(0, 30'000'000'000);
        // One owner, one device; then the same units on two devices; then a newcomer.
        auto reward = [&](uint64_t split, uint64_t newcomer) {
            Ledger l;
            const XOnlyPubKey owner = Key(1);
            l.Prove(Key(2), owner, 0, Bandwidth(u - split, split == 0 ? credits : credits / 2));
            if (split) l.Prove(Key(3), owner, 0, Bandwidth(split, credits - credits / 2));
            if (others) l.Prove(Key(4), Key(5), 0, Bandwidth(others, kPlenty));
            if (newcomer) l.Prove(Key(6), Key(7), 0, Bandwidth(newcomer, kPlenty));
            l.Close(0);
            return l.Claim(owner, 1);
        };
        const Amount alone = reward(0, 0);
        BOOST_CHECK_EQUAL(reward(u / 2, 0), alone);
        BOOST_CHECK_LE(reward(0, extra), alone);
    }
}

BOOST_AUTO_TEST_SUITE_END()
