#include "consensus/block_verify.h"

#include <algorithm>
#include <set>
#include <string>

#include "consensus/tx_type.h"
#include "consensus/tx_verify.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

Status CheckBlockHeader(const BlockHeader& header, const BlockHeader& parent,
                        const ChainParams& params) {
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
    return Status::Ok();
}

std::optional<uint64_t> ProposalTime(uint64_t parent_time_ms, uint64_t now_ms) {
    const auto after = CheckedAdd(parent_time_ms, 1);
    if (!after) return std::nullopt;
    return std::max(now_ms, *after);
}

Status CheckProposalTime(const BlockHeader& header, uint64_t now_ms, const ChainParams& params) {
    if (header.time_ms > now_ms && header.time_ms - now_ms > params.max_proposal_clock_drift_ms) {
        return MakeError("time-too-new", "proposal time is " +
                                             std::to_string(header.time_ms - now_ms) +
                                             " ms ahead of the local clock, the limit is " +
                                             std::to_string(params.max_proposal_clock_drift_ms));
    }
    return Status::Ok();
}

void BlockLanes::Add(const Transaction& tx) {
    // Bounded by the block's size: these sums cannot overflow.
    if (IsAttestation(tx.Type())) {
        attestations += 1;
        attestation_bytes += tx.Size();
    } else {
        txs += 1;
        tx_bytes += tx.Size();
    }
}

namespace {

Status CheckLane(uint64_t used, uint64_t limit, const char* code, const char* what) {
    if (used <= limit) return Status::Ok();
    return MakeError(code,
                     std::to_string(used) + " " + what + ", the limit is " + std::to_string(limit));
}

}  // namespace

Status CheckBlockLanes(const BlockLanes& lanes, const ChainParams& params) {
    const uint64_t tx_room = params.max_block_bytes -
                             std::min(params.max_block_attestation_bytes, params.max_block_bytes);
    Status st = CheckLane(lanes.txs, params.max_block_txs, "too-many-txs", "transactions");
    if (st) {
        st = CheckLane(lanes.tx_bytes, tx_room, "txs-too-big",
                       "bytes of transactions other than attestations");
    }
    if (st) {
        st = CheckLane(lanes.attestations, params.max_block_attestations, "too-many-attestations",
                       "attestations");
    }
    if (st) {
        st = CheckLane(lanes.attestation_bytes, params.max_block_attestation_bytes,
                       "attestations-too-big", "bytes of attestations");
    }
    return st;
}

Status CheckBlockBody(const Block& block, const ChainParams& params) {
    BlockLanes lanes;
    for (const Transaction& tx : block.txs)
        lanes.Add(tx);
    Status lanes_ok = CheckBlockLanes(lanes, params);
    if (!lanes_ok) return lanes_ok;
    const size_t size = block.EncodedSize();
    if (size > params.max_block_bytes) {
        return MakeError("block-too-big", "block is " + std::to_string(size) +
                                              " bytes, the limit is " +
                                              std::to_string(params.max_block_bytes));
    }
    if (block.ComputeTxRoot() != block.header.tx_root) {
        return MakeError("bad-tx-root", "tx_root does not match the block's transactions");
    }
    if (block.last_commit.Hash() != block.header.last_commit_hash) {
        return MakeError("bad-last-commit-hash",
                         "last_commit_hash does not match the block's commit certificate");
    }
    if (block.last_commit.height + 1 != block.header.height ||
        block.last_commit.block_hash != block.header.parent) {
        return MakeError("bad-commit", "the block carries a certificate for block " +
                                           HexStr(block.last_commit.block_hash) + " at height " +
                                           std::to_string(block.last_commit.height) +
                                           ", not for its parent");
    }
    std::set<Hash256> seen;
    for (size_t i = 0; i < block.txs.size(); ++i) {
        const Transaction& tx = block.txs[i];
        if (!seen.insert(tx.Id()).second) {
            return MakeError("duplicate-tx", "transaction " + HexStr(tx.Id()) + " appears twice");
        }
        Status st = CheckTransaction(tx, params);
        if (!st) {
            return MakeError(st.error().code, "transaction " + std::to_string(i) + " (" +
                                                  HexStr(tx.Id()) + "): " + st.error().message);
        }
    }
    return Status::Ok();
}

}  // namespace maillon
