// HeartbeatSchedule: which heartbeat the agent sends next, given the tip it
// sees. Pure: the agent does the signing, the writing of the record and the
// sending, and tells the schedule how they went. Used by one thread.
//
// The chain counts one heartbeat per device and interval (height /
// params.heartbeat_interval_blocks), naming a block at most
// params.heartbeat_max_age_blocks before the block that includes it. So:
//  - a tip in an interval above the last signed one: sign a new heartbeat
//    naming the tip (kSign);
//  - a tip in the same interval: nothing, unless the last one may not have
//    reached the node (not answered yet, the agent restarted, the node was
//    down since) and is still young enough for the next block: then send
//    those same bytes again (kResend; the node answers "already-in-mempool"
//    or "already-in-chain" if it has them);
//  - a tip in an interval below the last signed one (another chain under
//    the same name, e.g. a wiped dev chain): kBehind, nothing is sent.
// Without a record (a first start, or a state file moved away) the schedule
// takes the block that counted the device's last heartbeat, if any, and
// skips every interval that heartbeat may have been for.
#pragma once

#include <cstdint>
#include <optional>

#include "agent/heartbeat_state.h"
#include "consensus/params.h"

namespace maillon {

enum class HeartbeatStep {
    kWait,
    kSign,
    kResend,
    kBehind,
};

class HeartbeatSchedule {
public:
    // `last`: the state file's record. `counted_height`: used only without
    // one; getdevicecontributions' last_heartbeat_height.
    HeartbeatSchedule(const ChainParams& params, std::optional<HeartbeatRecord> last,
                      std::optional<uint64_t> counted_height);

    HeartbeatStep Next(uint64_t tip_height) const;
    uint64_t IntervalOf(uint64_t height) const;

    // A new heartbeat is recorded: it is the last one, not yet delivered.
    void Signed(HeartbeatRecord record);
    // The node answered the last send: accepted, already known, or refused
    // for good. Nothing more is sent for its interval.
    void Answered() { m_delivered = true; }
    // The node was unreachable since: it may have restarted and lost its
    // mempool, so the last heartbeat is sent again while it is young enough.
    void MaybeLost() { m_delivered = false; }

    const std::optional<HeartbeatRecord>& Last() const { return m_last; }

private:
    const ChainParams& m_params;
    std::optional<HeartbeatRecord> m_last;
    std::optional<uint64_t> m_skip_through;  // without m_last: intervals <= this are skipped
    bool m_delivered = false;
};

}  // namespace maillon
