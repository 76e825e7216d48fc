// Merkle root of an ordered list of 32-byte hashes (transaction ids).
//
// Leaves are domain-separated from inner nodes (tags "MaillonMerkleLeaf" and
// "MaillonMerkleNode"), and an odd node at the end of a level is carried up
// unchanged instead of being paired with itself, so no two different lists
// share a root (no CVE-2012-2459-style duplication). The empty list's root is
// 32 zero bytes.
#pragma once

#include <span>

#include "crypto/hash.h"

namespace maillon {

Hash256 MerkleRoot(std::span<const Hash256> leaves);

}  // namespace maillon
