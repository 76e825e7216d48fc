#include "chain/mempool.h"

#include <queue>
#include <tuple>

#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "consensus/tx_verify.h"
#include "util/strencodings.h"

namespace maillon {

Mempool::Mempool(const ChainParams& params, MempoolLimits limits)
    : m_params(params),
      m_limits(limits),
      m_attestations(params, limits.max_attestation_bytes, limits.max_attestations_per_device) {}

namespace {

// The error for a transaction that does not apply after the payer's pending
// ones; `victim` is the pending transaction it made fail, if it was not itself.
Error PendingConflict(const Error& e, const Transaction* victim) {
    if (!victim) return e;
    return MakeError(e.kind, e.code,
                     "with this transaction in place, pending transaction " + HexStr(victim->Id()) +
                         " (nonce " + std::to_string(victim->Nonce()) +
                         ") would fail: " + e.message);
}

}  // namespace

Result<Hash256> Mempool::Add(const Transaction& tx, const TipSource& source, uint64_t now_ms) {
    const Hash256 id = tx.Id();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_by_id.count(id) || m_attestations.Contains(id)) {
            return MakeError(ErrorKind::kPolicy, "already-in-mempool",
                             "transaction " + HexStr(id) + " is already pending");
        }
    }
    Status st = CheckTransaction(tx, m_params);
    if (!st) return st.error();
    // The signature check is the expensive part; do it without the lock.
    st = CheckTransactionSignatures(tx);
    if (!st) return st.error();

    std::lock_guard<std::mutex> lock(m_mutex);
    if (IsAttestation(tx.Type())) {
        const TipView view = source.CurrentTip();
        return m_attestations.Add(tx, view.State(), view.NextBlock(m_params, now_ms));
    }
    if (m_by_id.count(id)) {
        return MakeError(ErrorKind::kPolicy, "already-in-mempool",
                         "transaction " + HexStr(id) + " is already pending");
    }
    // Under the lock: a view older than the last RemoveStale would miscount
    // the payer's next nonce.
    const TipView view = source.CurrentTip();
    const StateReader& tip = view.State();
    const BlockContext next = view.NextBlock(m_params, now_ms);
    const XOnlyPubKey& payer = tx.Payer();
    auto account = GetAccount(tip, payer);
    if (!account) return account.error();
    // Entries below the account nonce were included by a block whose
    // RemoveStale has not run yet (the tip moves first); drop them so they
    // neither shift the next expected nonce nor count against the balance.
    for (auto stale = m_by_payer.find(payer);
         stale != m_by_payer.end() && stale->second.begin()->first < account->nonce;
         stale = m_by_payer.find(payer)) {
        EraseLocked(payer, stale->second.begin()->first);
    }
    static const Pending kNone;
    auto sit = m_by_payer.find(payer);
    const Pending& pending = sit == m_by_payer.end() ? kNone : sit->second;
    st = CheckNoncePolicy(tx, account->nonce, pending);
    if (!st) return st.error();
    st = CheckPendingChain(tx, pending, tip, next);
    if (!st) return st.error();
    auto existing = pending.find(tx.Nonce());
    const size_t bytes = tx.Size();
    const size_t replaced_bytes = existing != pending.end() ? existing->second.bytes : 0;
    if (m_bytes - replaced_bytes + bytes > m_limits.max_bytes) {
        return MakeError(ErrorKind::kPolicy, "mempool-full",
                         "the mempool is full (" + std::to_string(m_limits.max_bytes) +
                             " bytes); try again after the next block");
    }
    if (existing != pending.end()) {
        RememberReplacementLocked(existing->second.tx.Id(), id);
        EraseLocked(payer, tx.Nonce());
    }
    m_by_payer[payer].insert_or_assign(tx.Nonce(), Entry{tx, bytes});
    m_by_id[id] = {payer, tx.Nonce()};
    m_bytes += bytes;
    return id;
}

Status Mempool::CheckNoncePolicy(const Transaction& tx, uint64_t account_nonce,
                                 const Pending& pending) const {
    const uint64_t next_nonce = account_nonce + pending.size();
    if (tx.Nonce() < account_nonce) {
        return MakeError("nonce-too-low", "nonce " + std::to_string(tx.Nonce()) +
                                              " was already used; the next nonce for this "
                                              "sender is " +
                                              std::to_string(next_nonce));
    }
    auto existing = pending.find(tx.Nonce());
    if (existing == pending.end() && tx.Nonce() != next_nonce) {
        return MakeError(ErrorKind::kPolicy, "nonce-gap",
                         "nonce " + std::to_string(tx.Nonce()) +
                             " leaves a gap; the next nonce for this sender is " +
                             std::to_string(next_nonce));
    }
    if (existing != pending.end() && tx.Fee() <= existing->second.tx.Fee()) {
        return MakeError(ErrorKind::kPolicy, "replacement-fee-too-low",
                         "a transaction with nonce " + std::to_string(tx.Nonce()) +
                             " is already pending; a replacement must pay a higher fee than " +
                             std::to_string(existing->second.tx.Fee()));
    }
    if (existing == pending.end() && pending.size() >= m_limits.max_per_sender) {
        return MakeError(ErrorKind::kPolicy, "too-many-pending",
                         "sender already has " + std::to_string(pending.size()) +
                             " pending transactions; wait for some to be included");
    }
    return Status::Ok();
}

Status Mempool::CheckPendingChain(const Transaction& tx, const Pending& pending,
                                  const StateReader& tip, const BlockContext& next) const {
    // Every pending transaction of the payer, in nonce order with the new one
    // in its place, must still apply to the tip: the new one must not break
    // those after it (a replacement that costs more), nor fail itself.
    StateOverlay scratch(tip);
    bool placed = false;
    for (const auto& [nonce, entry] : pending) {
        const bool replaced = nonce == tx.Nonce();
        placed = placed || replaced;
        Status applied = ApplyTransaction(next, replaced ? tx : entry.tx, scratch);
        if (!applied) return PendingConflict(applied.error(), replaced ? nullptr : &entry.tx);
    }
    if (!placed) {
        Status applied = ApplyTransaction(next, tx, scratch);
        if (!applied) return PendingConflict(applied.error(), nullptr);
    }
    return Status::Ok();
}

void Mempool::RememberReplacementLocked(const Hash256& old_id, const Hash256& new_id) {
    if (m_replaced_by.insert_or_assign(old_id, new_id).second) m_replaced_order.push_back(old_id);
    if (m_replaced_order.size() > kRememberedReplacements) {
        m_replaced_by.erase(m_replaced_order.front());
        m_replaced_order.pop_front();
    }
}

void Mempool::EraseLocked(const XOnlyPubKey& sender, uint64_t nonce) {
    auto sit = m_by_payer.find(sender);
    if (sit == m_by_payer.end()) return;
    auto it = sit->second.find(nonce);
    if (it == sit->second.end()) return;
    m_bytes -= it->second.bytes;
    m_by_id.erase(it->second.tx.Id());
    sit->second.erase(it);
    if (sit->second.empty()) m_by_payer.erase(sit);
}

std::vector<Transaction> Mempool::Select(size_t max_txs, size_t max_attestations) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    using Cursor = std::map<uint64_t, Entry>::const_iterator;
    struct Head {
        Amount fee;
        Hash256 id;
        Cursor it;
        Cursor end;
    };
    // Highest fee first; among equal fees the smaller id first.
    auto lower = [](const Head& a, const Head& b) {
        return std::tie(a.fee, b.id) < std::tie(b.fee, a.id);
    };
    std::priority_queue<Head, std::vector<Head>, decltype(lower)> heads(lower);
    for (const auto& [sender, pending] : m_by_payer) {
        auto it = pending.begin();
        heads.push(Head{it->second.tx.Fee(), it->second.tx.Id(), it, pending.end()});
    }
    std::vector<Transaction> out;
    while (!heads.empty() && out.size() < max_txs) {
        Head h = heads.top();
        heads.pop();
        out.push_back(h.it->second.tx);
        auto next = std::next(h.it);
        if (next != h.end && next->first == h.it->first + 1) {
            heads.push(Head{next->second.tx.Fee(), next->second.tx.Id(), next, h.end});
        }
    }
    m_attestations.Select(max_attestations, out);
    return out;
}

void Mempool::RemoveWithDescendants(const std::vector<Hash256>& ids) {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (const Hash256& id : ids) {
        if (m_attestations.Remove(id)) continue;
        auto it = m_by_id.find(id);
        if (it == m_by_id.end()) continue;
        const auto [payer, first] = it->second;
        std::vector<uint64_t> doomed;
        for (const auto& [nonce, entry] : m_by_payer.at(payer)) {
            if (nonce >= first) doomed.push_back(nonce);
        }
        for (uint64_t nonce : doomed)
            EraseLocked(payer, nonce);
    }
}

void Mempool::RemoveStale(const std::vector<XOnlyPubKey>& payers, const StateReader& tip) {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (const XOnlyPubKey& payer : payers) {
        auto sit = m_by_payer.find(payer);
        if (sit == m_by_payer.end()) continue;
        auto account = GetAccount(tip, payer);
        if (!account) continue;
        std::vector<uint64_t> stale;
        for (const auto& [nonce, entry] : sit->second) {
            if (nonce < account->nonce) stale.push_back(nonce);
        }
        for (uint64_t nonce : stale)
            EraseLocked(payer, nonce);
    }
}

size_t Mempool::RemoveExpiredAttestations(uint64_t next_height) {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_attestations.RemoveExpired(next_height);
}

std::optional<Transaction> Mempool::Get(const Hash256& txid) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_by_id.find(txid);
    if (it == m_by_id.end()) return m_attestations.Get(txid);
    return m_by_payer.at(it->second.first).at(it->second.second).tx;
}

std::vector<Transaction> Mempool::All() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<Transaction> out;
    out.reserve(m_by_id.size());
    for (const auto& [payer, pending] : m_by_payer) {
        for (const auto& [nonce, entry] : pending)
            out.push_back(entry.tx);
    }
    m_attestations.AppendAll(out);
    return out;
}

std::optional<Hash256> Mempool::ReplacedBy(const Hash256& txid) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_replaced_by.find(txid);
    if (it == m_replaced_by.end()) return std::nullopt;
    return it->second;
}

size_t Mempool::PendingCount(const XOnlyPubKey& payer) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_by_payer.find(payer);
    return it == m_by_payer.end() ? 0 : it->second.size();
}

Result<uint64_t> Mempool::NextNonce(const XOnlyPubKey& payer, const TipSource& source) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto account = GetAccount(source.CurrentTip().State(), payer);
    if (!account) return account.error();
    uint64_t next = account->nonce;
    if (auto it = m_by_payer.find(payer); it != m_by_payer.end()) {
        for (auto e = it->second.lower_bound(next); e != it->second.end() && e->first == next; ++e)
            ++next;
    }
    return next;
}

MempoolInfo Mempool::Info() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return MempoolInfo{m_by_id.size(),
                       m_bytes,
                       m_limits.max_bytes,
                       m_by_payer.size(),
                       m_attestations.Size(),
                       m_attestations.Bytes(),
                       m_limits.max_attestation_bytes};
}

}  // namespace maillon
