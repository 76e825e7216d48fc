// Rules the device service types share (heartbeat, bandwidth_receipt,
// storage_deal, storage_proof): the device must be able to earn; a block hash
// an attestation names must be one the chain has just made, so it cannot have
// been signed in advance; a service is paid in credits, and not by the
// device's own owner.
#pragma once

#include <cstdint>

#include "consensus/block_context.h"
#include "consensus/contribution_records.h"
#include "consensus/records.h"
#include "consensus/state.h"
#include "util/result.h"

namespace maillon {

// The device's record when it is registered ("device-not-registered"), not
// retired ("device-retired") and offers `kind` ("device-kind-not-offered").
Result<Device> ActiveDevice(const StateReader& state, const XOnlyPubKey& device, uint8_t kind);

// ref_hash is the hash of block ref_height, which is at most max_age blocks
// before ctx's block: "ref-block-too-old" past that, "ref-block-unknown" for
// a height at or above ctx's or a hash that is not the chain's.
Status CheckRefBlock(const BlockContext& ctx, uint64_t ref_height, const Hash256& ref_hash,
                     uint64_t max_age);

// "self-dealing" when the account paying for a device's service is the
// device's owner. (Paying through another key of one's own is not stopped
// here: rewards for paid usage are capped by the credits burned for it.)
Status CheckNotSelfDealing(const Device& device, const XOnlyPubKey& payer);

// Takes `credits` data credits from the account ("insufficient-credits").
Status SpendCredits(StateOverlay& state, const XOnlyPubKey& account, uint64_t credits);

// Credits what an attestation proved for `device` (its record `record`) in
// the block's epoch: to the device's and the epoch's contribution records,
// and to its owner's (consensus/epoch_rewards.h), which first settles the
// owner's reward of an earlier epoch. `units` proves one kind; its
// credits_burned were burned for that kind.
Status CreditDevice(const BlockContext& ctx, StateOverlay& state, const XOnlyPubKey& device,
                    const Device& record, const ContributionUnits& units);

}  // namespace maillon
