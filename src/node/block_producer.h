// BlockProducer: the single validator of a dev chain. Builds a block from the
// mempool, signs it with the validator key, connects it to the chain and
// prunes the mempool — on a timer (interval_ms > 0) and on demand
// (ProduceBlock, used by the `generateblock` RPC).
//
// Thread-safety: ProduceBlock may be called from any thread; production is
// serialized by m_produce_mutex. Lock order: m_produce_mutex, then mempool,
// then chain. Start/Stop are called by the owner's thread only.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "chain/chain.h"
#include "chain/mempool.h"
#include "crypto/key.h"

namespace maillon {

class BlockProducer {
public:
    BlockProducer(Chain& chain, Mempool& mempool, PrivKey key, uint64_t interval_ms);
    ~BlockProducer();

    void Start();
    void Stop();
    Result<Block> ProduceBlock();

private:
    void Run();

    Chain& m_chain;
    Mempool& m_mempool;
    const PrivKey m_key;
    const uint64_t m_interval_ms;

    std::mutex m_produce_mutex;
    std::mutex m_timer_mutex;
    std::condition_variable m_timer_cv;
    bool m_stopping = false;  // guarded by m_timer_mutex
    std::thread m_thread;
};

uint64_t NowMs();

}  // namespace maillon
