#include "consensus/genesis.h"

#include "consensus/records.h"
#include "util/overflow.h"

namespace maillon {

namespace {

Error Overflow() {
    return MakeError("bad-genesis", "genesis amounts overflow 64 bits");
}

}  // namespace

Status WriteGenesisState(const ChainParams& params, StateOverlay& state) {
    auto set = ValidatorSet::Make(params.genesis_validators);
    if (!set) return set.error();
    Supply supply;
    for (const GenesisAllocation& a : params.genesis_allocations) {
        auto total = CheckedAdd(supply.genesis, a.amount);
        if (!total) return Overflow();
        supply.genesis = *total;
        Account acct;
        acct.balance = a.amount;
        Status st = PutAccount(state, a.address, acct);
        if (!st) return st;
    }
    auto total = CheckedAdd(supply.genesis, set->TotalPower());
    if (!total) return Overflow();
    supply.genesis = *total;
    supply.locked = set->TotalPower();
    for (RecordTag tag : {RecordTag::kValidators, RecordTag::kLastValidators}) {
        Status st = PutValidatorSet(state, tag, *set);
        if (!st) return st;
    }
    return PutSupply(state, supply);
}

Result<Block> GenesisBlock(const ChainParams& params, const Hash256& state_root) {
    auto set = ValidatorSet::Make(params.genesis_validators);
    if (!set) return set.error();
    Block b;
    b.header.chain_id = params.chain_id;
    b.header.time_ms = params.genesis_time_ms;
    b.header.validators_hash = set->Hash();
    b.header.next_validators_hash = b.header.validators_hash;
    b.header.last_commit_hash = b.last_commit.Hash();
    b.header.tx_root = b.ComputeTxRoot();
    b.header.state_root = state_root;
    return b;
}

}  // namespace maillon
