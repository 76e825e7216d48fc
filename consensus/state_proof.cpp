#include "consensus/state_proof.h"

#include <string>

#include "crypto/hash_tags.h"
#include "serialize/codec.h"

namespace maillon {

namespace {

constexpr uint8_t kTerminalEmpty = 0x00;
constexpr uint8_t kTerminalLeaf = 0x01;
constexpr uint8_t kTerminalOtherLeaf = 0x02;

Error BadProof(std::string message) {
    return MakeError("bad-state-proof", std::move(message));
}

}  // namespace

bool StateKeysSharePrefix(const Hash256& a, const Hash256& b, size_t bits) {
    const size_t full = bits / 8;
    for (size_t i = 0; i < full; ++i) {
        if (a[i] != b[i]) return false;
    }
    const size_t rest = bits % 8;
    if (rest == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

Hash256 StateLeafHash(const Hash256& key, const Hash256& value_hash) {
    return TaggedHasher(Tag::kStateLeaf).Write(key).Write(value_hash).Finalize();
}

Hash256 StateNodeHash(const Hash256& left, const Hash256& right) {
    return TaggedHasher(Tag::kStateNode).Write(left).Write(right).Finalize();
}

std::vector<uint8_t> StateProof::Serialize() const {
    Writer w;
    w.VarInt(siblings.size());
    for (const Hash256& s : siblings)
        w.Raw(s);
    if (const auto* leaf = std::get_if<Leaf>(&terminal)) {
        w.U8(kTerminalLeaf);
        w.Bytes(leaf->value);
    } else if (const auto* other = std::get_if<OtherLeaf>(&terminal)) {
        w.U8(kTerminalOtherLeaf);
        w.Raw(other->key);
        w.Raw(other->value_hash);
    } else {
        w.U8(kTerminalEmpty);
    }
    return w.Take();
}

Result<StateProof> StateProof::Deserialize(std::span<const uint8_t> data) {
    Reader r(data);
    StateProof proof;
    uint64_t count = 0;
    if (r.Count(count, kMaxStateDepth, "state proof siblings")) {
        proof.siblings.resize(count);
        for (Hash256& s : proof.siblings)
            r.Array(s, "state proof sibling");
    }
    const size_t kind_pos = r.Position();
    uint8_t kind = 0;
    if (r.U8(kind, "state proof terminal")) {
        if (kind == kTerminalEmpty) {
            proof.terminal = Empty{};
        } else if (kind == kTerminalLeaf) {
            Leaf leaf;
            r.Bytes(leaf.value, kMaxStateValueSize, "state proof value");
            proof.terminal = std::move(leaf);
        } else if (kind == kTerminalOtherLeaf) {
            OtherLeaf other;
            r.Array(other.key, "state proof other key");
            r.Array(other.value_hash, "state proof other value hash");
            proof.terminal = other;
        } else {
            r.FailAt(kind_pos, "state proof terminal", "unknown kind " + std::to_string(kind));
        }
    }
    if (!r.Finish()) return r.GetError();
    return proof;
}

Result<std::optional<std::vector<uint8_t>>> VerifyStateProof(const Hash256& root,
                                                             const Hash256& key,
                                                             const StateProof& proof) {
    const size_t depth = proof.siblings.size();
    if (depth > kMaxStateDepth) {
        return BadProof("proof has " + std::to_string(depth) + " siblings; at most " +
                        std::to_string(kMaxStateDepth) + " are possible");
    }
    // A terminal below the root always has a non-empty sibling: its parent
    // holds at least two keys, and the terminal's side holds at most one.
    if (depth > 0 && proof.siblings.back() == kEmptyStateHash) {
        return BadProof(
            "the last sibling is empty, so the terminal is not where the tree keeps it");
    }

    Hash256 hash;
    std::optional<std::vector<uint8_t>> proven;
    if (const auto* leaf = std::get_if<StateProof::Leaf>(&proof.terminal)) {
        if (leaf->value.size() > kMaxStateValueSize) {
            return BadProof("proven value is " + std::to_string(leaf->value.size()) +
                            " bytes; values are at most " + std::to_string(kMaxStateValueSize));
        }
        hash = StateLeafHash(key, Sha256(leaf->value));
        proven = leaf->value;
    } else if (const auto* other = std::get_if<StateProof::OtherLeaf>(&proof.terminal)) {
        if (other->key == key) {
            return BadProof(
                "the terminal leaf is the queried key's own; a membership proof must "
                "carry the value");
        }
        if (!StateKeysSharePrefix(other->key, key, depth)) {
            return BadProof("the terminal leaf's key does not share the queried key's path");
        }
        hash = StateLeafHash(other->key, other->value_hash);
    } else {
        if (depth == kMaxStateDepth) {
            return BadProof("an empty subtree cannot sit at the deepest level");
        }
        hash = kEmptyStateHash;
    }

    for (size_t i = depth; i-- > 0;) {
        hash = StateKeyBit(key, i) == 0 ? StateNodeHash(hash, proof.siblings[i])
                                        : StateNodeHash(proof.siblings[i], hash);
    }
    if (hash != root) {
        return MakeError("state-proof-mismatch",
                         "the proof does not hash to the given state root; it was made against "
                         "another root or has been altered");
    }
    return proven;
}

}  // namespace maillon
