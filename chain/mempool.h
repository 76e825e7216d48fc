// Mempool: valid transactions waiting for a block.
//
// Entry rules (each rejection is an Error with a stable code):
//  - the transaction passes CheckTransaction (signature included);
//  - "already-in-mempool" for the same id;
//  - "nonce-too-low" when the nonce is below the sender's account nonce
//    (a replay); "nonce-gap" when it is above the next expected one
//    (account nonce + pending count): pending nonces are contiguous;
//  - the same sender and nonce as a pending transaction replaces it only with
//    a strictly higher fee ("replacement-fee-too-low" otherwise);
//  - "insufficient-funds" when the sender's balance cannot cover all its
//    pending transactions' amounts and fees;
//  - "too-many-pending" past the per-sender bound; "mempool-full" past the
//    byte bound.
// Block selection takes, repeatedly, the highest-fee transaction among each
// sender's next nonce (ties broken by id), so a block never skips a nonce.
// Every transaction in the pool has had its signature verified, which
// IsVerified() exposes as a signature cache for block validation.
//
// Thread-safety: all methods lock m_mutex. The StateView passed in may lock
// the Chain (lock order: mempool, then chain).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "consensus/params.h"
#include "consensus/state_view.h"
#include "primitives/block.h"
#include "util/result.h"

namespace maillon {

struct MempoolLimits {
    size_t max_bytes = 64 << 20;
    size_t max_per_sender = 64;
};

struct MempoolInfo {
    size_t size;
    size_t bytes;
    size_t max_bytes;
    size_t senders;
};

class Mempool {
public:
    Mempool(const ChainParams& params, MempoolLimits limits);

    // Validates and adds tx; returns its id.
    Result<Hash256> Add(const Transaction& tx, const StateView& tip);

    // Up to max_txs transactions in a valid order for the next block.
    std::vector<Transaction> Select(size_t max_txs) const;

    // Drops what the new tip made stale: every pending transaction whose
    // nonce is below its sender's account nonce in `tip`.
    void RemoveStale(const std::vector<XOnlyPubKey>& senders, const StateView& tip);

    std::optional<Transaction> Get(const Hash256& txid) const;
    // Number of pending transactions from sender (its next nonce is the
    // account nonce plus this).
    size_t PendingCount(const XOnlyPubKey& sender) const;
    bool IsVerified(const Hash256& txid) const;
    MempoolInfo Info() const;

private:
    struct Entry {
        Transaction tx;
        Hash256 id;
        size_t bytes;
    };
    void EraseLocked(const XOnlyPubKey& sender, uint64_t nonce);

    const ChainParams& m_params;
    const MempoolLimits m_limits;
    mutable std::mutex m_mutex;
    std::map<XOnlyPubKey, std::map<uint64_t, Entry>> m_by_sender;  // guarded by m_mutex
    std::map<Hash256, std::pair<XOnlyPubKey, uint64_t>> m_by_id;   // guarded by m_mutex
    size_t m_bytes = 0;                                            // guarded by m_mutex
};

}  // namespace maillon
