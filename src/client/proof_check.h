// Client-side verification of a `getproof` reply, so a wallet need not trust
// the node it asks (doc/protocol.md, "Verifying a proof"):
//  - the header hashes to the reported block hash and is of this network
//    (height 0: it is the network's own genesis);
//  - the reported validator set hashes to the header's validators_hash and is
//    the set this client trusts: the network's genesis validators (no
//    transaction changes the set yet; when staking does, a client follows
//    next_validators_hash from a header it trusts);
//  - the commit certificate is for that header and carries valid precommits
//    of more than two thirds of that set's voting power;
//  - the Merkle proof proves the reported account (or its absence) against
//    the header's state root.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/records.h"
#include "util/result.h"

namespace maillon {

struct VerifiedAccount {
    BlockHeader header;
    std::optional<Account> account;  // nullopt: proven absent (an empty account)
};

// A proof of the current state must be recent as well: a node (or whatever
// answers in its place) can serve any old block's proof, validly signed.
// `now_ms` is the local clock; a header ahead of it has age 0.
inline constexpr uint64_t kDefaultMaxProofAgeSeconds = 300;
uint64_t HeaderAgeSeconds(const BlockHeader& header, uint64_t now_ms);
// Code "stale-proof" when the header is older than max_age_s; the message
// gives the block's height, time and age.
Status CheckProofAge(const BlockHeader& header, uint64_t now_ms, uint64_t max_age_s);

// With `height`, the proof must be for the block at that height ("the node
// returned a proof for height X, not the requested Y"); without, any height.
Result<VerifiedAccount> VerifyProofReply(const ChainParams& params, const XOnlyPubKey& address,
                                         const rapidjson::Value& reply,
                                         std::optional<uint64_t> height = std::nullopt);

}  // namespace maillon
