#include "util/throttled_log.h"

#include "util/log.h"

namespace maillon {

void ThrottledLog::Print(const std::string& line) {
    const auto now = std::chrono::steady_clock::now();
    std::string text;
    {
        std::unique_lock lock(m_mutex);
        if (m_printed && now - m_last < std::chrono::seconds(1)) {
            ++m_unlogged;
            return;
        }
        text = line;
        if (m_unlogged > 0) {
            text += " (and " + std::to_string(m_unlogged) + " more " + m_counted +
                    " since the last such line)";
        }
        m_unlogged = 0;
        m_last = now;
        m_printed = true;
    }
    LogPrint(m_category.c_str(), text);
}

}  // namespace maillon
