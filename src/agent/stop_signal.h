// StopSignal: how the agent's threads learn that the program is stopping.
// main's thread calls Request() when SIGINT or SIGTERM arrives; the other
// threads wait on it instead of sleeping, so they wake at once. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace maillon {

class StopSignal {
public:
    void Request();
    bool Requested() const;
    // Waits up to `duration`; true when stop is requested (before or meanwhile).
    bool WaitFor(std::chrono::milliseconds duration) const;

private:
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_cv;
    bool m_requested = false;  // guarded by m_mutex
};

}  // namespace maillon
