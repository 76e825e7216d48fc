#include "consensus/epoch_rewards.h"

#include <algorithm>
#include <string>

#include "consensus/records.h"
#include "util/overflow.h"

namespace maillon {

namespace {

Error Overflow(const std::string& what) {
    return MakeError("amount-overflow", what + " would pass 2^64 - 1");
}

Error Inconsistent(const std::string& what) {
    return MakeError(ErrorKind::kCorruption, "state-record-corrupt",
                     "the reward records disagree: " + what + "; the state database is corrupt");
}

// Mints `amount` into `to`'s balance.
Status Mint(StateOverlay& state, Supply& supply, const XOnlyPubKey& to, Amount amount) {
    if (amount == 0) return Status::Ok();
    auto account = GetAccount(state, to);
    if (!account) return account.error();
    const auto balance = CheckedAdd(account->balance, amount);
    const auto minted = CheckedAdd(supply.minted, amount);
    if (!balance || !minted) return Overflow("a reward");
    account->balance = *balance;
    supply.minted = *minted;
    return PutAccount(state, to, *account);
}

// Pays the validator pool; what it pays.
Result<Amount> PayValidators(StateOverlay& state, Supply& supply, uint64_t epoch, Amount pool) {
    auto set = GetValidatorSet(state, RecordTag::kValidators);
    if (!set) return set.error();
    auto signers = GetEpochSigners(state, epoch);
    if (!signers) return signers.error();
    Amount paid = 0;
    for (const SignerCount& s : signers->signers) {
        const auto index = set->IndexOf(s.validator);
        if (!index) continue;  // left the set: no power now
        const ValidatorReward r =
            ComputeValidatorReward(pool, set->Validators()[*index].power, set->TotalPower(),
                                   s.signed_count, signers->certificates);
        if (Status st = Mint(state, supply, s.validator, r.paid); !st) return st.error();
        paid += r.paid;  // <= pool: the power shares of one set sum to at most it
    }
    return paid;
}

// Settles the owner's reward of closed epoch `epoch`; what it paid.
Result<Amount> SettleOwner(StateOverlay& state, const ChainParams& params, const XOnlyPubKey& owner,
                           uint64_t epoch) {
    auto er = GetEpochRewards(state, epoch);
    if (!er) return er.error();
    if (!er->has_value()) return Inconsistent("epoch " + std::to_string(epoch) + " is not closed");
    EpochRewards& rewards = **er;
    auto reward = ComputeOwnerReward(state, params, owner, epoch, rewards);
    if (!reward) return reward.error();
    auto totals = GetRewardTotals(state);
    auto supply = GetSupply(state);
    if (!totals) return totals.error();
    if (!supply) return supply.error();
    for (const PoolShare& ps : reward->pools) {
        const size_t k = static_cast<size_t>(ps.pool);
        const Amount withheld = ps.share.pro_rata - ps.share.paid;
        rewards.paid[k] += ps.share.paid;
        rewards.pro_rata_settled[k] += ps.share.pro_rata;
        rewards.units_settled[k] += ps.units;
        rewards.not_minted += withheld;
        totals->not_minted += withheld;
        if (totals->owed < ps.share.pro_rata || rewards.pro_rata_settled[k] > ps.pool_amount ||
            rewards.units_settled[k] > ps.total_units) {
            return Inconsistent("epoch " + std::to_string(epoch) + "'s " +
                                std::string(PoolName(ps.pool)) + " pool is settled past itself");
        }
        totals->owed -= ps.share.pro_rata;
        if (rewards.units_settled[k] == ps.total_units) {
            // Every unit is settled: the rounding remainder is not minted.
            const Amount rest = ps.pool_amount - rewards.pro_rata_settled[k];
            if (totals->owed < rest) return Inconsistent("more is settled than was owed");
            rewards.not_minted += rest;
            totals->not_minted += rest;
            totals->owed -= rest;
        }
    }
    Status st = Mint(state, *supply, owner, reward->total);
    if (st) st = PutEpochRewards(state, epoch, rewards);
    if (st) st = PutRewardTotals(state, *totals);
    if (st) st = PutSupply(state, *supply);
    if (!st) return st.error();
    return reward->total;
}

}  // namespace

Status CountCommitSigners(StateOverlay& state, uint64_t epoch, const CommitCertificate& commit,
                          const ValidatorSet& signed_set, const ValidatorSet& paid_set) {
    auto signers = GetEpochSigners(state, epoch);
    if (!signers) return signers.error();
    signers->certificates += 1;
    for (const CommitSignature& sig : commit.signatures) {
        const XOnlyPubKey& key = signed_set.Validators()[sig.validator_index].key;
        // Only the set the close pays is counted: the record stays within
        // kMaxValidators entries when the set changes at an epoch boundary.
        if (!paid_set.IndexOf(key)) continue;
        auto& list = signers->signers;
        auto it = std::lower_bound(
            list.begin(), list.end(), key,
            [](const SignerCount& s, const XOnlyPubKey& k) { return s.validator < k; });
        if (it == list.end() || it->validator != key) it = list.insert(it, SignerCount{key, 0});
        it->signed_count += 1;
    }
    return PutEpochSigners(state, epoch, *signers);
}

Status CloseEpoch(StateOverlay& state, const ChainParams& params, uint64_t epoch) {
    auto supply = GetSupply(state);
    auto totals = GetRewardTotals(state);
    auto units = GetEpochTotals(state, epoch);
    if (!supply) return supply.error();
    if (!totals) return totals.error();
    if (!units) return units.error();
    const auto issued = CheckedAdd(supply->genesis, supply->minted);
    const auto owed_too = issued ? CheckedAdd(*issued, totals->owed) : std::nullopt;
    if (!owed_too) return Overflow("the supply issued");
    EpochRewards rewards;
    rewards.emission = EpochEmission(params.rewards, epoch, *owed_too);
    rewards.pools = SplitEmission(params.rewards, rewards.emission);
    Amount not_minted = rewards.emission;
    for (Amount pool : rewards.pools)
        not_minted -= pool;  // the split's rounding
    const size_t v = static_cast<size_t>(Pool::kValidators);
    auto paid = PayValidators(state, *supply, epoch, rewards.pools[v]);
    if (!paid) return paid.error();
    rewards.paid[v] = *paid;
    not_minted += rewards.pools[v] - *paid;
    for (Pool pool : kContributorPools) {
        const Amount amount = rewards.pools[static_cast<size_t>(pool)];
        if (PoolUnits(*units, pool) == 0) {
            not_minted += amount;  // nobody to pay
        } else {
            totals->owed += amount;  // < max_supply: emission never passes it
        }
    }
    rewards.not_minted = not_minted;
    totals->not_minted += not_minted;
    Status st = PutEpochRewards(state, epoch, rewards);
    if (st) st = PutRewardTotals(state, *totals);
    if (st) st = PutSupply(state, *supply);
    return st;
}

Status AccrueOwnerUnits(StateOverlay& state, const ChainParams& params, const XOnlyPubKey& owner,
                        uint64_t epoch, const OwnerUnits& units) {
    auto cursor = GetRewardCursor(state, owner);
    if (!cursor) return cursor.error();
    if (*cursor && **cursor < epoch) {
        if (auto paid = SettleOwner(state, params, owner, **cursor); !paid) return paid.error();
    }
    if (*cursor != epoch) {
        if (Status st = PutRewardCursor(state, owner, epoch); !st) return st;
    }
    auto current = GetOwnerUnits(state, owner, epoch);
    if (!current) return current.error();
    if (!current->Add(units)) return Overflow("a counter of the owner contribution record");
    return PutOwnerUnits(state, owner, epoch, *current);
}

Result<Amount> ClaimRewards(StateOverlay& state, const ChainParams& params,
                            const XOnlyPubKey& owner, uint64_t epoch) {
    auto cursor = GetRewardCursor(state, owner);
    if (!cursor) return cursor.error();
    if (!*cursor || **cursor >= epoch) {
        return MakeError("nothing-to-claim", *cursor ? "the reward of epoch " +
                                                           std::to_string(**cursor) +
                                                           " is owed once that epoch is over"
                                                     : "this account is owed no reward");
    }
    auto paid = SettleOwner(state, params, owner, **cursor);
    if (!paid) return paid.error();
    if (Status st = PutRewardCursor(state, owner, std::nullopt); !st) return st.error();
    return *paid;
}

Result<OwnerReward> ComputeOwnerReward(const StateReader& state, const ChainParams& params,
                                       const XOnlyPubKey& owner, uint64_t epoch,
                                       const EpochRewards& rewards) {
    auto units = GetOwnerUnits(state, owner, epoch);
    auto totals = GetEpochTotals(state, epoch);
    if (!units) return units.error();
    if (!totals) return totals.error();
    OwnerReward out;
    for (Pool pool : kContributorPools) {
        PoolShare ps;
        ps.pool = pool;
        ps.units = units->Units(pool);
        if (ps.units == 0) continue;
        ps.pool_amount = rewards.pools[static_cast<size_t>(pool)];
        ps.total_units = PoolUnits(*totals, pool);
        ps.credits = units->Credits(pool);
        std::optional<Amount> value;
        if (ps.credits) value = CreditValue(*ps.credits, params.credits_per_unit);
        ps.share = ComputeShare(ShareInputs{ps.pool_amount, ps.total_units, ps.units,
                                            OwnerCap(params.rewards, ps.pool_amount), value});
        out.total += ps.share.paid;  // the shares of one epoch sum to at most its emission
        out.pools.push_back(ps);
    }
    return out;
}

ValidatorReward ComputeValidatorReward(Amount pool, uint64_t power, uint64_t total_power,
                                       uint64_t signed_count, uint64_t certificates) {
    ValidatorReward r;
    if (total_power == 0 || certificates == 0) return r;
    r.power_share = *MulDiv(pool, std::min(power, total_power), total_power);
    r.paid = *MulDiv(r.power_share, std::min(signed_count, certificates), certificates);
    return r;
}

}  // namespace maillon
