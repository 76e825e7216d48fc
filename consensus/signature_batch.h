// The one signature-check path. Whatever must be verified — every role's
// signature of every transaction of a block, its commit certificate, a
// transaction entering the mempool — is queued as (key, message, signature)
// jobs into a SignatureSink, then checked together.
//
// Each job carries an owner number; SignatureBatch::FirstFailure reports the
// smallest owner with a bad signature, so a block's error names its first bad
// transaction whatever order the checks run in. Verification is sequential
// today, with every distinct key parsed once per batch; a worker pool and a
// signature cache belong behind this same interface.
//
// Not thread-safe: a batch belongs to one caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key.h"

namespace maillon {

class SignatureSink {
public:
    virtual ~SignatureSink() = default;
    virtual void Add(uint64_t owner, const XOnlyPubKey& key, const Hash256& msg,
                     const SchnorrSig& sig) = 0;
};

class SignatureBatch final : public SignatureSink {
public:
    void Add(uint64_t owner, const XOnlyPubKey& key, const Hash256& msg,
             const SchnorrSig& sig) override;
    // nullopt when every job verifies (a key that is not a curve point fails
    // its jobs); otherwise the smallest owner with a failing job.
    std::optional<uint64_t> FirstFailure() const;
    size_t Size() const { return m_jobs.size(); }
    // How many keys FirstFailure parsed on its last run: each distinct key once.
    size_t KeysParsed() const { return m_keys_parsed; }

private:
    struct Job {
        uint64_t owner;
        XOnlyPubKey key;
        Hash256 msg;
        SchnorrSig sig;
    };
    std::vector<Job> m_jobs;
    mutable size_t m_keys_parsed = 0;
};

// A sink for inputs whose every signature this node has already verified (the
// producer's block: each transaction passed the mempool's batch, and the
// certificate it carries is the node's own, checked when stored). It drops
// the jobs.
class AlreadyVerified final : public SignatureSink {
public:
    void Add(uint64_t, const XOnlyPubKey&, const Hash256&, const SchnorrSig&) override {}
};

}  // namespace maillon
