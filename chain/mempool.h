// Mempool: valid transactions waiting for a block.
//
// Entry rules (each rejection is an Error with a stable code; reasons of this
// node's local policy have kind kPolicy, rule violations kind kInvalid):
//  - the transaction passes CheckTransaction and every role's signature
//    verifies;
//  - "already-in-mempool" for the same id;
//  - "nonce-too-low" when the nonce is below the payer's account nonce
//    (a replay); "nonce-gap" when it is above the next expected one
//    (account nonce + pending count): pending nonces are contiguous;
//  - the same payer and nonce as a pending transaction replaces it only with
//    a strictly higher fee ("replacement-fee-too-low" otherwise);
//  - it applies to the tip's state (ApplyTransaction, with the context of
//    the next block) after the payer's pending transactions, and they all
//    still apply with it in place: so "insufficient-funds" when the payer
//    cannot cover every pending cost and fee, and every other state rule of
//    its type;
//  - "too-many-pending" past the per-payer bound; "mempool-full" past the
//    byte bound.
// The payer is a transaction's first signer (consensus/transaction.h).
// Attestations (fee-free, without nonces) have a lane of their own, with its
// own rules and byte bound (chain/attestation_pool.h), so neither kind can
// crowd out the other.
// Block selection takes, repeatedly, the highest-fee transaction among each
// payer's next nonce (ties broken by id), so a block never skips a nonce.
// Every transaction in the pool has had every signature verified, so the
// block producer need not verify them again.
//
// Thread-safety: all methods lock m_mutex. The TipSource and StateReader
// passed in may lock the Chain (lock order: mempool, then chain).
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "chain/attestation_pool.h"
#include "chain/tip.h"
#include "consensus/params.h"
#include "consensus/state.h"
#include "consensus/transaction.h"
#include "util/result.h"

namespace maillon {

struct MempoolLimits {
    size_t max_bytes = 64 << 20;
    size_t max_per_sender = 64;
    size_t max_attestation_bytes = 16 << 20;
    size_t max_attestations_per_device = 64;
};

struct MempoolInfo {
    size_t size;  // transactions other than attestations
    size_t bytes;
    size_t max_bytes;
    size_t senders;
    size_t attestations;
    size_t attestation_bytes;
    size_t max_attestation_bytes;
};

class Mempool {
public:
    Mempool(const ChainParams& params, MempoolLimits limits);

    // Validates and adds tx against the current tip of `tip` (read under the
    // mempool's lock), in the context of the block that would follow it at
    // now_ms; returns its id.
    Result<Hash256> Add(const Transaction& tx, const TipSource& tip, uint64_t now_ms);

    // Up to max_txs transactions in a valid order for the next block, then
    // up to max_attestations attestations, oldest first.
    std::vector<Transaction> Select(size_t max_txs, size_t max_attestations) const;

    // Drops these transactions (assembly found they no longer apply, or a
    // block included these attestations) and, for nonce-ordered ones, since
    // their nonces will not be used, every later one of their payers.
    void RemoveWithDescendants(const std::vector<Hash256>& ids);

    // Drops what the new tip made stale: every pending transaction whose
    // nonce is below its payer's account nonce in `tip`.
    void RemoveStale(const std::vector<XOnlyPubKey>& payers, const StateReader& tip);
    // Drops the attestations that no block from next_height on can accept
    // (AttestationPool::RemoveExpired); returns how many.
    size_t RemoveExpiredAttestations(uint64_t next_height);

    std::optional<Transaction> Get(const Hash256& txid) const;
    // Every pending transaction, by payer and then nonce, then the
    // attestations oldest first: an order in which Add() accepts them again
    // (mempool.dat).
    std::vector<Transaction> All() const;
    // The transaction that replaced `txid` (same payer and nonce, higher
    // fee), for the last kRememberedReplacements replacements.
    std::optional<Hash256> ReplacedBy(const Hash256& txid) const;
    static constexpr size_t kRememberedReplacements = 10'000;
    // Number of pending transactions paid by `payer`.
    size_t PendingCount(const XOnlyPubKey& payer) const;
    // The nonce the payer's next transaction should use: its account nonce
    // at the current tip of `tip` (read under the lock, as Add does) plus its
    // pending transactions at or above it.
    Result<uint64_t> NextNonce(const XOnlyPubKey& payer, const TipSource& tip) const;
    MempoolInfo Info() const;

private:
    struct Entry {
        Transaction tx;
        size_t bytes;
    };
    using Pending = std::map<uint64_t, Entry>;  // one payer's, by nonce

    // The nonce rules and the per-payer bound, for tx against its payer's
    // account nonce and pending transactions.
    Status CheckNoncePolicy(const Transaction& tx, uint64_t account_nonce,
                            const Pending& pending) const;
    // tx and the payer's pending transactions all apply, in nonce order, to
    // the tip's state in the next block's context.
    Status CheckPendingChain(const Transaction& tx, const Pending& pending, const StateReader& tip,
                             const BlockContext& next) const;
    void EraseLocked(const XOnlyPubKey& sender, uint64_t nonce);
    void RememberReplacementLocked(const Hash256& old_id, const Hash256& new_id);

    const ChainParams& m_params;
    const MempoolLimits m_limits;
    mutable std::mutex m_mutex;
    AttestationPool m_attestations;                               // guarded by m_mutex
    std::map<XOnlyPubKey, Pending> m_by_payer;                    // guarded by m_mutex
    std::map<Hash256, std::pair<XOnlyPubKey, uint64_t>> m_by_id;  // guarded by m_mutex
    size_t m_bytes = 0;                                           // guarded by m_mutex
    std::map<Hash256, Hash256> m_replaced_by;                     // guarded by m_mutex
    std::deque<Hash256> m_replaced_order;  // m_replaced_by's keys, oldest first; guarded
};

}  // namespace maillon
