#include "consensus/block_verify.h"

#include <set>

#include "consensus/tx_verify.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

bool IsValidator(const ChainParams& params, const XOnlyPubKey& key) {
    for (const XOnlyPubKey& v : params.validators) {
        if (v == key) return true;
    }
    return false;
}

}  // namespace

Status CheckBlockHeader(const BlockHeader& header, const BlockHeader& parent,
                        const ChainParams& params, uint64_t now_ms) {
    if (header.version != kBlockVersion) {
        return MakeError("bad-version", "unknown block version " + std::to_string(header.version));
    }
    if (header.chain_id != params.chain_id) {
        return MakeError("wrong-chain", "block is for chain id " + std::to_string(header.chain_id));
    }
    if (header.height != parent.height + 1) {
        return MakeError("bad-height", "height " + std::to_string(header.height) +
                                           " does not follow parent height " +
                                           std::to_string(parent.height));
    }
    if (header.parent != parent.Hash()) {
        return MakeError("bad-parent", "parent hash " + HexStr(header.parent) + " is not the tip " +
                                           HexStr(parent.Hash()));
    }
    if (header.time_ms <= parent.time_ms) {
        return MakeError("time-too-old", "block time " + std::to_string(header.time_ms) +
                                             " ms is not after its parent's " +
                                             std::to_string(parent.time_ms));
    }
    if (header.time_ms > now_ms && header.time_ms - now_ms > params.max_future_block_ms) {
        return MakeError("time-too-new", "block time is " +
                                             std::to_string(header.time_ms - now_ms) +
                                             " ms ahead of the local clock, the limit is " +
                                             std::to_string(params.max_future_block_ms));
    }
    if (!IsValidator(params, header.proposer)) {
        return MakeError("bad-proposer",
                         "proposer " + HexStr(header.proposer) + " is not a validator");
    }
    if (!VerifySchnorr(header.proposer, header.Hash(), header.proposer_sig)) {
        return MakeError("bad-block-signature", "proposer signature does not verify");
    }
    return Status::Ok();
}

Status CheckBlockBody(const Block& block, const ChainParams& params,
                      const SigVerifiedFn& verified) {
    if (block.txs.size() > params.max_block_txs) {
        return MakeError("too-many-txs", std::to_string(block.txs.size()) +
                                             " transactions, the limit is " +
                                             std::to_string(params.max_block_txs));
    }
    const size_t size = block.Serialize().size();
    if (size > params.max_block_bytes) {
        return MakeError("block-too-big", "block is " + std::to_string(size) +
                                              " bytes, the limit is " +
                                              std::to_string(params.max_block_bytes));
    }
    if (block.ComputeTxRoot() != block.header.tx_root) {
        return MakeError("bad-tx-root", "tx_root does not match the block's transactions");
    }
    std::set<Hash256> seen;
    for (size_t i = 0; i < block.txs.size(); ++i) {
        const Transaction& tx = block.txs[i];
        const Hash256 id = tx.Id();
        if (!seen.insert(id).second) {
            return MakeError("duplicate-tx", "transaction " + HexStr(id) + " appears twice");
        }
        const bool skip_sig = verified && verified(id);
        Status st = CheckTransaction(tx, params, !skip_sig);
        if (!st) {
            return MakeError(st.error().code, "transaction " + std::to_string(i) + " (" +
                                                  HexStr(id) + "): " + st.error().message);
        }
    }
    return Status::Ok();
}

Status ApplyBlockTransactions(const Block& block, AccountOverlay& state) {
    for (size_t i = 0; i < block.txs.size(); ++i) {
        Status st = ApplyTransaction(block.txs[i], block.header.proposer, state);
        if (!st) {
            return MakeError(st.error().code, "transaction " + std::to_string(i) + " (" +
                                                  HexStr(block.txs[i].Id()) +
                                                  "): " + st.error().message);
        }
    }
    return Status::Ok();
}

BlockHeader GenesisHeader(const ChainParams& params, const Hash256& state_root) {
    BlockHeader h;
    h.chain_id = params.chain_id;
    h.height = 0;
    h.time_ms = params.genesis_time_ms;
    h.state_root = state_root;
    return h;
}

}  // namespace maillon
