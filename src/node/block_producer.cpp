#include "node/block_producer.h"

#include <chrono>

#include "consensus/commit.h"
#include "consensus/tendermint.h"
#include "consensus/tx_type.h"
#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

BlockProducer::BlockProducer(Chain& chain, Mempool& mempool, RejectionLog* rejections, PrivKey key,
                             SignGuard& guard, uint64_t interval_ms, FatalHandler on_fatal)
    : m_chain(chain),
      m_mempool(mempool),
      m_rejections(rejections),
      m_key(std::move(key)),
      m_guard(guard),
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
    auto commit = Decide(*staged, *set);
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

Result<CommitCertificate> BlockProducer::Decide(const StagedBlock& staged,
                                                const ValidatorSet& set) {
    const uint64_t height = staged.block.header.height;
    const uint32_t chain_id = m_chain.Params().chain_id;
    if (set.Size() != 1 || !set.IndexOf(m_key.PubKey())) {
        return MakeError("consensus-failed", "the validator set of height " +
                                                 std::to_string(height) +
                                                 " is not this validator alone: a dev chain "
                                                 "cannot decide its blocks by itself");
    }
    if (m_guard.Last() && m_guard.Last()->height > height) {
        LogPrint("chain", "warning: this validator signed height " +
                              std::to_string(m_guard.Last()->height) + " but the chain ends at " +
                              std::to_string(height - 1) +
                              " (its database lost blocks): as the dev chain's only validator it "
                              "signs those heights again");
        if (Status st = m_guard.ForgetForSoleValidator(); !st) return st.error();
    }
    const auto& last = m_guard.Last();
    const uint32_t round = last && last->height == height ? last->round + 1 : 0;
    Tendermint machine(m_key.PubKey(), TimeoutConfig{});
    CommitCertificate commit{height, round, staged.hash, {}};
    std::optional<Hash256> decided;
    for (const Action& a : machine.StartHeight(height, set, staged.hash, round)) {
        if (a.kind == Action::Kind::kDecide) {
            decided = a.decided;
            commit.round = a.decided_round;
        }
        if (a.kind != Action::Kind::kVote) continue;  // a proposal has no peer to go to
        const Vote& v = a.vote;
        const bool precommit = v.kind == VoteKind::kPrecommit;
        const Hash256 message = VoteHash(chain_id, precommit ? kVotePrecommit : kVotePrevote,
                                         v.height, v.round, v.value.value_or(Hash256{}));
        auto sig = m_guard.Sign(m_key, v.height, v.round,
                                precommit ? SignStep::kPrecommit : SignStep::kPrevote, message);
        if (!sig) return sig.error();
        if (precommit && v.value == staged.hash)
            commit.signatures.push_back(CommitSignature{*set.IndexOf(m_key.PubKey()), *sig});
    }
    if (decided != staged.hash)
        return MakeError("consensus-failed", "the consensus machine did not decide the block");
    return commit;
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
