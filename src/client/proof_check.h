// Client-side verification of a `getproof` reply, so a wallet need not trust
// the node it asks: the header must hash to the reported block hash and carry
// a valid signature of a validator of the network (genesis: the network's own
// genesis header), and the Merkle proof must prove the reported account (or
// its absence) against that header's state root.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>

#include "consensus/params.h"
#include "primitives/account.h"
#include "primitives/block.h"
#include "util/result.h"

namespace maillon {

struct VerifiedAccount {
    BlockHeader header;
    std::optional<Account> account;  // nullopt: proven absent (an empty account)
};

// With `height`, the proof must be for the block at that height ("the node
// returned a proof for height X, not the requested Y"); without, any height.
Result<VerifiedAccount> VerifyProofReply(const ChainParams& params, const XOnlyPubKey& address,
                                         const rapidjson::Value& reply,
                                         std::optional<uint64_t> height = std::nullopt);

}  // namespace maillon
