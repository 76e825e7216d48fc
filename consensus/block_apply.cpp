#include "consensus/block_apply.h"

#include <string>

#include "consensus/epoch_rewards.h"
#include "consensus/records.h"
#include "consensus/tx_verify.h"
#include "util/strencodings.h"

namespace maillon {

Result<BlockExecution> BlockExecution::Begin(const BlockContext& ctx,
                                             const CommitCertificate& last_commit,
                                             StateOverlay& state, SignatureSink& sigs) {
    const auto parent = ctx.RecentHash(ctx.height - 1);
    if (ctx.height == 0 || !parent) {
        return MakeError("bad-height", "a block needs its parent's hash in the block context");
    }
    // The set that must sign this block, and whose signers the epoch pays.
    auto current = GetValidatorSet(state, RecordTag::kValidators);
    if (!current) return current.error();
    if (ctx.height == 1) {
        if (!last_commit.signatures.empty() || last_commit.round != 0) {
            return MakeError("bad-commit",
                             "block 1 carries genesis's certificate, which has no signatures");
        }
    } else {
        auto last = GetValidatorSet(state, RecordTag::kLastValidators);
        if (!last) return last.error();
        Status st = CheckCommitQuorum(last_commit, *last, ctx.height - 1, *parent);
        if (!st) return st.error();
        AddCommitSignatures(last_commit, *last, ctx.params.chain_id, kCommitSigOwner, sigs);
        st = CountCommitSigners(state, ctx.Epoch(), last_commit, *last, *current);
        if (!st) return st.error();
    }
    if (!current->IndexOf(ctx.proposer)) {
        return MakeError("bad-proposer",
                         "proposer " + HexStr(ctx.proposer) + " is not in the validator set");
    }
    return BlockExecution(ctx, std::move(*current), state, sigs);
}

Status BlockExecution::Add(const Transaction& tx) {
    Status st = ApplyTransaction(m_ctx, tx, *m_state);
    if (!st) return st;
    AddTransactionSignatures(tx, TxSigOwner(m_receipts.size()), *m_sigs);
    m_receipts.push_back(TxReceipt{tx.Id(), tx.Payer(), tx.Nonce(), tx.Fee()});
    return Status::Ok();
}

Result<std::vector<TxReceipt>> BlockExecution::End() && {
    auto last = GetValidatorSet(*m_state, RecordTag::kLastValidators);
    if (!last) return last.error();
    if (*last != m_signers) {
        Status st = PutValidatorSet(*m_state, RecordTag::kLastValidators, m_signers);
        if (!st) return st.error();
    }
    if (ClosesEpoch(m_ctx.height, m_ctx.params)) {
        Status st = CloseEpoch(*m_state, m_ctx.params, m_ctx.Epoch());
        if (!st) return st.error();
    }
    return std::move(m_receipts);
}

Result<std::vector<TxReceipt>> ApplyBlock(const BlockContext& ctx, const Block& block,
                                          StateOverlay& state, SignatureSink& sigs) {
    auto exec = BlockExecution::Begin(ctx, block.last_commit, state, sigs);
    if (!exec) return exec.error();
    for (size_t i = 0; i < block.txs.size(); ++i) {
        Status st = exec->Add(block.txs[i]);
        if (!st) {
            Error e = st.error();
            e.message = "transaction " + std::to_string(i) + " (" + HexStr(block.txs[i].Id()) +
                        "): " + e.message;
            return e;
        }
    }
    return std::move(*exec).End();
}

}  // namespace maillon
