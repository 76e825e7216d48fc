// A network's genesis, fixed by its parameters (consensus/params.h).
//
// Genesis state: one account per allocation; the genesis validators as both
// the current and the last validator set; the supply record, with genesis =
// allocations + validator stake and locked = validator stake.
// Genesis block: height 0, the parameters' time, zero parent and proposer,
// both validator hashes of the genesis set, the commit certificate of
// nothing (all zero, no signatures) and no transactions.
#pragma once

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/state.h"
#include "util/result.h"

namespace maillon {

Status WriteGenesisState(const ChainParams& params, StateOverlay& state);

// The genesis block whose state root is `state_root`.
Result<Block> GenesisBlock(const ChainParams& params, const Hash256& state_root);

}  // namespace maillon
