// What the rules may know about the block they run in: the network's
// parameters, the block's height, time, epoch and proposer, and the hashes of
// the blocks just before it. The same context type is given to rules at
// mempool entry (for the next block), in block assembly and in validation,
// so a rule cannot see more in one place than in another.
//
// Pure data; the referenced parameters and hashes must outlive the context.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/params.h"
#include "crypto/hash.h"
#include "crypto/key.h"

namespace maillon {

// Hashes of consecutive blocks: hashes[i] is the hash of block first_height + i.
class RecentBlockHashes {
public:
    RecentBlockHashes() = default;
    RecentBlockHashes(uint64_t first_height, std::vector<Hash256> hashes)
        : m_first(first_height), m_hashes(std::move(hashes)) {}

    std::optional<Hash256> At(uint64_t height) const;
    // Appends the hash of block `height`, which must follow the last one (or
    // start an empty list), and drops the oldest so that at most `keep` remain.
    void Push(uint64_t height, const Hash256& hash, size_t keep);

    uint64_t FirstHeight() const { return m_first; }
    size_t Size() const { return m_hashes.size(); }

private:
    uint64_t m_first = 0;
    std::vector<Hash256> m_hashes;
};

// Epoch e holds the blocks e * epoch_blocks .. (e + 1) * epoch_blocks - 1
// (genesis is block 0 of epoch 0).
inline uint64_t EpochOf(uint64_t height, const ChainParams& params) {
    return height / params.epoch_blocks;
}

struct BlockContext {
    const ChainParams& params;
    uint64_t height;
    uint64_t time_ms;
    XOnlyPubKey proposer;  // receives the fees; zero at mempool entry, where no one is chosen yet
    const RecentBlockHashes& recent;  // must hold at least the parent (height - 1)

    uint64_t Epoch() const { return EpochOf(height, params); }
    // True for the last block of its epoch, where end-block does epoch work.
    bool IsEpochEnd() const { return (height + 1) % params.epoch_blocks == 0; }
    // The hash of block h if it is one of the params.recent_block_hashes
    // blocks before this one (h in [height - K, height - 1]), else nullopt:
    // the one way rules read block hashes, so "at most K blocks old" holds
    // everywhere.
    std::optional<Hash256> RecentHash(uint64_t h) const;
};

}  // namespace maillon
