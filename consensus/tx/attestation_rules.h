// Rules every attestation type shares (heartbeat, bandwidth_receipt,
// storage_proof): the attesting device must be able to earn, and a block hash
// it names must be one the chain has just made, so the attestation cannot
// have been signed in advance.
#pragma once

#include <cstdint>

#include "consensus/block_context.h"
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

}  // namespace maillon
