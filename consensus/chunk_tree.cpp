#include "consensus/chunk_tree.h"

#include <cstdlib>

#include "crypto/hash_tags.h"
#include "serialize/codec.h"

namespace maillon {

// A full tree of kMaxDealChunks leaves has this many levels above its leaves.
static_assert(kMaxDealChunks == uint64_t{1} << kMaxChunkPathLength);

namespace {

// The level above `level`: neighbours paired, an odd last node carried up.
std::vector<Hash256> ParentLevel(std::span<const Hash256> level) {
    std::vector<Hash256> up;
    up.reserve(level.size() / 2 + level.size() % 2);
    for (size_t i = 0; i + 1 < level.size(); i += 2)
        up.push_back(ChunkNodeHash(level[i], level[i + 1]));
    if (level.size() % 2) up.push_back(level.back());
    return up;
}

// The size of the level above one of `size` nodes: halved, rounded up for the
// carried node.
uint64_t ParentSize(uint64_t size) {
    return size / 2 + size % 2;
}

}  // namespace

uint64_t ChunkCount(uint64_t size, uint32_t chunk_size) {
    if (chunk_size == 0) return 0;
    // Rounded up, written so that it cannot overflow.
    return size / chunk_size + (size % chunk_size != 0 ? 1 : 0);
}

Hash256 ChunkLeafHash(uint64_t index, std::span<const uint8_t> chunk) {
    Writer w;
    w.U64(index);
    return TaggedHasher(Tag::kChunkLeaf).Write(w.Data()).Write(chunk).Finalize();
}

Hash256 ChunkNodeHash(const Hash256& left, const Hash256& right) {
    return TaggedHasher(Tag::kChunkNode).Write(left).Write(right).Finalize();
}

Hash256 ChunkRoot(std::span<const Hash256> leaves) {
    if (leaves.empty()) std::abort();
    std::vector<Hash256> level(leaves.begin(), leaves.end());
    while (level.size() > 1)
        level = ParentLevel(level);
    return level[0];
}

std::vector<Hash256> ChunkPath(std::span<const Hash256> leaves, uint64_t index) {
    if (index >= leaves.size()) std::abort();
    std::vector<Hash256> path;
    std::vector<Hash256> level(leaves.begin(), leaves.end());
    while (level.size() > 1) {
        // The sibling is missing only for a carried node.
        const uint64_t sibling = index ^ 1;
        if (sibling < level.size()) path.push_back(level[sibling]);
        level = ParentLevel(level);
        index /= 2;  // rounds down: both children map to their parent
    }
    return path;
}

std::optional<Hash256> RootFromPath(uint64_t index, uint64_t count, const Hash256& leaf,
                                    std::span<const Hash256> path) {
    if (index >= count || count > kMaxDealChunks) return std::nullopt;
    Hash256 node = leaf;
    size_t used = 0;
    for (uint64_t size = count; size > 1; size = ParentSize(size)) {
        if ((index ^ 1) < size) {
            if (used == path.size()) return std::nullopt;
            const Hash256& sibling = path[used++];
            node = index % 2 ? ChunkNodeHash(sibling, node) : ChunkNodeHash(node, sibling);
        }
        index /= 2;  // rounds down: both children map to their parent
    }
    if (used != path.size()) return std::nullopt;
    return node;
}

bool VerifyChunk(const Hash256& root, uint64_t index, uint64_t count,
                 std::span<const uint8_t> chunk, std::span<const Hash256> path) {
    if (chunk.empty() || chunk.size() > kMaxChunkSize) return false;
    const std::optional<Hash256> computed =
        RootFromPath(index, count, ChunkLeafHash(index, chunk), path);
    return computed && *computed == root;
}

}  // namespace maillon
