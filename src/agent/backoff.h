// Backoff: the delays between attempts to reach a node that does not answer.
// The first is kFirst (250 ms); each next one doubles, up to kMax (30 s), so
// a node that is down for long is asked twice a minute, and one that
// restarts is found again within a second. Reset() after a success.
// Pure; one per caller (not thread-safe).
#pragma once

#include <chrono>
#include <cstdint>

namespace maillon {

class Backoff {
public:
    static constexpr std::chrono::milliseconds kFirst{250};
    static constexpr std::chrono::milliseconds kMax{30'000};

    // The delay before the next attempt, after one more failure.
    std::chrono::milliseconds Next();
    void Reset();
    // Failures since the last Reset().
    uint64_t Failures() const { return m_failures; }

private:
    std::chrono::milliseconds m_next = kFirst;
    uint64_t m_failures = 0;
};

}  // namespace maillon
