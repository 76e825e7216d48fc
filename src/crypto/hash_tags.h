// The protocol's hash tags: every tagged hash the chain computes uses one of
// these, so hashes of different kinds of object can never be confused.
// doc/protocol.md ("Hashes and signatures") lists the same names with what
// each one hashes; the two lists change together.
//
// Each tag's midstate is computed once, on first use, and then shared by all
// threads without a lock (a function-local static).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/hash.h"

namespace maillon {

enum class Tag : uint8_t {
    kTxSig,         // "MaillonTxSig": a transaction's signing data
    kTxId,          // "MaillonTxId": a transaction's full encoding
    kBlockHash,     // "MaillonBlockHash": a block header
    kMerkleLeaf,    // "MaillonMerkleLeaf": a transaction id in the tx tree
    kMerkleNode,    // "MaillonMerkleNode": two children in the tx tree
    kStateKey,      // "MaillonStateKey": a record's tag and identifier
    kStateLeaf,     // "MaillonStateLeaf": a state tree leaf
    kStateNode,     // "MaillonStateNode": a state tree internal node
    kVote,          // "MaillonVote": what a validator signs for a block
    kValidatorSet,  // "MaillonValidatorSet": a validator set's encoding
    kCommit,        // "MaillonCommit": a commit certificate's encoding
    kDevKey,        // "MaillonDevKey": the dev network's public test secret
    kChunkLeaf,     // "MaillonChunkLeaf": a storage chunk's index and bytes
    kChunkNode,     // "MaillonChunkNode": two children in a storage chunk tree
    kChallenge,     // "MaillonStorageChallenge": a deal's id and an epoch's first block hash
    kProposer,      // "MaillonProposer": a height and round, picking their proposer
    kP2P,           // "MaillonP2P": a P2P message's payload, for its checksum
};

// The tag's ASCII name, as hashed.
std::string_view TagName(Tag tag);

// The tag with its precomputed midstate.
const HashTag& GetHashTag(Tag tag);

inline Hash256 TaggedHash(Tag tag, std::span<const uint8_t> data) {
    return GetHashTag(tag).Hash(data);
}
inline Sha256Hasher TaggedHasher(Tag tag) {
    return GetHashTag(tag).Hasher();
}

}  // namespace maillon
