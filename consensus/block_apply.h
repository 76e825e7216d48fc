// The one block-execution function. ApplyBlock = begin-block, every
// transaction in order, end-block; the block producer runs the same steps
// through BlockExecution (adding only the transactions that apply), so a
// proposer and a validator can never compute different states.
//
// Signatures are not verified here: every job (the last commit's, each
// transaction's roles') goes to the caller's SignatureSink, which verifies
// them as one batch (validation) or knows them verified (the producer). Owner
// numbers: kCommitSigOwner for the last commit, TxSigOwner(i) for
// transaction i.
//
// Pure: all state goes through the overlay. Costs O(what the block touches):
// begin and end read a fixed number of records (begin also counts the last
// commit's signers, and the end of an epoch's last block closes the epoch,
// consensus/epoch_rewards.h: O(validators) both); each transaction costs
// what ApplyTransaction costs.
#pragma once

#include <cstdint>
#include <vector>

#include "consensus/block.h"
#include "consensus/block_context.h"
#include "consensus/signature_batch.h"
#include "consensus/state.h"
#include "util/result.h"

namespace maillon {

inline constexpr uint64_t kCommitSigOwner = 0;
inline uint64_t TxSigOwner(size_t index) {
    return uint64_t{index} + 1;
}

// What one transaction did, as the block's execution reports it.
struct TxReceipt {
    Hash256 txid{};
    XOnlyPubKey payer{};
    uint64_t nonce = 0;
    Amount fee = 0;
    bool operator==(const TxReceipt&) const = default;
};

class BlockExecution {
public:
    // Begin-block: at height 1 the last commit must be genesis's (no
    // signatures); above it, its signers must be a quorum of the state's
    // last validator set, and their precommits are queued in `sigs`. The
    // proposer must be in the state's current validator set. `state` and
    // `sigs` must outlive the execution (`ctx` is copied; what it refers to,
    // the parameters and recent hashes, must outlive it too).
    static Result<BlockExecution> Begin(const BlockContext& ctx,
                                        const CommitCertificate& last_commit, StateOverlay& state,
                                        SignatureSink& sigs);

    // Applies tx on top of what is applied so far (ApplyTransaction) and
    // queues its signatures. On error, nothing changes and nothing is queued.
    Status Add(const Transaction& tx);
    size_t Count() const { return m_receipts.size(); }

    // End-block: the validator set that had to sign this block (read by
    // Begin, before any transaction) becomes the last validator set; epoch
    // work, when there is some, goes after that. Returns the receipts, one
    // per transaction.
    Result<std::vector<TxReceipt>> End() &&;

private:
    BlockExecution(const BlockContext& ctx, ValidatorSet signers, StateOverlay& state,
                   SignatureSink& sigs)
        : m_ctx(ctx), m_signers(std::move(signers)), m_state(&state), m_sigs(&sigs) {}

    BlockContext m_ctx;      // a copy: the caller's may be a temporary
    ValidatorSet m_signers;  // the "validators" record as Begin found it
    StateOverlay* m_state;
    SignatureSink* m_sigs;
    std::vector<TxReceipt> m_receipts;
};

// Executes `block` on `state`: Begin with the block's last commit, Add every
// transaction (an error names its index and id), End.
Result<std::vector<TxReceipt>> ApplyBlock(const BlockContext& ctx, const Block& block,
                                          StateOverlay& state, SignatureSink& sigs);

}  // namespace maillon
