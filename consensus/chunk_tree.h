// The chunk tree of a storage deal: a Merkle tree over the chunks of a stored
// file, whose root the deal records, so that a device can prove it still holds
// any one chunk with the chunk and a short path (doc/protocol.md §6.5 is the
// normative description).
//
//  - leaf i = TaggedHash("MaillonChunkLeaf", u64 i (little-endian) || chunk i);
//    the index is hashed in, so a chunk proves only its own position;
//  - node   = TaggedHash("MaillonChunkNode", left || right);
//  - each level pairs neighbours (0,1), (2,3), ...; an odd node at the end of
//    a level is carried up unchanged, never paired with itself (the rule of
//    crypto/merkle.h's transaction tree). The root of one leaf is that leaf;
//    zero chunks make no tree.
//  - a path lists the siblings from the leaf level upward, skipping the
//    levels where the node is carried up (at most kMaxChunkPathLength).
//
// The tree's shape depends on the count alone, so the root commits to the
// count, but a path is only checked against the count it is given: a
// verifier takes the count from the deal, never from the prover.
//
// Everything here is pure: no I/O, no globals.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/hash.h"

namespace maillon {

// Largest chunk a deal may use, in bytes.
inline constexpr uint32_t kMaxChunkSize = 2048;
// Most chunks a deal may hold: 2^20, so a path has at most 20 siblings.
inline constexpr uint64_t kMaxDealChunks = uint64_t{1} << 20;
inline constexpr size_t kMaxChunkPathLength = 20;

// The number of chunk_size pieces of a size-byte file, rounded up (the last
// piece may be shorter). 0 when size is 0, and when chunk_size is 0: neither
// makes a deal.
uint64_t ChunkCount(uint64_t size, uint32_t chunk_size);

Hash256 ChunkLeafHash(uint64_t index, std::span<const uint8_t> chunk);
Hash256 ChunkNodeHash(const Hash256& left, const Hash256& right);

// The root over the leaf hashes, in index order. `leaves` must not be empty
// (aborts otherwise: a caller that has no chunks has no deal to make).
Hash256 ChunkRoot(std::span<const Hash256> leaves);

// The siblings that lead leaf `index` to the root, leaf level first. `index`
// must be below leaves.size() (aborts otherwise).
std::vector<Hash256> ChunkPath(std::span<const Hash256> leaves, uint64_t index);

// The root that `path` leads `leaf` to, as leaf `index` of `count`. nullopt
// when index >= count, count > kMaxDealChunks, or the path does not have the
// length this (index, count) needs.
std::optional<Hash256> RootFromPath(uint64_t index, uint64_t count, const Hash256& leaf,
                                    std::span<const Hash256> path);

// True when `chunk` is chunk `index` of a deal of `count` chunks with this
// root. A chunk is never empty nor longer than kMaxChunkSize; such a one is
// refused before it is hashed.
bool VerifyChunk(const Hash256& root, uint64_t index, uint64_t count,
                 std::span<const uint8_t> chunk, std::span<const Hash256> path);

}  // namespace maillon
