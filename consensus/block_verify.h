// Stateless block validity rules. Pure functions: nothing here reads disk,
// state or the clock, so whether a committed block is valid never depends on
// the node that checks it.
#pragma once

#include <optional>

#include "consensus/block.h"
#include "consensus/params.h"
#include "util/result.h"

namespace maillon {

// Header rules against the parent: version, chain id, height = parent + 1,
// parent hash, and time strictly after the parent's.
Status CheckBlockHeader(const BlockHeader& header, const BlockHeader& parent,
                        const ChainParams& params);

// The time the proposer gives the block after a parent stamped
// parent_time_ms, at local time now_ms: max(now_ms, parent_time_ms + 1), or
// nullopt when the parent's time is the largest there is (no block can
// follow it).
std::optional<uint64_t> ProposalTime(uint64_t parent_time_ms, uint64_t now_ms);

// The clock rule for a proposal, applied when deciding whether to vote for it
// (never to a committed block): its time is at most
// params.max_proposal_clock_drift_ms ahead of the local clock now_ms.
Status CheckProposalTime(const BlockHeader& header, uint64_t now_ms, const ChainParams& params);

// What a block's transactions take of its two lanes: attestations, and
// everything else (ChainParams::max_block_attestations and neighbours).
struct BlockLanes {
    uint64_t txs = 0;
    uint64_t tx_bytes = 0;
    uint64_t attestations = 0;
    uint64_t attestation_bytes = 0;

    void Add(const Transaction& tx);
};

// The first lane limit `lanes` passes: "too-many-txs", "txs-too-big" (more
// than max_block_bytes - max_block_attestation_bytes), "too-many-attestations",
// "attestations-too-big".
Status CheckBlockLanes(const BlockLanes& lanes, const ChainParams& params);

// Body rules: each lane within its limits (CheckBlockLanes), transaction count and serialized size
// within limits, tx_root and last_commit_hash match the body, the last commit is for the parent
// (its height and hash), no transaction twice, every transaction passes
// CheckTransaction. The error names the failing transaction's index and id.
Status CheckBlockBody(const Block& block, const ChainParams& params);

}  // namespace maillon
