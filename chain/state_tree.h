// The authenticated state: a compressed binary sparse Merkle tree over
// 256-bit state keys (consensus/records.h makes them) whose values are opaque
// byte strings of at most kMaxStateValueSize bytes. Shape and hashing are
// described in consensus/state_proof.h.
//
// Nodes are stored content-addressed by their hash in a NodeStore and never
// deleted, so a StateTree opened at any past root stays readable and provable.
// Stored node encoding (canonical, via Writer):
//     leaf     : u8 0x01, key (32 bytes), value (length-prefixed bytes, <= kMaxStateValueSize)
//     internal : u8 0x02, left hash (32 bytes), right hash (32 bytes)
// Empty subtrees are never stored (their hash is zero). Every node read is
// decoded and re-hashed; a missing or mismatching node is reported as
// "state-node-missing" / "state-node-corrupt" (kind corruption), and a store
// that cannot be read passes its own error (kind I/O or corruption) on; never
// a crash.
//
// Costs: Get and Prove read one node per level (O(log n) for hashed keys);
// Apply visits each node on the paths of the updated keys once per batch and
// writes each rewritten node once. Apply buffers its writes and hands them to
// the store only when the whole batch succeeded, so a failed Apply leaves
// both the tree and the store unchanged.
//
// Not thread-safe: a StateTree and its NodeStore are guarded by the caller.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "consensus/state.h"
#include "consensus/state_proof.h"
#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

class NodeStore {
public:
    virtual ~NodeStore() = default;
    // The node stored under hash, or nullopt if there is none; an error
    // (corruption or I/O) when the store itself fails.
    virtual Result<std::optional<std::vector<uint8_t>>> Get(const Hash256& hash) const = 0;
    // Stores node under its hash; storing the same node again is harmless.
    virtual void Put(const Hash256& hash, std::vector<uint8_t> node) = 0;
};

// A std::map-based NodeStore, for tests and for staging one block's new nodes
// on top of a persistent store: reads fall through to `base` (if any), writes
// stay here until the caller copies Nodes() out.
class MemoryNodeStore : public NodeStore {
public:
    explicit MemoryNodeStore(const NodeStore* base = nullptr) : m_base(base) {}

    Result<std::optional<std::vector<uint8_t>>> Get(const Hash256& hash) const override;
    void Put(const Hash256& hash, std::vector<uint8_t> node) override;

    // Nodes written to this store (not those of the base).
    const std::map<Hash256, std::vector<uint8_t>>& Nodes() const { return m_nodes; }

private:
    const NodeStore* m_base;
    std::map<Hash256, std::vector<uint8_t>> m_nodes;
};

class StateTree {
public:
    // Opens the tree with the given root (kEmptyStateHash for an empty tree).
    // Nothing is read until the tree is used.
    StateTree(NodeStore& store, Hash256 root) : m_store(store), m_root(root) {}

    Hash256 Root() const { return m_root; }

    // The value stored under key, or nullopt if the key is absent.
    Result<std::optional<std::vector<uint8_t>>> Get(const Hash256& key) const;

    // Sets or deletes a batch of keys, writes the new nodes to the store and
    // moves Root() to the new root. On error ("state-value-too-large",
    // "state-node-missing", "state-node-corrupt") nothing changes.
    // `updates` maps keys to new values, or to nullopt to delete a key
    // (deleting an absent key is a no-op).
    Status Apply(const StateChanges& updates);

    // A proof of the key's value (or absence) against Root(); check it with
    // VerifyStateProof.
    Result<StateProof> Prove(const Hash256& key) const;

private:
    NodeStore& m_store;
    Hash256 m_root;
};

// Get and Prove at `root` without a StateTree (which needs a writable store).
Result<std::optional<StateValue>> GetStateValue(const NodeStore& store, const Hash256& root,
                                                const Hash256& key);
Result<StateProof> ProveStateKey(const NodeStore& store, const Hash256& root, const Hash256& key);

// The state at one root, read through a store, as consensus rules read it.
// Thread-safety: as the store's Get (DbNodeStore: any thread).
class StateTreeReader final : public StateReader {
public:
    StateTreeReader(const NodeStore& store, const Hash256& root) : m_store(store), m_root(root) {}
    Result<std::optional<StateValue>> Get(const Hash256& key) const override;
    const Hash256& Root() const { return m_root; }

private:
    const NodeStore& m_store;
    Hash256 m_root;
};

}  // namespace maillon
