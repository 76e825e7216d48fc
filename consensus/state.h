// Generic chain state as consensus rules see it: 32-byte state keys mapping
// to bounded byte values (at most kMaxStateValueSize bytes), read through a
// StateReader and changed in a StateOverlay. What a key holds is decided by
// the record kinds of consensus/records.h; this layer knows only bytes.
//
// Costs: StateOverlay::Get is one ordered-map lookup, then (when the key is
// not in the overlay) one read of the base; Put and Delete are one map insert;
// MergeInto is O(entries of the child). An overlay can never be copied, so
// staging one transaction on top of a block's overlay costs what the
// transaction touches, never what the block has touched so far.
//
// Not thread-safe: an overlay lives for one block or one check and belongs to
// one thread. Its base must outlive it and must not change under it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "consensus/state_proof.h"
#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

using StateValue = std::vector<uint8_t>;
// Key -> new value, or nullopt for a deleted key; ordered by key, so every
// node derives the same writes in the same order.
using StateChanges = std::map<Hash256, std::optional<StateValue>>;

class StateReader {
public:
    virtual ~StateReader() = default;
    // The value under key, or nullopt when the key is absent. An error only
    // when the backing store fails (kind corruption or I/O), never for a rule.
    virtual Result<std::optional<StateValue>> Get(const Hash256& key) const = 0;
};

// The state with no keys at all (what genesis is written on).
class EmptyState final : public StateReader {
public:
    Result<std::optional<StateValue>> Get(const Hash256&) const override {
        return std::optional<StateValue>();
    }
};

class StateOverlay final : public StateReader {
public:
    explicit StateOverlay(const StateReader& base) : m_base(base) {}
    StateOverlay(const StateOverlay&) = delete;
    StateOverlay& operator=(const StateOverlay&) = delete;

    // A new, empty overlay whose base is this one: stage work on it, then
    // MergeInto(*this) to keep it or drop it to discard it.
    StateOverlay Child() const { return StateOverlay(static_cast<const StateReader&>(*this)); }

    Result<std::optional<StateValue>> Get(const Hash256& key) const override;
    // Fails (code "state-value-too-large") for a value over kMaxStateValueSize.
    Status Put(const Hash256& key, StateValue value);
    // Deleting an absent key is harmless; the change is recorded either way.
    void Delete(const Hash256& key);

    const StateChanges& Changes() const { return m_changes; }
    StateChanges TakeChanges() && { return std::move(m_changes); }

    // Moves every change of this overlay into `parent`, which must be this
    // overlay's base (checked by assert: that is our invariant, not input).
    void MergeInto(StateOverlay& parent) &&;
    // How many entries children have merged into this overlay so far: with
    // the changes, what a cost test counts.
    uint64_t MergedEntries() const { return m_merged; }

private:
    const StateReader& m_base;
    StateChanges m_changes;
    uint64_t m_merged = 0;
};

}  // namespace maillon
