#include "node/rejection_log.h"

namespace maillon {

void RejectionLog::Record(const XOnlyPubKey& device, const Error& error, uint64_t now_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto [it, added] = m_devices.try_emplace(device);
    if (!added) m_by_recency.erase(it->second.seq);
    it->second.seq = m_next_seq++;
    m_by_recency.emplace(it->second.seq, device);
    RejectionStats& stats = it->second.by_reason[error.code];
    stats.reason = error.code;
    stats.count += 1;
    stats.last_time_ms = now_ms;
    stats.last_message = error.message.substr(0, kMaxMessage);
    if (m_devices.size() > kMaxDevices) {
        auto oldest = m_by_recency.begin();
        m_devices.erase(oldest->second);
        m_by_recency.erase(oldest);
    }
}

std::vector<RejectionStats> RejectionLog::Get(const XOnlyPubKey& device) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<RejectionStats> out;
    auto it = m_devices.find(device);
    if (it == m_devices.end()) return out;
    for (const auto& [reason, stats] : it->second.by_reason)
        out.push_back(stats);
    return out;
}

}  // namespace maillon
