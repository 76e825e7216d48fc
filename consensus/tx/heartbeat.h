// heartbeat (type 5, an attestation): a device says it is up, once per
// heartbeat interval, naming a block it could not have known in advance.
// Roles: device (signs; pays nothing). Payload: ref_height u64 |
// ref_hash [32] (the hash of block ref_height).
// Rules: the device is registered, not retired and offers uptime; ref_hash
// is block ref_height's, at most params.heartbeat_max_age_blocks before the
// including block (CheckRefBlock); the interval ref_height /
// params.heartbeat_interval_blocks is above the device's last counted one
// ("heartbeat-already-counted").
// Effect: the device's activity record {interval, height}; one uptime
// interval in its contribution for the including block's epoch, and in
// that epoch's totals. Replay key: (device, interval).
#pragma once

#include "consensus/transaction.h"
#include "crypto/hash.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kHeartbeatTypeId = 5;

struct HeartbeatPayload final : TxPayload {
    uint64_t ref_height = 0;
    Hash256 ref_hash{};

    void Write(Writer& w) const override;
    static bool Read(Reader& r, HeartbeatPayload& p);
};

const TxType& HeartbeatType();

// The payload when tx is a heartbeat, else nullptr.
const HeartbeatPayload* HeartbeatOf(const Transaction& tx);

// An unsigned heartbeat (sign it with Transaction::Sign(0, device key)).
Transaction UnsignedHeartbeat(uint32_t chain_id, const XOnlyPubKey& device, uint64_t ref_height,
                              const Hash256& ref_hash);

}  // namespace maillon
