#include "agent/heartbeat_schedule.h"

#include <utility>

namespace maillon {

HeartbeatSchedule::HeartbeatSchedule(const ChainParams& params, std::optional<HeartbeatRecord> last,
                                     std::optional<uint64_t> counted_height)
    : m_params(params), m_last(std::move(last)) {
    // A heartbeat counted at height h named a block below h, so its interval
    // is at most (h - 1)'s; it may be one less, but skipping an interval
    // costs one interval's pay, while a second heartbeat is refused.
    if (!m_last && counted_height && *counted_height > 0)
        m_skip_through = IntervalOf(*counted_height - 1);
}

uint64_t HeartbeatSchedule::IntervalOf(uint64_t height) const {
    return height / m_params.heartbeat_interval_blocks;  // rounds down: the interval it is in
}

HeartbeatStep HeartbeatSchedule::Next(uint64_t tip_height) const {
    const uint64_t interval = IntervalOf(tip_height);
    if (!m_last) {
        if (m_skip_through && interval <= *m_skip_through) return HeartbeatStep::kWait;
        return HeartbeatStep::kSign;
    }
    if (interval > m_last->interval) return HeartbeatStep::kSign;
    if (interval < m_last->interval || tip_height < m_last->ref_height) {
        return HeartbeatStep::kBehind;
    }
    // The next block, tip_height + 1, is the earliest that can include it.
    const bool young = tip_height + 1 - m_last->ref_height <= m_params.heartbeat_max_age_blocks;
    return !m_delivered && young ? HeartbeatStep::kResend : HeartbeatStep::kWait;
}

void HeartbeatSchedule::Signed(HeartbeatRecord record) {
    m_last = std::move(record);
    m_skip_through.reset();
    m_delivered = false;
}

}  // namespace maillon
