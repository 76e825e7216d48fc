#include "consensus/commit.h"

#include <algorithm>
#include <string>

#include "crypto/hash_tags.h"
#include "serialize/codec.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

Error BadCommit(const std::string& why) {
    return MakeError("bad-commit", "commit certificate rejected: " + why);
}

}  // namespace

Hash256 VoteHash(uint32_t chain_id, uint8_t type, uint64_t height, uint32_t round,
                 const Hash256& block_hash) {
    Writer w;
    w.U32(chain_id);
    w.U8(type);
    w.U64(height);
    w.U32(round);
    w.Raw(block_hash);
    return TaggedHash(Tag::kVote, w.Data());
}

void CommitCertificate::Write(Writer& w) const {
    w.U64(height);
    w.U32(round);
    w.Raw(block_hash);
    w.VarInt(signatures.size());
    for (const CommitSignature& s : signatures) {
        w.VarInt(s.validator_index);
        w.Raw(s.sig);
    }
}

bool CommitCertificate::Read(Reader& r, CommitCertificate& out) {
    CommitCertificate c;
    r.U64(c.height, "commit.height");
    r.U32(c.round, "commit.round");
    r.Array(c.block_hash, "commit.block_hash");
    uint64_t count = 0;
    if (!r.Count(count, kMaxValidators, "commit.count")) return false;
    c.signatures.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
        const size_t pos = r.Position();
        CommitSignature s;
        if (!r.VarInt(s.validator_index, "commit.validator_index")) return false;
        if (s.validator_index >= kMaxValidators) {
            return r.FailAt(pos, "commit.validator_index",
                            "index " + std::to_string(s.validator_index) + " is beyond the " +
                                std::to_string(kMaxValidators) + " validators a set can hold");
        }
        if (!c.signatures.empty() && s.validator_index <= c.signatures.back().validator_index) {
            return r.FailAt(pos, "commit.validator_index", "indices must be strictly ascending");
        }
        if (!r.Array(s.sig, "commit.signature")) return false;
        c.signatures.push_back(s);
    }
    if (!r.ok()) return false;
    out = std::move(c);
    return true;
}

std::vector<uint8_t> CommitCertificate::Encode() const {
    Writer w;
    Write(w);
    return w.Take();
}

Result<CommitCertificate> CommitCertificate::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    CommitCertificate c;
    Read(r, c);
    if (!r.Finish()) return r.GetError();
    return c;
}

Hash256 CommitCertificate::Hash() const {
    return TaggedHash(Tag::kCommit, Encode());
}

CommitCertificate GenesisCommit(const Hash256& genesis_hash) {
    CommitCertificate c;
    c.block_hash = genesis_hash;
    return c;
}

Status CheckCommitQuorum(const CommitCertificate& cert, const ValidatorSet& set, uint64_t height,
                         const Hash256& block_hash) {
    if (cert.height != height || cert.block_hash != block_hash) {
        return BadCommit("it is for block " + HexStr(cert.block_hash) + " at height " +
                         std::to_string(cert.height) + ", not " + HexStr(block_hash) +
                         " at height " + std::to_string(height));
    }
    uint64_t power = 0;
    for (size_t i = 0; i < cert.signatures.size(); ++i) {
        const CommitSignature& s = cert.signatures[i];
        // The decoder enforces this for bytes; a certificate built in memory
        // (from gathered votes) must not count a validator twice either.
        if (i > 0 && s.validator_index <= cert.signatures[i - 1].validator_index) {
            return BadCommit("validator indices must be strictly ascending, each once");
        }
        if (s.validator_index >= set.Size()) {
            return BadCommit("validator index " + std::to_string(s.validator_index) +
                             " is outside the set of " + std::to_string(set.Size()));
        }
        // Cannot overflow: the set's total is at most kMaxTotalVotingPower.
        power += set.Validators()[s.validator_index].power;
    }
    if (!set.IsQuorum(power)) {
        return BadCommit("its signers hold " + std::to_string(power) + " of " +
                         std::to_string(set.TotalPower()) +
                         " voting power; more than two thirds must sign");
    }
    return Status::Ok();
}

void AddCommitSignatures(const CommitCertificate& cert, const ValidatorSet& set, uint32_t chain_id,
                         uint64_t owner, SignatureSink& sigs) {
    const Hash256 msg =
        VoteHash(chain_id, kVotePrecommit, cert.height, cert.round, cert.block_hash);
    for (const CommitSignature& s : cert.signatures) {
        if (s.validator_index < set.Size())
            sigs.Add(owner, set.Validators()[s.validator_index].key, msg, s.sig);
    }
}

Status VerifyCommit(const CommitCertificate& cert, const ValidatorSet& set, uint32_t chain_id,
                    uint64_t height, const Hash256& block_hash) {
    Status st = CheckCommitQuorum(cert, set, height, block_hash);
    if (!st) return st;
    SignatureBatch batch;
    AddCommitSignatures(cert, set, chain_id, 0, batch);
    if (batch.FirstFailure()) {
        return MakeError("bad-commit-signature",
                         "a precommit signature of the commit certificate does not verify");
    }
    return Status::Ok();
}

Result<CommitCertificate> SignCommit(const ValidatorSet& set, uint32_t chain_id, uint64_t height,
                                     uint32_t round, const Hash256& block_hash,
                                     std::span<const PrivKey> keys) {
    CommitCertificate c;
    c.height = height;
    c.round = round;
    c.block_hash = block_hash;
    const Hash256 msg = VoteHash(chain_id, kVotePrecommit, height, round, block_hash);
    for (const PrivKey& key : keys) {
        const auto index = set.IndexOf(key.PubKey());
        if (!index) return BadCommit("signer " + HexStr(key.PubKey()) + " is not a validator");
        c.signatures.push_back(CommitSignature{*index, key.Sign(msg)});
    }
    std::sort(c.signatures.begin(), c.signatures.end(),
              [](const CommitSignature& a, const CommitSignature& b) {
                  return a.validator_index < b.validator_index;
              });
    for (size_t i = 1; i < c.signatures.size(); ++i) {
        if (c.signatures[i].validator_index == c.signatures[i - 1].validator_index) {
            return BadCommit("a validator's key is given twice");
        }
    }
    return c;
}

}  // namespace maillon
