#include "agent/stop_signal.h"

namespace maillon {

void StopSignal::Request() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_requested = true;
    }
    m_cv.notify_all();
}

bool StopSignal::Requested() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_requested;
}

bool StopSignal::WaitFor(std::chrono::milliseconds duration) const {
    std::unique_lock<std::mutex> lock(m_mutex);
    return m_cv.wait_for(lock, duration, [this] { return m_requested; });
}

}  // namespace maillon
