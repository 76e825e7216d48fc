#include "node/block_producer.h"

#include <chrono>

#include "consensus/tx_type.h"
#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

uint64_t NowMs() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

BlockProducer::BlockProducer(Chain& chain, Mempool& mempool, RejectionLog* rejections, PrivKey key,
                             uint64_t interval_ms, FatalHandler on_fatal)
    : m_chain(chain),
      m_mempool(mempool),
      m_rejections(rejections),
      m_key(std::move(key)),
      m_interval_ms(interval_ms),
      m_on_fatal(std::move(on_fatal)) {}

BlockProducer::~BlockProducer() {
    Stop();
}

void BlockProducer::Start() {
    if (m_interval_ms == 0 || m_thread.joinable()) return;
    m_thread = std::thread([this] { Run(); });
}

void BlockProducer::Stop() {
    {
        std::lock_guard<std::mutex> lock(m_timer_mutex);
        m_stopping = true;
    }
    m_timer_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void BlockProducer::Run() {
    std::unique_lock<std::mutex> lock(m_timer_mutex);
    while (!m_stopping) {
        m_timer_cv.wait_for(lock, std::chrono::milliseconds(m_interval_ms),
                            [this] { return m_stopping; });
        if (m_stopping) break;
        lock.unlock();
        const bool failed = !ProduceBlock();
        lock.lock();
        if (failed) break;  // ProduceBlock reported it; nothing is retried
    }
}

Result<Block> BlockProducer::ProduceBlock() {
    std::lock_guard<std::mutex> lock(m_produce_mutex);
    if (m_failure) return *m_failure;
    return Produce();
}

Error BlockProducer::Fail(Error e) {
    m_failure = e;
    m_on_fatal(e);
    return e;
}

Result<Block> BlockProducer::Produce() {
    const ChainParams& params = m_chain.Params();
    const std::vector<Transaction> candidates =
        m_mempool.Select(params.max_block_txs, params.max_block_attestations);
    std::vector<RejectedTx> invalid;
    auto staged = m_chain.AssembleBlock(candidates, m_key.PubKey(), NowMs(), &invalid);
    if (!staged) return Fail(staged.error());
    // The set that must sign the staged block is the one at the tip it was
    // built on; only this producer moves the tip, under m_produce_mutex.
    auto set = GetValidatorSet(m_chain, RecordTag::kValidators);
    if (!set) return Fail(set.error());
    const PrivKey keys[] = {m_key};
    auto commit = SignCommit(*set, params.chain_id, staged->block.header.height, /*round=*/0,
                             staged->hash, keys);
    if (!commit) return Fail(commit.error());
    Status st = m_chain.CommitBlock(*staged, *commit);
    if (!st) return Fail(st.error());

    std::vector<XOnlyPubKey> payers;
    std::vector<Hash256> attestations;
    for (const Transaction& tx : staged->block.txs) {
        if (IsAttestation(tx.Type())) {
            attestations.push_back(tx.Id());
        } else {
            payers.push_back(tx.Payer());
        }
    }
    m_mempool.RemoveStale(payers, m_chain);
    m_mempool.RemoveWithDescendants(attestations);
    m_mempool.RemoveExpiredAttestations(staged->block.header.height + 1);
    if (!invalid.empty()) DropInvalid(invalid);
    LogPrint("chain", "new block height=" + std::to_string(staged->block.header.height) +
                          " hash=" + HexStr(staged->hash) +
                          " txs=" + std::to_string(staged->block.txs.size()));
    return std::move(staged->block);
}

void BlockProducer::DropInvalid(const std::vector<RejectedTx>& invalid) {
    std::vector<Hash256> ids;
    for (const RejectedTx& r : invalid) {
        ids.push_back(r.txid);
        if (!m_rejections) continue;
        if (auto tx = m_mempool.Get(r.txid); tx && IsAttestation(tx->Type()))
            m_rejections->Record(tx->Payer(), r.error, NowMs());
    }
    m_mempool.RemoveWithDescendants(ids);
    LogPrint("mempool", "dropped " + std::to_string(ids.size()) +
                            " transaction(s) that no longer apply, and their payers' later "
                            "ones; first: " +
                            HexStr(invalid[0].txid) + " " + invalid[0].error.code + ": " +
                            invalid[0].error.message);
}

}  // namespace maillon
