// ThrottledLog: a kind of log line that remote peers can cause at will (a
// failed login, a refused or misbehaving connection). At most one such line
// a second is written; the others are counted into the next one ("and N more
// <counted> since the last such line"), so that no peer can flood the log.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace maillon {

class ThrottledLog {
public:
    // `category` as LogPrint takes it; `counted` names the lines left out.
    ThrottledLog(std::string category, std::string counted)
        : m_category(std::move(category)), m_counted(std::move(counted)) {}

    void Print(const std::string& line);

private:
    const std::string m_category;
    const std::string m_counted;
    std::mutex m_mutex;
    std::chrono::steady_clock::time_point m_last;  // guarded by m_mutex
    bool m_printed{false};                         // guarded by m_mutex
    uint64_t m_unlogged{0};                        // guarded by m_mutex
};

}  // namespace maillon
