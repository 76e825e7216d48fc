// SignGuard: a validator's promise never to sign two conflicting consensus
// messages, kept across crashes. Before a proposal or a vote is signed, what
// is about to be signed — (height, round, step) and the 32-byte message —
// is written to <datadir>/<network>/sign_state.dat and synced (the file, and
// its directory where the file system allows, util/file.h); only then is the
// signature made and returned.
// After a crash or a SIGKILL the node reopens the file and:
//  - a request for an earlier (height, round, step) is refused
//    ("sign-regression"): the validator has moved past it;
//  - a request for the same (height, round, step) and the same message gets
//    the signature recorded (a resend, never a second signature);
//  - the same (height, round, step) with another message is refused
//    ("sign-conflict"): that would be equivocation, which is slashed.
// Steps are ordered proposal < prevote < precommit.
//
// File format (43 + 64 bytes, doc/operations.md): u8 version (1) | height u64 |
// round u32 | step u8 | message [32] | signature [64]; a file that does not
// decode stops the node ("sign-state-corrupt"): guessing could equivocate.
//
// Not thread-safe: the consensus driver's thread owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

enum class SignStep : uint8_t { kProposal = 0, kPrevote = 1, kPrecommit = 2 };

struct SignedRecord {
    uint64_t height = 0;
    uint32_t round = 0;
    SignStep step = SignStep::kProposal;
    Hash256 message{};
    SchnorrSig signature{};
    bool operator==(const SignedRecord&) const = default;
};

class SignGuard {
public:
    // Reads `path` (no file: nothing signed yet). Errors: "sign-state-corrupt"
    // (the message names the file and what is wrong), "file-io".
    static Result<std::unique_ptr<SignGuard>> Open(const std::string& path);

    // The signature of `message` by `key` at (height, round, step), persisted
    // first. Errors: "sign-regression", "sign-conflict", "file-io" (nothing
    // is signed).
    Result<SchnorrSig> Sign(const PrivKey& key, uint64_t height, uint32_t round, SignStep step,
                            const Hash256& message);

    const std::optional<SignedRecord>& Last() const { return m_last; }

    // Forgets everything signed (the file is removed). Only for a chain this
    // validator decides alone — a dev chain whose database lost blocks it
    // had signed must sign those heights again. On any chain with other
    // validators, this is how a validator equivocates. Errors: "file-io".
    Status ForgetForSoleValidator();

private:
    SignGuard(std::string path, std::optional<SignedRecord> last)
        : m_path(std::move(path)), m_last(std::move(last)) {}

    const std::string m_path;
    std::optional<SignedRecord> m_last;
};

}  // namespace maillon
