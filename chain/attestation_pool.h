// The mempool's lane for attestations (heartbeat, bandwidth_receipt,
// storage_proof): fee-free transactions without nonces, so they cannot be
// ordered by payer and nonce like the rest of the mempool.
//
// Entry rules, after CheckTransaction and the signatures (which the Mempool
// checks before calling Add):
//  - "already-in-mempool" for the same id, or for another pending attestation
//    with the same replay key (TxType::ReplayKey: e.g. the same device and
//    heartbeat interval): the rules would accept only one of them;
//  - it applies to the tip's state in the next block's context, alone;
//  - "too-many-pending" past max_per_device pending attestations of one
//    device (its payer); "mempool-full" past max_bytes.
// Selection is in arrival order. After each block the ones whose window
// has closed are dropped (RemoveExpired). Pending attestations may conflict with one
// another in ways a lone check cannot see (two receipts spending the same
// credits); block assembly applies them in order and drops the ones that no
// longer apply.
//
// Not thread-safe: the Mempool holds its own lock around every call.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "consensus/block_context.h"
#include "consensus/params.h"
#include "consensus/state.h"
#include "consensus/transaction.h"
#include "util/result.h"

namespace maillon {

class AttestationPool {
public:
    AttestationPool(const ChainParams& params, size_t max_bytes, size_t max_per_device);

    bool Contains(const Hash256& id) const { return m_by_id.count(id) != 0; }
    Result<Hash256> Add(const Transaction& tx, const StateReader& tip, const BlockContext& next);

    // Appends up to `max` attestations, oldest first.
    void Select(size_t max, std::vector<Transaction>& out) const;
    // Appends every pending attestation, oldest first.
    void AppendAll(std::vector<Transaction>& out) const;
    std::optional<Transaction> Get(const Hash256& id) const;
    // False when `id` is not pending.
    bool Remove(const Hash256& id);
    // Drops the attestations whose window has closed before `next_height`
    // (TxType::LastValidHeight), so that they hold no replay key nor device
    // slot; returns how many. Costs O(what it drops).
    size_t RemoveExpired(uint64_t next_height);

    size_t Size() const { return m_by_id.size(); }
    size_t Bytes() const { return m_bytes; }

private:
    struct Entry {
        Transaction tx;
        std::vector<uint8_t> replay_key;
        uint64_t seq;
        uint64_t last_valid_height;
    };

    const ChainParams& m_params;
    const size_t m_max_bytes;
    const size_t m_max_per_device;
    std::map<Hash256, Entry> m_by_id;
    std::map<std::vector<uint8_t>, Hash256> m_by_replay_key;
    std::map<uint64_t, Hash256> m_by_arrival;
    std::multimap<uint64_t, Hash256> m_by_last_valid_height;
    std::map<XOnlyPubKey, size_t> m_per_device;
    size_t m_bytes = 0;
    uint64_t m_next_seq = 0;
};

}  // namespace maillon
