#include "consensus/genesis.h"
#include "util/strencodings.h"

#include <string>

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
    // getbalance skips the curve check for keys present in state
    // (src/node/rpc_util.cpp), which holds only while no off-curve key can
    // enter it; transfers check recipients, genesis checks here.
    auto off_curve = [](const char* what, const XOnlyPubKey& key) {
        return MakeError("genesis-bad-key", std::string("genesis ") + what + " " + HexStr(key) +
                                                " is not a point on the curve");
    };
    for (const Validator& v : params.genesis_validators) {
        if (!IsValidXOnly(v.key)) return off_curve("validator", v.key);
    }
    for (const GenesisAllocation& a : params.genesis_allocations) {
        if (!IsValidXOnly(a.address)) return off_curve("allocation", a.address);
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
    if (supply.genesis > kMaxSupply) {
        return MakeError("genesis-supply", "the genesis supply of " +
                                               std::to_string(supply.genesis) +
                                               " base units exceeds the cap of 2^53 - 1");
    }
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
