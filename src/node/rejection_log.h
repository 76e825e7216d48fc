// Why this node refused a device's attestations, so that an owner can see why
// a device did not earn: per device and reason code, how many times, and the
// last time and message. Fed by submitattestation / sendrawtransaction
// refusals made after the attestation's signatures verified (so that no one
// can write into another device's log) and by attestations block assembly
// dropped. Node-local and in
// memory only: not consensus, not persisted.
//
// Bounded: at most kMaxDevices devices (the one rejected longest ago is
// forgotten first); reasons are the stable reason codes, a finite set;
// messages are cut to kMaxMessage bytes.
//
// Thread-safety: every method locks m_mutex; any thread may call them.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

struct RejectionStats {
    std::string reason;  // the reason code
    uint64_t count = 0;
    uint64_t last_time_ms = 0;
    std::string last_message;
};

class RejectionLog {
public:
    static constexpr size_t kMaxDevices = 100'000;
    static constexpr size_t kMaxMessage = 300;

    void Record(const XOnlyPubKey& device, const Error& error, uint64_t now_ms);
    // The device's rejections, by reason code; empty when none is known.
    std::vector<RejectionStats> Get(const XOnlyPubKey& device) const;

private:
    struct DeviceRejections {
        std::map<std::string, RejectionStats> by_reason;
        uint64_t seq = 0;  // of its last rejection, a key of m_by_recency
    };
    mutable std::mutex m_mutex;
    std::map<XOnlyPubKey, DeviceRejections> m_devices;  // guarded by m_mutex
    std::map<uint64_t, XOnlyPubKey> m_by_recency;       // guarded by m_mutex
    uint64_t m_next_seq = 0;                            // guarded by m_mutex
};

}  // namespace maillon
