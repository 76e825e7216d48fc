// Block validity rules. Pure functions: the caller passes the parent header,
// the local clock reading and a state view; nothing here reads disk or time.
#pragma once

#include <functional>

#include "consensus/params.h"
#include "consensus/state_view.h"
#include "primitives/block.h"
#include "util/result.h"

namespace maillon {

// Header rules against the parent: version, chain id, height = parent + 1,
// parent hash, time strictly after the parent's and at most
// params.max_future_block_ms ahead of now_ms, a proposer from the validator
// set, and the proposer's signature over Hash().
Status CheckBlockHeader(const BlockHeader& header, const BlockHeader& parent,
                        const ChainParams& params, uint64_t now_ms);

// Returns true when this transaction's signature was already verified
// (e.g. at mempool entry), so block checks can skip it.
using SigVerifiedFn = std::function<bool(const Hash256& txid)>;

// Body rules: transaction count and serialized size within limits, tx_root
// matches, no transaction twice, and every transaction passes
// CheckTransaction.
Status CheckBlockBody(const Block& block, const ChainParams& params,
                      const SigVerifiedFn& verified = {});

// Applies every transaction in order; fees go to the header's proposer.
// The error names the failing transaction's index and id.
Status ApplyBlockTransactions(const Block& block, AccountOverlay& state);

// The genesis header of a network, given the root of its initial state.
BlockHeader GenesisHeader(const ChainParams& params, const Hash256& state_root);

}  // namespace maillon
