// The low-level SHA256_* functions are deprecated in OpenSSL 3 in favour of
// EVP, but they are the same implementation (SHA-NI where the CPU has it)
// without EVP's per-call dispatch and heap context: a midstate is a struct
// that copies in a few nanoseconds, which tagged hashing relies on.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <cstring>

namespace maillon {

namespace {

SHA256_CTX* Ctx(std::array<uint8_t, 128>& storage) {
    static_assert(sizeof(SHA256_CTX) <= 128 && alignof(SHA256_CTX) <= 16);
    return reinterpret_cast<SHA256_CTX*>(storage.data());
}

// OpenSSL 3 looks the algorithm up again on every call given EVP_sha256();
// an explicitly fetched EVP_MD is looked up once. Same digest, same output.
const EVP_MD* Sha256Md() {
    static const EVP_MD* md = [] {
        const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        if (fetched == nullptr) std::abort();
        return fetched;
    }();
    return md;
}

}  // namespace

Hash256 Sha256(std::span<const uint8_t> data) {
    Hash256 out;
    SHA256(data.data(), data.size(), out.data());
    return out;
}

Sha256Hasher::Sha256Hasher() {
    if (SHA256_Init(Ctx(m_ctx)) != 1) std::abort();
}

Sha256Hasher& Sha256Hasher::Write(std::span<const uint8_t> data) {
    SHA256_Update(Ctx(m_ctx), data.data(), data.size());
    return *this;
}

Hash256 Sha256Hasher::Finalize() {
    Hash256 out;
    SHA256_Final(out.data(), Ctx(m_ctx));
    SHA256_Init(Ctx(m_ctx));
    return out;
}

HashTag::HashTag(std::string_view tag) {
    const Hash256 th = Sha256({reinterpret_cast<const uint8_t*>(tag.data()), tag.size()});
    m_primed.Write(th).Write(th);
}

Hash256 HashTag::Hash(std::span<const uint8_t> data) const {
    return Hasher().Write(data).Finalize();
}

Hash256 TaggedHash(std::string_view tag, std::span<const uint8_t> data) {
    return HashTag(tag).Hash(data);
}

Hash256 HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
    Hash256 out;
    unsigned int len = 0;
    // OpenSSL 3 treats a null key pointer as "reuse the previous key" and
    // fails, so an empty key (whose span may hold nullptr) gets a valid one.
    static const uint8_t kNoKey = 0;
    const uint8_t* key_ptr = key.empty() ? &kNoKey : key.data();
    if (!HMAC(Sha256Md(), key_ptr, static_cast<int>(key.size()), data.data(), data.size(),
              out.data(), &len)) {
        std::abort();
    }
    return out;
}

void GetRandBytes(std::span<uint8_t> out) {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}

bool TimingSafeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace maillon
