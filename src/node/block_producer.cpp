#include "node/block_producer.h"

#include <chrono>
#include <set>

#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

uint64_t NowMs() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

BlockProducer::BlockProducer(Chain& chain, Mempool& mempool, PrivKey key, uint64_t interval_ms)
    : m_chain(chain), m_mempool(mempool), m_key(std::move(key)), m_interval_ms(interval_ms) {}

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
        auto block = ProduceBlock();
        if (!block) LogPrint("producer", "block production failed: " + block.error().message);
        lock.lock();
    }
}

Result<Block> BlockProducer::ProduceBlock() {
    std::lock_guard<std::mutex> lock(m_produce_mutex);
    const ChainParams& params = m_chain.Params();
    const std::vector<Transaction> candidates = m_mempool.Select(params.max_block_txs);
    auto block = m_chain.AssembleBlock(candidates, m_key.PubKey(), NowMs());
    if (!block) return block.error();
    block->header.proposer_sig = m_key.Sign(block->header.Hash());
    // Resolved before ConnectBlock: the chain's lock must not be held while
    // taking the mempool's (lock order: mempool, then chain).
    std::set<Hash256> verified;
    for (const Transaction& tx : block->txs) {
        const Hash256 id = tx.Id();
        if (m_mempool.IsVerified(id)) verified.insert(id);
    }
    Status st = m_chain.ConnectBlock(*block, NowMs(),
                                     [&](const Hash256& id) { return verified.count(id) > 0; });
    if (!st) return st.error();

    std::vector<XOnlyPubKey> senders;
    for (const Transaction& tx : block->txs)
        senders.push_back(tx.sender);
    m_mempool.RemoveStale(senders, m_chain);
    LogPrint("chain", "new block height=" + std::to_string(block->header.height) +
                          " hash=" + HexStr(block->header.Hash()) +
                          " txs=" + std::to_string(block->txs.size()));
    return block;
}

}  // namespace maillon
