// Proofs against the state root (the sparse Merkle tree of
// chain/state_tree.h, over the records of consensus/records.h), and the
// hashing rules that tree and proofs share.
//
// Tree shape (doc/protocol.md is the normative description):
//  - keys are 32-byte hashes; bit i of a key is bit (7 - i % 8) of byte i / 8
//    (most significant bit of byte 0 first); bit 0 goes left, 1 goes right;
//  - a subtree holding no keys is empty and hashes to 32 zero bytes (so the
//    root of the empty tree is zero);
//  - a subtree holding exactly one key is that key's leaf, placed at the
//    highest level where the key is alone:
//        leaf hash = TaggedHash("MaillonStateLeaf", key || Sha256(value));
//  - any other subtree is an internal node:
//        node hash = TaggedHash("MaillonStateNode", left_hash || right_hash).
// The root therefore depends only on the set of (key, value) pairs.
//
// A proof lists the sibling hashes on the path from the root down to the
// position where the key's search ends, and what is found there: the key's
// own leaf (membership, with its value), an empty subtree, or another key's
// leaf (both prove absence).
//
// Encoding (canonical, bounded):
//     varint n (<= 256), n x 32-byte sibling hashes (root level first),
//     u8 terminal kind, then
//         0x00 empty        : nothing
//         0x01 leaf         : value as length-prefixed bytes (<= kMaxStateValueSize)
//         0x02 other leaf   : other key (32 bytes), Sha256(other value) (32 bytes)
//
// Everything here is pure: no I/O, no globals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

// Largest value the state holds under one key (the largest record, a full
// validator set, needs about 5 KiB).
inline constexpr size_t kMaxStateValueSize = 8192;
// Deepest possible position: two keys differing only in bit 255 sit at 256.
inline constexpr size_t kMaxStateDepth = 256;

inline constexpr Hash256 kEmptyStateHash{};

// Bit `depth` (0..255) of key, most significant bit of byte 0 first.
inline int StateKeyBit(const Hash256& key, size_t depth) {
    return (key[depth / 8] >> (7 - depth % 8)) & 1;
}

// True when a and b agree on their first `bits` bits.
bool StateKeysSharePrefix(const Hash256& a, const Hash256& b, size_t bits);

// TaggedHash("MaillonStateLeaf", key || value_hash), value_hash = Sha256(value).
Hash256 StateLeafHash(const Hash256& key, const Hash256& value_hash);
// TaggedHash("MaillonStateNode", left || right).
Hash256 StateNodeHash(const Hash256& left, const Hash256& right);

struct StateProof {
    // The key's search ended in an empty subtree: the key is absent.
    struct Empty {
        bool operator==(const Empty&) const = default;
    };
    // The key's own leaf: the key is present with this value.
    struct Leaf {
        std::vector<uint8_t> value;
        bool operator==(const Leaf&) const = default;
    };
    // Another key's leaf sits where the key would be: the key is absent.
    struct OtherLeaf {
        Hash256 key;
        Hash256 value_hash;
        bool operator==(const OtherLeaf&) const = default;
    };

    std::vector<Hash256> siblings;  // from the root downward, one per level on the path
    std::variant<Empty, Leaf, OtherLeaf> terminal;

    bool operator==(const StateProof&) const = default;

    std::vector<uint8_t> Serialize() const;
    // Rejects anything Serialize would not produce (limits, unknown kind,
    // trailing bytes) with code "decode-error".
    static Result<StateProof> Deserialize(std::span<const uint8_t> data);
};

// Checks proof against root for key. Returns the proven value, or nullopt when
// the proof shows the key is absent. Errors: "bad-state-proof" when the proof
// is malformed or inconsistent with key, "state-proof-mismatch" when it does
// not hash up to root.
Result<std::optional<std::vector<uint8_t>>> VerifyStateProof(const Hash256& root,
                                                             const Hash256& key,
                                                             const StateProof& proof);

}  // namespace maillon
