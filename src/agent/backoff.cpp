#include "agent/backoff.h"

#include <algorithm>

namespace maillon {

std::chrono::milliseconds Backoff::Next() {
    const std::chrono::milliseconds delay = m_next;
    ++m_failures;
    m_next = std::min(m_next * 2, kMax);
    return delay;
}

void Backoff::Reset() {
    m_next = kFirst;
    m_failures = 0;
}

}  // namespace maillon
