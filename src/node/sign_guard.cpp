#include "node/sign_guard.h"

#include <filesystem>
#include <tuple>

#include "serialize/codec.h"
#include "util/file.h"

namespace maillon {

namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kRecordSize = 1 + 8 + 4 + 1 + 32 + 64;

std::string Encode(const SignedRecord& r) {
    Writer w;
    w.U8(kVersion);
    w.U64(r.height);
    w.U32(r.round);
    w.U8(static_cast<uint8_t>(r.step));
    w.Raw(r.message);
    w.Raw(r.signature);
    const std::vector<uint8_t> bytes = w.Take();
    return std::string(bytes.begin(), bytes.end());
}

Result<SignedRecord> Decode(const std::string& text) {
    const auto* data = reinterpret_cast<const uint8_t*>(text.data());
    Reader r(std::span<const uint8_t>(data, text.size()));
    SignedRecord rec;
    uint8_t version = 0, step = 0;
    r.U8(version, "sign_state.version");
    if (r.ok() && version != kVersion) r.Fail("sign_state.version", "unknown version");
    r.U64(rec.height, "sign_state.height");
    r.U32(rec.round, "sign_state.round");
    r.U8(step, "sign_state.step");
    if (r.ok() && step > static_cast<uint8_t>(SignStep::kPrecommit))
        r.Fail("sign_state.step", "unknown step");
    r.Array(rec.message, "sign_state.message");
    r.Array(rec.signature, "sign_state.signature");
    if (!r.Finish()) return r.GetError();
    rec.step = static_cast<SignStep>(step);
    return rec;
}

auto Order(uint64_t height, uint32_t round, SignStep step) {
    return std::make_tuple(height, round, static_cast<uint8_t>(step));
}

}  // namespace

Result<std::unique_ptr<SignGuard>> SignGuard::Open(const std::string& path) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (ec) return MakeError(ErrorKind::kIo, "file-io", path + ": " + ec.message());
    if (!exists) return std::unique_ptr<SignGuard>(new SignGuard(path, std::nullopt));
    auto text = ReadFileBounded(path, kRecordSize);
    if (!text) {
        const bool too_large = text.error().code == "file-too-large";
        return MakeError(too_large ? ErrorKind::kCorruption : ErrorKind::kIo,
                         too_large ? "sign-state-corrupt" : "file-io",
                         path + ": " + text.error().message);
    }
    auto rec = Decode(*text);
    if (!rec) {
        return MakeError(ErrorKind::kCorruption, "sign-state-corrupt",
                         path + " does not decode (" + rec.error().message +
                             "): it records what this validator signed last; restore it rather "
                             "than delete it, or the validator could sign twice and be slashed");
    }
    return std::unique_ptr<SignGuard>(new SignGuard(path, std::move(*rec)));
}

Result<SchnorrSig> SignGuard::Sign(const PrivKey& key, uint64_t height, uint32_t round,
                                   SignStep step, const Hash256& message) {
    if (m_last) {
        const auto last = Order(m_last->height, m_last->round, m_last->step);
        const auto want = Order(height, round, step);
        if (want < last) {
            return MakeError("sign-regression", "already signed at height " +
                                                    std::to_string(m_last->height) + ", round " +
                                                    std::to_string(m_last->round) + ", step " +
                                                    std::to_string(static_cast<int>(m_last->step)));
        }
        if (want == last) {
            if (m_last->message == message) return m_last->signature;
            return MakeError("sign-conflict", "another message was signed at height " +
                                                  std::to_string(height) + ", round " +
                                                  std::to_string(round) + " and this step");
        }
    }
    const SignedRecord next{height, round, step, message, key.Sign(message)};
    // On disk before the signature leaves this function.
    if (Status st = WriteFileAtomically(m_path, Encode(next), FileReplace::kAlways); !st) {
        return MakeError(ErrorKind::kIo, "file-io",
                         m_path + ": " + st.error().message + "; nothing was signed");
    }
    m_last = next;
    return next.signature;
}

Status SignGuard::ForgetForSoleValidator() {
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
    if (ec) return MakeError(ErrorKind::kIo, "file-io", m_path + ": " + ec.message());
    m_last.reset();
    return Status::Ok();
}

}  // namespace maillon
