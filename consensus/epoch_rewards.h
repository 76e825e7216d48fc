// Rewards in the state transition (doc/protocol.md §11 is the normative
// text). Nothing here does work that grows with the number of devices:
//
//  - begin-block counts the last commit's signers toward the block's epoch
//    (O(validators));
//  - the end-block of an epoch's last block closes it (CloseEpoch): the
//    emission and its pools are fixed, the validator pool is paid to the
//    signers at once (O(validators)), and each contributor pool is owed to
//    the owners whose devices have units in it, or not minted when none has;
//  - an owner's reward for a closed epoch is settled when its devices next
//    prove units in a later epoch (AccrueOwnerUnits), or when it claims it
//    (ClaimRewards): O(pools) reads and writes, once per owner and epoch.
//
// Exactness: each owner is settled once per epoch (its cursor names the one
// epoch it is owed, and is moved or deleted as it is settled), its pro-rata
// shares over an epoch's owners sum to at most the pool, and what a cap
// withholds, and the rounding remainder once every unit of a pool is
// settled, is not minted. So for every closed epoch: emission = minted from
// it + not minted + still owed, and no unit is paid twice or lost.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/commit.h"
#include "consensus/contribution_records.h"
#include "consensus/params.h"
#include "consensus/reward_records.h"
#include "consensus/rewards.h"
#include "consensus/state.h"
#include "consensus/validator_set.h"
#include "util/result.h"

namespace maillon {

// True for an epoch's last block, whose end-block closes the epoch.
inline bool ClosesEpoch(uint64_t height, const ChainParams& params) {
    return (height + 1) % params.epoch_blocks == 0;
}

// Begin-block above height 1: `commit` (signed by `signed_set`) is one more
// certificate of `epoch`, and each of its signers that is in `paid_set` (the
// validators record: the set the close pays) signed one more.
Status CountCommitSigners(StateOverlay& state, uint64_t epoch, const CommitCertificate& commit,
                          const ValidatorSet& signed_set, const ValidatorSet& paid_set);

// End-block of the last block of `epoch`.
Status CloseEpoch(StateOverlay& state, const ChainParams& params, uint64_t epoch);

// An attestation's units for a device of `owner`, in `epoch` (the including
// block's): the owner's reward of an earlier epoch is settled first.
Status AccrueOwnerUnits(StateOverlay& state, const ChainParams& params, const XOnlyPubKey& owner,
                        uint64_t epoch, const OwnerUnits& units);

// Settles the owner's reward of an epoch before `epoch` (claim_rewards);
// the amount paid. "nothing-to-claim" when it is owed none.
Result<Amount> ClaimRewards(StateOverlay& state, const ChainParams& params,
                            const XOnlyPubKey& owner, uint64_t epoch);

struct PoolShare {
    Pool pool = Pool::kUptime;
    Amount pool_amount = 0;
    uint64_t total_units = 0;         // every owner's
    uint64_t units = 0;               // this owner's
    std::optional<uint64_t> credits;  // burned for these units (paid-usage pools)
    Share share;
};

// An owner's reward of a closed epoch: one entry per contributor pool it
// has units in.
struct OwnerReward {
    std::vector<PoolShare> pools;
    Amount total = 0;
};
Result<OwnerReward> ComputeOwnerReward(const StateReader& state, const ChainParams& params,
                                       const XOnlyPubKey& owner, uint64_t epoch,
                                       const EpochRewards& rewards);

// A validator's part of an epoch's validator pool:
// power_share = floor(pool * power / total_power), then
// paid = floor(power_share * signed_count / certificates).
struct ValidatorReward {
    Amount power_share = 0;
    Amount paid = 0;
};
ValidatorReward ComputeValidatorReward(Amount pool, uint64_t power, uint64_t total_power,
                                       uint64_t signed_count, uint64_t certificates);

}  // namespace maillon
