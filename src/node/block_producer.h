// BlockProducer: the single validator of a dev chain. Assembles a block from
// the mempool (executing it once), runs the consensus machine
// (consensus/tendermint.h) on it — the one-validator case: the validator
// proposes the block, prevotes and precommits it, each vote signed through
// its SignGuard (node/sign_guard.h) first, and the machine decides it in that
// round — then commits it with the precommit as its certificate and prunes
// the mempool; on a timer (interval_ms > 0) and on demand (ProduceBlock,
// used by `generateblock`). After a restart in the middle of a height it
// votes in the round after the last one it signed, never twice in one.
//
// A block that cannot be assembled or committed is never retried: the first
// failure calls on_fatal (the node then stops) and every later ProduceBlock
// returns that failure.
//
// Thread-safety: ProduceBlock may be called from any thread; production is
// serialized by m_produce_mutex. Lock order: m_produce_mutex, then mempool,
// then chain. Start/Stop are called by the owner's thread only. on_fatal runs
// on the producing thread, at most once.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "chain/chain.h"
#include "chain/mempool.h"
#include "crypto/key.h"
#include "node/rejection_log.h"
#include "node/sign_guard.h"
#include "util/time.h"

namespace maillon {

class BlockProducer {
public:
    using FatalHandler = std::function<void(const Error&)>;
    // `rejections` (may be null) learns of the attestations assembly drops.
    // `guard` must outlive the producer.
    BlockProducer(Chain& chain, Mempool& mempool, RejectionLog* rejections, PrivKey key,
                  SignGuard& guard, uint64_t interval_ms, FatalHandler on_fatal);
    ~BlockProducer();

    void Start();
    void Stop();
    Result<Block> ProduceBlock();

private:
    void Run();
    Result<Block> Produce();
    Result<CommitCertificate> Decide(const StagedBlock& staged, const ValidatorSet& set);
    Error Fail(Error e);
    // Drops what assembly left out for good, noting the attestations'.
    void DropInvalid(const std::vector<RejectedTx>& invalid);

    Chain& m_chain;
    Mempool& m_mempool;
    RejectionLog* const m_rejections;
    const PrivKey m_key;
    SignGuard& m_guard;
    const uint64_t m_interval_ms;
    const FatalHandler m_on_fatal;

    std::mutex m_produce_mutex;
    std::optional<Error> m_failure;  // guarded by m_produce_mutex
    std::mutex m_timer_mutex;
    std::condition_variable m_timer_cv;
    bool m_stopping = false;  // guarded by m_timer_mutex
    std::thread m_thread;
};

}  // namespace maillon
