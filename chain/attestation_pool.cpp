#include "chain/attestation_pool.h"

#include <string>

#include "consensus/tx_type.h"
#include "consensus/tx_verify.h"
#include "util/strencodings.h"

namespace maillon {

AttestationPool::AttestationPool(const ChainParams& params, size_t max_bytes, size_t max_per_device)
    : m_params(params), m_max_bytes(max_bytes), m_max_per_device(max_per_device) {}

Result<Hash256> AttestationPool::Add(const Transaction& tx, const StateReader& tip,
                                     const BlockContext& next) {
    const Hash256 id = tx.Id();
    if (Contains(id)) {
        return MakeError(ErrorKind::kPolicy, "already-in-mempool",
                         "attestation " + HexStr(id) + " is already pending");
    }
    std::vector<uint8_t> key = tx.Type().ReplayKey(tx, m_params);
    if (auto same = m_by_replay_key.find(key); same != m_by_replay_key.end()) {
        return MakeError(ErrorKind::kPolicy, "already-in-mempool",
                         "attestation " + HexStr(same->second) + " for the same " +
                             std::string(tx.Type().Name()) +
                             " is already pending; only one can be accepted");
    }
    StateOverlay scratch(tip);
    Status st = ApplyTransaction(next, tx, scratch);
    if (!st) return st.error();
    const XOnlyPubKey& device = tx.Payer();
    if (auto it = m_per_device.find(device);
        it != m_per_device.end() && it->second >= m_max_per_device) {
        return MakeError(ErrorKind::kPolicy, "too-many-pending",
                         "device already has " + std::to_string(it->second) +
                             " pending attestations; wait for some to be included");
    }
    if (m_bytes + tx.Size() > m_max_bytes) {
        return MakeError(ErrorKind::kPolicy, "mempool-full",
                         "the attestation lane of the mempool is full (" +
                             std::to_string(m_max_bytes) +
                             " bytes); try again after the next block");
    }
    const uint64_t seq = m_next_seq++;
    const uint64_t last_valid = tx.Type().LastValidHeight(tx, m_params);
    m_by_last_valid_height.emplace(last_valid, id);
    m_by_replay_key.emplace(key, id);
    m_by_arrival.emplace(seq, id);
    m_per_device[device] += 1;
    m_bytes += tx.Size();
    m_by_id.emplace(id, Entry{tx, std::move(key), seq, last_valid});
    return id;
}

void AttestationPool::Select(size_t max, std::vector<Transaction>& out) const {
    for (auto it = m_by_arrival.begin(); it != m_by_arrival.end() && max > 0; ++it, --max)
        out.push_back(m_by_id.at(it->second).tx);
}

void AttestationPool::AppendAll(std::vector<Transaction>& out) const {
    Select(m_by_arrival.size(), out);
}

std::optional<Transaction> AttestationPool::Get(const Hash256& id) const {
    auto it = m_by_id.find(id);
    if (it == m_by_id.end()) return std::nullopt;
    return it->second.tx;
}

bool AttestationPool::Remove(const Hash256& id) {
    auto it = m_by_id.find(id);
    if (it == m_by_id.end()) return false;
    const Entry& e = it->second;
    m_by_replay_key.erase(e.replay_key);
    m_by_arrival.erase(e.seq);
    for (auto [it2, end] = m_by_last_valid_height.equal_range(e.last_valid_height); it2 != end;
         ++it2) {
        if (it2->second == id) {
            m_by_last_valid_height.erase(it2);
            break;
        }
    }
    auto device = m_per_device.find(e.tx.Payer());
    if (--device->second == 0) m_per_device.erase(device);
    m_bytes -= e.tx.Size();
    m_by_id.erase(it);
    return true;
}

size_t AttestationPool::RemoveExpired(uint64_t next_height) {
    size_t removed = 0;
    while (!m_by_last_valid_height.empty() && m_by_last_valid_height.begin()->first < next_height) {
        Remove(m_by_last_valid_height.begin()->second);
        removed += 1;
    }
    return removed;
}

}  // namespace maillon
