#include "chain/state_tree.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "serialize/codec.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr uint8_t kNodeLeaf = 0x01;
constexpr uint8_t kNodeInternal = 0x02;

struct Node {
    bool is_leaf = false;
    Hash256 key{};               // leaf
    std::vector<uint8_t> value;  // leaf
    Hash256 left{};              // internal
    Hash256 right{};             // internal
};

Error Corrupt(const Hash256& hash, const std::string& what) {
    return MakeError(ErrorKind::kCorruption, "state-node-corrupt",
                     "state node " + HexStr(hash) + " " + what + "; the state database is corrupt");
}

std::vector<uint8_t> EncodeLeaf(const Hash256& key, std::span<const uint8_t> value) {
    Writer w;
    w.U8(kNodeLeaf);
    w.Raw(key);
    w.Bytes(value);
    return w.Take();
}

std::vector<uint8_t> EncodeInternal(const Hash256& left, const Hash256& right) {
    Writer w;
    w.U8(kNodeInternal);
    w.Raw(left);
    w.Raw(right);
    return w.Take();
}

// Reads, decodes and re-hashes the node stored under hash (never the empty hash).
Result<Node> LoadNode(const NodeStore& store, const Hash256& hash) {
    auto stored = store.Get(hash);
    if (!stored) return stored.error();
    const std::optional<std::vector<uint8_t>>& bytes = *stored;
    if (!bytes) {
        return MakeError(ErrorKind::kCorruption, "state-node-missing",
                         "state node " + HexStr(hash) +
                             " is missing from the store; the state database is incomplete or "
                             "corrupt");
    }
    Reader r(*bytes);
    Node node;
    uint8_t kind = 0;
    r.U8(kind, "node kind");
    if (kind == kNodeLeaf) {
        node.is_leaf = true;
        r.Array(node.key, "leaf key");
        r.Bytes(node.value, kMaxStateValueSize, "leaf value");
    } else if (kind == kNodeInternal) {
        r.Array(node.left, "left hash");
        r.Array(node.right, "right hash");
    } else if (r.ok()) {
        r.Fail("node kind", "unknown kind " + std::to_string(kind));
    }
    if (!r.Finish()) return Corrupt(hash, "does not decode (" + r.GetError().message + ")");
    if (!node.is_leaf && node.left == kEmptyStateHash && node.right == kEmptyStateHash) {
        return Corrupt(hash, "is an internal node with two empty children");
    }
    const Hash256 actual = node.is_leaf ? StateLeafHash(node.key, Sha256(node.value))
                                        : StateNodeHash(node.left, node.right);
    if (actual != hash) return Corrupt(hash, "does not match its hash");
    return node;
}

// One key of an Apply batch; value == nullptr deletes the key.
struct Change {
    const Hash256* key;
    const std::vector<uint8_t>* value;
};

// The first change whose key has bit `depth` set (changes are sorted and share
// their first `depth` bits, so those with the bit clear come first).
std::span<const Change>::iterator SplitByBit(std::span<const Change> changes, size_t depth) {
    return std::partition_point(changes.begin(), changes.end(), [depth](const Change& c) {
        return StateKeyBit(*c.key, depth) == 0;
    });
}

// Rewrites the tree for one batch. New nodes are buffered in m_writes.
class Updater {
public:
    explicit Updater(const NodeStore& store) : m_store(store) {}

    enum class Kind { kEmpty, kLeaf, kInternal, kUnknown };
    struct Ref {
        Hash256 hash;
        Kind kind;
    };

    // The subtree at `depth` whose root is hash, with changes applied. All
    // changes share their first `depth` bits with the subtree's position.
    Result<Ref> Update(const Hash256& hash, size_t depth, std::span<const Change> changes) {
        if (changes.empty()) {
            return Ref{hash, hash == kEmptyStateHash ? Kind::kEmpty : Kind::kUnknown};
        }
        if (hash == kEmptyStateHash) return Build(depth, changes);

        Result<Node> loaded = LoadNode(m_store, hash);
        if (!loaded) return loaded.error();
        const Node& node = *loaded;

        if (node.is_leaf) {
            if (!StateKeysSharePrefix(node.key, *changes.front().key, depth)) {
                return Corrupt(hash, "is a leaf outside its key's path");
            }
            // The subtree now holds the changed keys plus the old leaf, unless
            // the batch overwrites or deletes it.
            auto pos =
                std::lower_bound(changes.begin(), changes.end(), node.key,
                                 [](const Change& c, const Hash256& k) { return *c.key < k; });
            if (pos != changes.end() && *pos->key == node.key) return Build(depth, changes);
            std::vector<Change> merged(changes.begin(), pos);
            merged.push_back(Change{&node.key, &node.value});
            merged.insert(merged.end(), pos, changes.end());
            return Build(depth, merged);
        }

        if (depth >= kMaxStateDepth)
            return Corrupt(hash, "is an internal node below the last level");
        const auto split = SplitByBit(changes, depth);
        Result<Ref> left = Update(node.left, depth + 1, {changes.begin(), split});
        if (!left) return left;
        Result<Ref> right = Update(node.right, depth + 1, {split, changes.end()});
        if (!right) return right;
        if (left->hash == node.left && right->hash == node.right) return Ref{hash, Kind::kInternal};
        return Join(*left, *right);
    }

    std::vector<std::pair<Hash256, std::vector<uint8_t>>> TakeWrites() {
        return std::move(m_writes);
    }

private:
    // A fresh subtree at `depth` holding the keys of changes that are set.
    Result<Ref> Build(size_t depth, std::span<const Change> changes) {
        std::vector<Change> live;
        live.reserve(changes.size());
        for (const Change& c : changes) {
            if (c.value) live.push_back(c);
        }
        return BuildLive(depth, live);
    }

    Result<Ref> BuildLive(size_t depth, std::span<const Change> live) {
        if (live.empty()) return Ref{kEmptyStateHash, Kind::kEmpty};
        if (live.size() == 1) {
            const Hash256 hash = StateLeafHash(*live[0].key, Sha256(*live[0].value));
            m_writes.emplace_back(hash, EncodeLeaf(*live[0].key, *live[0].value));
            return Ref{hash, Kind::kLeaf};
        }
        // Distinct keys differ within 256 bits, so this only guards the bit index.
        if (depth >= kMaxStateDepth) {
            return MakeError("state-duplicate-key", "two updates carry the same state key");
        }
        const auto split = SplitByBit(live, depth);
        Result<Ref> left = BuildLive(depth + 1, {live.begin(), split});
        if (!left) return left;
        Result<Ref> right = BuildLive(depth + 1, {split, live.end()});
        if (!right) return right;
        return MakeInternal(left->hash, right->hash);
    }

    // The subtree whose children are left and right, in canonical form: a lone
    // leaf moves up (its hash does not depend on its depth).
    Result<Ref> Join(const Ref& left, const Ref& right) {
        const bool left_empty = left.kind == Kind::kEmpty;
        const bool right_empty = right.kind == Kind::kEmpty;
        if (left_empty && right_empty) return Ref{kEmptyStateHash, Kind::kEmpty};
        if (left_empty || right_empty) {
            Ref only = left_empty ? right : left;
            if (only.kind == Kind::kUnknown) {
                Result<Node> loaded = LoadNode(m_store, only.hash);
                if (!loaded) return loaded.error();
                only.kind = loaded->is_leaf ? Kind::kLeaf : Kind::kInternal;
            }
            if (only.kind == Kind::kLeaf) return only;
        }
        return MakeInternal(left.hash, right.hash);
    }

    Ref MakeInternal(const Hash256& left, const Hash256& right) {
        const Hash256 hash = StateNodeHash(left, right);
        m_writes.emplace_back(hash, EncodeInternal(left, right));
        return Ref{hash, Kind::kInternal};
    }

    const NodeStore& m_store;
    std::vector<std::pair<Hash256, std::vector<uint8_t>>> m_writes;
};

}  // namespace

Result<std::optional<std::vector<uint8_t>>> MemoryNodeStore::Get(const Hash256& hash) const {
    auto it = m_nodes.find(hash);
    if (it != m_nodes.end()) return std::optional<std::vector<uint8_t>>(it->second);
    if (m_base) return m_base->Get(hash);
    return std::optional<std::vector<uint8_t>>();
}

void MemoryNodeStore::Put(const Hash256& hash, std::vector<uint8_t> node) {
    m_nodes.insert_or_assign(hash, std::move(node));
}

Result<std::optional<StateValue>> StateTreeReader::Get(const Hash256& key) const {
    return GetStateValue(m_store, m_root, key);
}

Result<std::optional<std::vector<uint8_t>>> StateTree::Get(const Hash256& key) const {
    return GetStateValue(m_store, m_root, key);
}

Result<StateProof> StateTree::Prove(const Hash256& key) const {
    return ProveStateKey(m_store, m_root, key);
}

Result<std::optional<StateValue>> GetStateValue(const NodeStore& store, const Hash256& root,
                                                const Hash256& key) {
    Hash256 hash = root;
    for (size_t depth = 0;; ++depth) {
        if (hash == kEmptyStateHash) return std::optional<std::vector<uint8_t>>{};
        Result<Node> loaded = LoadNode(store, hash);
        if (!loaded) return loaded.error();
        Node& node = *loaded;
        if (node.is_leaf) {
            if (node.key != key) return std::optional<std::vector<uint8_t>>{};
            return std::optional<std::vector<uint8_t>>{std::move(node.value)};
        }
        if (depth >= kMaxStateDepth)
            return Corrupt(hash, "is an internal node below the last level");
        hash = StateKeyBit(key, depth) == 0 ? node.left : node.right;
    }
}

Status StateTree::Apply(const StateChanges& updates) {
    std::vector<Change> changes;
    changes.reserve(updates.size());
    for (const auto& [key, value] : updates) {
        if (value && value->size() > kMaxStateValueSize) {
            return MakeError("state-value-too-large",
                             "the value for state key " + HexStr(key) + " is " +
                                 std::to_string(value->size()) + " bytes; at most " +
                                 std::to_string(kMaxStateValueSize) + " are allowed");
        }
        changes.push_back(Change{&key, value ? &*value : nullptr});
    }
    Updater updater(m_store);
    Result<Updater::Ref> result = updater.Update(m_root, 0, changes);
    if (!result) return result.error();
    for (auto& [hash, node] : updater.TakeWrites())
        m_store.Put(hash, std::move(node));
    m_root = result->hash;
    return Status::Ok();
}

Result<StateProof> ProveStateKey(const NodeStore& store, const Hash256& root, const Hash256& key) {
    StateProof proof;
    Hash256 hash = root;
    for (size_t depth = 0;; ++depth) {
        if (hash == kEmptyStateHash) {
            proof.terminal = StateProof::Empty{};
            return proof;
        }
        Result<Node> loaded = LoadNode(store, hash);
        if (!loaded) return loaded.error();
        Node& node = *loaded;
        if (node.is_leaf) {
            if (node.key == key) {
                proof.terminal = StateProof::Leaf{std::move(node.value)};
            } else {
                proof.terminal = StateProof::OtherLeaf{node.key, Sha256(node.value)};
            }
            return proof;
        }
        if (depth >= kMaxStateDepth)
            return Corrupt(hash, "is an internal node below the last level");
        const bool right = StateKeyBit(key, depth) == 1;
        proof.siblings.push_back(right ? node.left : node.right);
        hash = right ? node.right : node.left;
    }
}

}  // namespace maillon
