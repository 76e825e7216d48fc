#include "chain/mempool.h"

#include <queue>
#include <tuple>

#include "consensus/tx_verify.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

Mempool::Mempool(const ChainParams& params, MempoolLimits limits)
    : m_params(params), m_limits(limits) {}

Result<Hash256> Mempool::Add(const Transaction& tx, const StateView& tip) {
    const Hash256 id = tx.Id();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_by_id.count(id)) {
            return MakeError("already-in-mempool",
                             "transaction " + HexStr(id) + " is already pending");
        }
    }
    // The signature check is the expensive part; do it without the lock.
    Status st = CheckTransaction(tx, m_params);
    if (!st) return st.error();

    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_by_id.count(id)) {
        return MakeError("already-in-mempool", "transaction " + HexStr(id) + " is already pending");
    }
    auto account = tip.GetAccount(tx.sender);
    if (!account) return account.error();
    // Entries below the account nonce were included by a block whose
    // RemoveStale has not run yet (the tip moves first); drop them so they
    // neither shift the next expected nonce nor count against the balance.
    for (auto stale = m_by_sender.find(tx.sender);
         stale != m_by_sender.end() && stale->second.begin()->first < account->nonce;
         stale = m_by_sender.find(tx.sender)) {
        EraseLocked(tx.sender, stale->second.begin()->first);
    }
    static const std::map<uint64_t, Entry> kNone;
    auto sit = m_by_sender.find(tx.sender);
    const auto& pending = sit == m_by_sender.end() ? kNone : sit->second;
    const uint64_t next = account->nonce + pending.size();
    if (tx.nonce < account->nonce) {
        return MakeError("nonce-too-low", "nonce " + std::to_string(tx.nonce) +
                                              " was already used; the next nonce for this "
                                              "sender is " +
                                              std::to_string(next));
    }
    auto existing = pending.find(tx.nonce);
    if (existing == pending.end() && tx.nonce != next) {
        return MakeError("nonce-gap", "nonce " + std::to_string(tx.nonce) +
                                          " leaves a gap; the next nonce for "
                                          "this sender is " +
                                          std::to_string(next));
    }
    if (existing != pending.end() && tx.fee <= existing->second.tx.fee) {
        return MakeError("replacement-fee-too-low",
                         "a transaction with nonce " + std::to_string(tx.nonce) +
                             " is already pending; a replacement must pay a higher fee than " +
                             std::to_string(existing->second.tx.fee));
    }
    if (existing == pending.end() && pending.size() >= m_limits.max_per_sender) {
        return MakeError("too-many-pending",
                         "sender already has " + std::to_string(pending.size()) +
                             " pending transactions; wait for some to be included");
    }
    // The sender must afford every pending transaction, counting the new one
    // instead of any it replaces.
    Amount total = *TransactionCost(tx);
    for (const auto& [nonce, entry] : pending) {
        if (nonce == tx.nonce) continue;
        auto sum = CheckedAdd(total, *TransactionCost(entry.tx));
        if (!sum) return MakeError("amount-overflow", "pending amounts overflow 64 bits");
        total = *sum;
    }
    if (total > account->balance) {
        return MakeError("insufficient-funds", "sender has " + FormatMoney(account->balance) +
                                                   " MLN but its pending transactions need " +
                                                   FormatMoney(total) + " MLN");
    }
    const size_t bytes = tx.Serialize().size();
    const size_t replaced_bytes = existing != pending.end() ? existing->second.bytes : 0;
    if (m_bytes - replaced_bytes + bytes > m_limits.max_bytes) {
        return MakeError("mempool-full", "the mempool is full (" +
                                             std::to_string(m_limits.max_bytes) +
                                             " bytes); try again after the next block");
    }
    if (existing != pending.end()) EraseLocked(tx.sender, tx.nonce);
    m_by_sender[tx.sender][tx.nonce] = Entry{tx, id, bytes};
    m_by_id[id] = {tx.sender, tx.nonce};
    m_bytes += bytes;
    return id;
}

void Mempool::EraseLocked(const XOnlyPubKey& sender, uint64_t nonce) {
    auto sit = m_by_sender.find(sender);
    if (sit == m_by_sender.end()) return;
    auto it = sit->second.find(nonce);
    if (it == sit->second.end()) return;
    m_bytes -= it->second.bytes;
    m_by_id.erase(it->second.id);
    sit->second.erase(it);
    if (sit->second.empty()) m_by_sender.erase(sit);
}

std::vector<Transaction> Mempool::Select(size_t max_txs) const {
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
    for (const auto& [sender, pending] : m_by_sender) {
        auto it = pending.begin();
        heads.push(Head{it->second.tx.fee, it->second.id, it, pending.end()});
    }
    std::vector<Transaction> out;
    while (!heads.empty() && out.size() < max_txs) {
        Head h = heads.top();
        heads.pop();
        out.push_back(h.it->second.tx);
        auto next = std::next(h.it);
        if (next != h.end && next->first == h.it->first + 1) {
            heads.push(Head{next->second.tx.fee, next->second.id, next, h.end});
        }
    }
    return out;
}

void Mempool::RemoveStale(const std::vector<XOnlyPubKey>& senders, const StateView& tip) {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (const XOnlyPubKey& sender : senders) {
        auto sit = m_by_sender.find(sender);
        if (sit == m_by_sender.end()) continue;
        auto account = tip.GetAccount(sender);
        if (!account) continue;
        std::vector<uint64_t> stale;
        for (const auto& [nonce, entry] : sit->second) {
            if (nonce < account->nonce) stale.push_back(nonce);
        }
        for (uint64_t nonce : stale)
            EraseLocked(sender, nonce);
    }
}

std::optional<Transaction> Mempool::Get(const Hash256& txid) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_by_id.find(txid);
    if (it == m_by_id.end()) return std::nullopt;
    return m_by_sender.at(it->second.first).at(it->second.second).tx;
}

size_t Mempool::PendingCount(const XOnlyPubKey& sender) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_by_sender.find(sender);
    return it == m_by_sender.end() ? 0 : it->second.size();
}

bool Mempool::IsVerified(const Hash256& txid) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_by_id.count(txid) > 0;
}

MempoolInfo Mempool::Info() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return MempoolInfo{m_by_id.size(), m_bytes, m_limits.max_bytes, m_by_sender.size()};
}

}  // namespace maillon
