// claim_rewards (type 9): an owner collects the reward it is owed for a
// closed epoch (doc/protocol.md §11.4), which its devices would otherwise
// collect only when they next attest: the way to be paid after they stop.
// Roles: sender (the owner: pays the fee, receives the reward). Payload:
// none (zero bytes).
// Rules: the owner's reward cursor names an epoch before the block's
// ("nothing-to-claim" otherwise). Cost: 0. Effect: that epoch's reward is
// settled into the owner's balance and the cursor deleted.
#pragma once

#include "consensus/transaction.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kClaimRewardsTypeId = 9;

struct ClaimRewardsPayload final : TxPayload {
    void Write(Writer&) const override {}
    static bool Read(Reader&, ClaimRewardsPayload&) { return true; }
};

const TxType& ClaimRewardsType();

// An unsigned claim (sign it with Transaction::Sign(0, owner key)).
Transaction UnsignedClaimRewards(uint32_t chain_id, const XOnlyPubKey& owner, Amount fee,
                                 uint64_t nonce);

}  // namespace maillon
