// Votes and commit certificates: how validators make a block final.
//
// A validator signs a vote with BIP340 over
//     VoteHash = TaggedHash("MaillonVote", chain_id u32 | type u8 | height u64
//                                          | round u32 | block_hash [32])
// with type 1 for a prevote and 2 for a precommit. A commit certificate for a
// block holds precommits for it from validators with more than two thirds of
// the voting power of the set that must sign that block (the set its header
// commits to in validators_hash).
//
// Encoding: height u64 | round u32 | block_hash [32] | varint count (<=
// kMaxValidators) | count x (varint validator index | signature [64]), with
// indices strictly ascending: an index is a position in the validator set,
// sorted by key. Hash() = TaggedHash("MaillonCommit", encoding), what the
// next header commits to in last_commit_hash.
//
// Pure functions and values; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "consensus/signature_batch.h"
#include "consensus/validator_set.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

class Reader;
class Writer;

inline constexpr uint8_t kVotePrevote = 1;
inline constexpr uint8_t kVotePrecommit = 2;

Hash256 VoteHash(uint32_t chain_id, uint8_t type, uint64_t height, uint32_t round,
                 const Hash256& block_hash);

struct CommitSignature {
    uint64_t validator_index = 0;
    SchnorrSig sig{};
    bool operator==(const CommitSignature&) const = default;
};

struct CommitCertificate {
    uint64_t height = 0;
    uint32_t round = 0;
    Hash256 block_hash{};
    std::vector<CommitSignature> signatures;

    bool operator==(const CommitCertificate&) const = default;

    void Write(Writer& w) const;
    static bool Read(Reader& r, CommitCertificate& out);
    std::vector<uint8_t> Encode() const;
    static Result<CommitCertificate> Decode(std::span<const uint8_t> bytes);
    Hash256 Hash() const;
};

// What block 1 carries for genesis, which is final by definition: height 0,
// round 0, the genesis hash, no signatures.
CommitCertificate GenesisCommit(const Hash256& genesis_hash);

// Every rule but the signatures: the certificate is for `height` and
// `block_hash`, its indices ascend strictly (no validator counted twice) and
// are inside `set`, and the signers' power is a quorum of it. Code
// "bad-commit".
Status CheckCommitQuorum(const CommitCertificate& cert, const ValidatorSet& set, uint64_t height,
                         const Hash256& block_hash);

// Queues one precommit job per signature whose index is inside `set`, all
// under `owner`.
void AddCommitSignatures(const CommitCertificate& cert, const ValidatorSet& set, uint32_t chain_id,
                         uint64_t owner, SignatureSink& sigs);

// CheckCommitQuorum and every signature ("bad-commit-signature"): what a
// light client or a node storing a certificate runs.
Status VerifyCommit(const CommitCertificate& cert, const ValidatorSet& set, uint32_t chain_id,
                    uint64_t height, const Hash256& block_hash);

// A certificate for the block, with a precommit by each of `keys` (each must
// be in `set`, and appear once; "bad-commit" otherwise). Signatures are
// ordered by index.
Result<CommitCertificate> SignCommit(const ValidatorSet& set, uint32_t chain_id, uint64_t height,
                                     uint32_t round, const Hash256& block_hash,
                                     std::span<const PrivKey> keys);

}  // namespace maillon
