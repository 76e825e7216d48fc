#include "consensus/block_context.h"

#include <cassert>

namespace maillon {

std::optional<Hash256> RecentBlockHashes::At(uint64_t height) const {
    if (height < m_first || height - m_first >= m_hashes.size()) return std::nullopt;
    return m_hashes[height - m_first];
}

void RecentBlockHashes::Push(uint64_t height, const Hash256& hash, size_t keep) {
    if (m_hashes.empty()) m_first = height;
    assert(height == m_first + m_hashes.size());
    m_hashes.push_back(hash);
    if (m_hashes.size() > keep) {
        const size_t drop = m_hashes.size() - keep;
        m_hashes.erase(m_hashes.begin(), m_hashes.begin() + static_cast<std::ptrdiff_t>(drop));
        m_first += drop;
    }
}

std::optional<Hash256> BlockContext::RecentHash(uint64_t h) const {
    if (h >= height || height - h > params.recent_block_hashes) return std::nullopt;
    return recent.At(h);
}

}  // namespace maillon
