// The storage chunk tree (consensus/chunk_tree.h, doc/protocol.md §6.5).
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "consensus/chunk_tree.h"
#include "crypto/hash.h"
#include "util/strencodings.h"

namespace maillon {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes B(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

// Chunk i of a test file: a few bytes that differ from chunk to chunk.
Bytes TestChunk(uint64_t i) {
    return B("chunk " + std::to_string(i));
}

std::vector<Hash256> TestLeaves(uint64_t count) {
    std::vector<Hash256> leaves;
    for (uint64_t i = 0; i < count; ++i)
        leaves.push_back(ChunkLeafHash(i, TestChunk(i)));
    return leaves;
}

// An independent reference: RFC 6962's recursive Merkle tree hash and audit
// path (the left subtree holds the largest power of two of leaves below n),
// which the level-by-level carry-up rule must reproduce.
uint64_t SplitPoint(uint64_t n) {
    return std::bit_floor(n - 1);
}

Hash256 ReferenceRoot(std::span<const Hash256> leaves) {
    if (leaves.size() == 1) return leaves[0];
    const uint64_t k = SplitPoint(leaves.size());
    return ChunkNodeHash(ReferenceRoot(leaves.first(k)), ReferenceRoot(leaves.subspan(k)));
}

std::vector<Hash256> ReferencePath(std::span<const Hash256> leaves, uint64_t index) {
    if (leaves.size() == 1) return {};
    const uint64_t k = SplitPoint(leaves.size());
    std::vector<Hash256> path;
    if (index < k) {
        path = ReferencePath(leaves.first(k), index);
        path.push_back(ReferenceRoot(leaves.subspan(k)));
    } else {
        path = ReferencePath(leaves.subspan(k), index - k);
        path.push_back(ReferenceRoot(leaves.first(k)));
    }
    return path;
}

// For each level from the leaves up, whether leaf `index` of `count` meets a
// sibling there. Two counts with the same pattern for an index verify the
// same paths to the same root: the path alone does not fix the count.
std::vector<bool> SiblingPattern(uint64_t index, uint64_t count) {
    std::vector<bool> pattern;
    for (uint64_t size = count; size > 1; size = (size + 1) / 2, index /= 2)
        pattern.push_back((index ^ 1) < size);
    return pattern;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chunk_tree_tests)

BOOST_AUTO_TEST_CASE(chunk_count_rounds_up) {
    BOOST_CHECK_EQUAL(ChunkCount(0, 1), 0u);
    BOOST_CHECK_EQUAL(ChunkCount(0, kMaxChunkSize), 0u);
    BOOST_CHECK_EQUAL(ChunkCount(1, kMaxChunkSize), 1u);
    BOOST_CHECK_EQUAL(ChunkCount(2047, 2048), 1u);
    BOOST_CHECK_EQUAL(ChunkCount(2048, 2048), 1u);
    BOOST_CHECK_EQUAL(ChunkCount(2049, 2048), 2u);
    BOOST_CHECK_EQUAL(ChunkCount(7, 1), 7u);
    BOOST_CHECK_EQUAL(ChunkCount(7, 0), 0u);  // no chunk size, no chunks
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    BOOST_CHECK_EQUAL(ChunkCount(max, 1), max);
    BOOST_CHECK_EQUAL(ChunkCount(max, 2048), max / 2048 + 1);
    BOOST_CHECK_EQUAL(ChunkCount(kMaxDealChunks * kMaxChunkSize, kMaxChunkSize), kMaxDealChunks);
}

BOOST_AUTO_TEST_CASE(hashes_match_their_definition) {
    // Leaf: the tag over the index as u64 little-endian, then the chunk.
    const Bytes chunk = B("xyz");
    Bytes preimage{0x02, 0x01, 0, 0, 0, 0, 0, 0x80};
    preimage.insert(preimage.end(), chunk.begin(), chunk.end());
    const uint64_t index = 0x8000000000000102;
    BOOST_CHECK(ChunkLeafHash(index, chunk) == TaggedHash("MaillonChunkLeaf", preimage));
    BOOST_CHECK(ChunkLeafHash(0, chunk) != ChunkLeafHash(1, chunk));
    BOOST_CHECK(ChunkLeafHash(0, {}) == TaggedHash("MaillonChunkLeaf", Bytes(8, 0)));

    // Node: the tag over left || right, in that order.
    const Hash256 left = ChunkLeafHash(0, B("l"));
    const Hash256 right = ChunkLeafHash(1, B("r"));
    Bytes both(left.begin(), left.end());
    both.insert(both.end(), right.begin(), right.end());
    BOOST_CHECK(ChunkNodeHash(left, right) == TaggedHash("MaillonChunkNode", both));
    BOOST_CHECK(ChunkNodeHash(left, right) != ChunkNodeHash(right, left));
}

BOOST_AUTO_TEST_CASE(worked_example_of_the_protocol) {
    // doc/protocol.md §6.5: the chunks "a", "b", "c" with chunk size 1.
    const std::vector<Bytes> chunks{B("a"), B("b"), B("c")};
    std::vector<Hash256> leaves;
    for (uint64_t i = 0; i < chunks.size(); ++i)
        leaves.push_back(ChunkLeafHash(i, chunks[i]));
    BOOST_CHECK_EQUAL(HexStr(leaves[0]),
                      "a58a03a2e7d153b81365f85bfb3711f54d7e1ff27f0725b44f841432dbf7d0c9");
    BOOST_CHECK_EQUAL(HexStr(leaves[1]),
                      "cda84dca02654a3737b193b8651c328b5b126c979a94d3978d2aa2acddb07da3");
    BOOST_CHECK_EQUAL(HexStr(leaves[2]),
                      "9c118b5870f0fc54f052184b7d50ac6feec5cab052157f87928c24d4e0d56e9d");
    const Hash256 node = ChunkNodeHash(leaves[0], leaves[1]);
    BOOST_CHECK_EQUAL(HexStr(node),
                      "942a919f7a4c564e91ec8910a0f588a70c5e9efec67598350d48c36d2a92bee2");
    const Hash256 root = ChunkRoot(leaves);
    BOOST_CHECK_EQUAL(HexStr(root),
                      "77eef7d51a6ed47c0a2cc4a1144ed6968cf3cb292e299781175ccc6bf6a3339e");

    // Chunk 2 is carried up from the leaf level: its path is the node alone.
    const std::vector<Hash256> path2 = ChunkPath(leaves, 2);
    BOOST_REQUIRE_EQUAL(path2.size(), 1u);
    BOOST_CHECK_EQUAL(HexStr(path2[0]),
                      "942a919f7a4c564e91ec8910a0f588a70c5e9efec67598350d48c36d2a92bee2");
    const std::vector<Hash256> path0 = ChunkPath(leaves, 0);
    BOOST_REQUIRE_EQUAL(path0.size(), 2u);
    BOOST_CHECK_EQUAL(HexStr(path0[0]),
                      "cda84dca02654a3737b193b8651c328b5b126c979a94d3978d2aa2acddb07da3");
    BOOST_CHECK_EQUAL(HexStr(path0[1]),
                      "9c118b5870f0fc54f052184b7d50ac6feec5cab052157f87928c24d4e0d56e9d");
    BOOST_CHECK(VerifyChunk(root, 2, 3, chunks[2], path2));
    BOOST_CHECK(VerifyChunk(root, 0, 3, chunks[0], path0));
}

BOOST_AUTO_TEST_CASE(small_trees_have_the_documented_shape) {
    const std::vector<Hash256> l = TestLeaves(7);
    const auto root = [&](size_t n) { return ChunkRoot(std::span(l).first(n)); };
    const auto node = ChunkNodeHash;
    BOOST_CHECK(root(1) == l[0]);
    BOOST_CHECK(root(2) == node(l[0], l[1]));
    BOOST_CHECK(root(3) == node(node(l[0], l[1]), l[2]));
    BOOST_CHECK(root(4) == node(node(l[0], l[1]), node(l[2], l[3])));
    BOOST_CHECK(root(5) == node(node(node(l[0], l[1]), node(l[2], l[3])), l[4]));
    BOOST_CHECK(root(6) == node(node(node(l[0], l[1]), node(l[2], l[3])), node(l[4], l[5])));
    BOOST_CHECK(root(7) ==
                node(node(node(l[0], l[1]), node(l[2], l[3])), node(node(l[4], l[5]), l[6])));
    BOOST_CHECK(ChunkPath(std::span(l).first(1), 0).empty());
}

BOOST_AUTO_TEST_CASE(every_path_verifies) {
    for (uint64_t count = 1; count <= 40; ++count) {
        const std::vector<Hash256> leaves = TestLeaves(count);
        const Hash256 root = ChunkRoot(leaves);
        BOOST_CHECK_MESSAGE(root == ReferenceRoot(leaves), "root of " << count);
        for (uint64_t i = 0; i < count; ++i) {
            const std::vector<Hash256> path = ChunkPath(leaves, i);
            BOOST_CHECK_MESSAGE(path == ReferencePath(leaves, i), "path " << i << "/" << count);
            BOOST_CHECK_LE(path.size(), kMaxChunkPathLength);
            const std::optional<Hash256> computed = RootFromPath(i, count, leaves[i], path);
            BOOST_CHECK_MESSAGE(computed && *computed == root, "root from " << i << "/" << count);
            BOOST_CHECK_MESSAGE(VerifyChunk(root, i, count, TestChunk(i), path),
                                "chunk " << i << "/" << count);
        }
    }
}

BOOST_AUTO_TEST_CASE(every_tampered_proof_fails) {
    for (uint64_t count = 1; count <= 40; ++count) {
        const std::vector<Hash256> leaves = TestLeaves(count);
        const Hash256 root = ChunkRoot(leaves);
        for (uint64_t i = 0; i < count; ++i) {
            const std::vector<Hash256> path = ChunkPath(leaves, i);
            const Bytes chunk = TestChunk(i);
            const std::string at = std::to_string(i) + "/" + std::to_string(count);

            Bytes flipped = chunk;
            flipped.back() ^= 0x01;
            BOOST_CHECK_MESSAGE(!VerifyChunk(root, i, count, flipped, path), "flipped " << at);
            Bytes longer = chunk;
            longer.push_back(0);
            BOOST_CHECK_MESSAGE(!VerifyChunk(root, i, count, longer, path), "longer " << at);

            for (uint64_t j = 0; j <= count; ++j) {
                if (j == i) continue;
                BOOST_CHECK_MESSAGE(!VerifyChunk(root, j, count, chunk, path),
                                    "index " << j << " for " << at);
            }

            for (uint64_t other = 0; other <= 41; ++other) {
                if (other == count) continue;
                // Only a count that walks the very same levels accepts the
                // path (see SiblingPattern); any other fails.
                const bool same_walk =
                    i < other && SiblingPattern(i, other) == SiblingPattern(i, count);
                BOOST_CHECK_MESSAGE(VerifyChunk(root, i, other, chunk, path) == same_walk,
                                    "count " << other << " for " << at);
            }

            if (!path.empty()) {
                const std::vector<Hash256> shorter(path.begin(), path.end() - 1);
                BOOST_CHECK_MESSAGE(!RootFromPath(i, count, leaves[i], shorter), "shorter " << at);
                std::vector<Hash256> altered = path;
                altered.back()[31] ^= 0x80;
                BOOST_CHECK_MESSAGE(!VerifyChunk(root, i, count, chunk, altered), "altered " << at);
            }
            std::vector<Hash256> lengthened = path;
            lengthened.push_back(root);
            BOOST_CHECK_MESSAGE(!RootFromPath(i, count, leaves[i], lengthened),
                                "lengthened " << at);
            std::vector<Hash256> padded = path;
            padded.insert(padded.begin(), leaves[i]);
            BOOST_CHECK_MESSAGE(!RootFromPath(i, count, leaves[i], padded), "padded " << at);

            Hash256 other_root = root;
            other_root[0] ^= 0x01;
            BOOST_CHECK_MESSAGE(!VerifyChunk(other_root, i, count, chunk, path), "root " << at);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_path_does_not_fix_the_count) {
    // Chunk 0 of 3 and chunk 0 of 4 both meet a sibling on both levels, so
    // the same path leads to the same root: why a verifier takes the count
    // from the deal. The roots themselves differ.
    const std::vector<Hash256> leaves = TestLeaves(4);
    const std::span<const Hash256> three = std::span(leaves).first(3);
    const std::vector<Hash256> path = ChunkPath(three, 0);
    BOOST_CHECK(RootFromPath(0, 3, leaves[0], path) == RootFromPath(0, 4, leaves[0], path));
    BOOST_CHECK(ChunkRoot(three) != ChunkRoot(leaves));
}

BOOST_AUTO_TEST_CASE(counts_and_path_lengths_are_bounded) {
    const Hash256 leaf = ChunkLeafHash(0, B("x"));
    const std::vector<Hash256> siblings(kMaxChunkPathLength + 1, leaf);
    const std::span<const Hash256> twenty = std::span(siblings).first(kMaxChunkPathLength);

    // The fullest deal: every chunk has 20 siblings.
    BOOST_CHECK(RootFromPath(0, kMaxDealChunks, leaf, twenty));
    BOOST_CHECK(RootFromPath(kMaxDealChunks - 1, kMaxDealChunks, leaf, twenty));
    // One chunk more would need 21, and is refused whatever the path.
    BOOST_CHECK(!RootFromPath(0, kMaxDealChunks + 1, leaf, siblings));
    BOOST_CHECK(!RootFromPath(0, kMaxDealChunks + 1, leaf, twenty));
    // The last of 2^20 - 1 chunks is carried up once: 19 siblings.
    BOOST_CHECK(RootFromPath(kMaxDealChunks - 2, kMaxDealChunks - 1, leaf, twenty.first(19)));
    BOOST_CHECK(!RootFromPath(kMaxDealChunks - 2, kMaxDealChunks - 1, leaf, twenty));

    // No chunks, or an index past the end.
    BOOST_CHECK(!RootFromPath(0, 0, leaf, {}));
    BOOST_CHECK(!RootFromPath(1, 1, leaf, {}));
    BOOST_CHECK(RootFromPath(0, 1, leaf, {}) == leaf);
    BOOST_CHECK(!VerifyChunk(leaf, 0, 0, B("x"), {}));
    BOOST_CHECK(VerifyChunk(leaf, 0, 1, B("x"), {}));
}

BOOST_AUTO_TEST_CASE(chunk_lengths_are_bounded) {
    // Trees built over an empty and an oversized chunk: the hashes exist,
    // but no proof of such a chunk is accepted.
    const Bytes empty;
    const Bytes full(kMaxChunkSize, 0xab);
    const Bytes oversized(kMaxChunkSize + 1, 0xab);
    for (const Bytes& chunk : {empty, full, oversized}) {
        const std::vector<Hash256> leaves{ChunkLeafHash(0, B("first")), ChunkLeafHash(1, chunk)};
        const Hash256 root = ChunkRoot(leaves);
        const bool fits = !chunk.empty() && chunk.size() <= kMaxChunkSize;
        BOOST_CHECK_EQUAL(VerifyChunk(root, 1, 2, chunk, ChunkPath(leaves, 1)), fits);
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace maillon
