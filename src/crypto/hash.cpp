#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace maillon {

namespace {

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
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, Sha256Md(), nullptr) != 1) {
        std::abort();
    }
    return out;
}

Sha256Hasher::Sha256Hasher() : m_ctx(EVP_MD_CTX_new()) {
    if (!m_ctx || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(m_ctx), Sha256Md(), nullptr) != 1) {
        std::abort();
    }
}

Sha256Hasher::Sha256Hasher(const Sha256Hasher& other) : m_ctx(EVP_MD_CTX_new()) {
    if (!m_ctx || EVP_MD_CTX_copy_ex(static_cast<EVP_MD_CTX*>(m_ctx),
                                     static_cast<EVP_MD_CTX*>(other.m_ctx)) != 1) {
        std::abort();
    }
}

Sha256Hasher::~Sha256Hasher() {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx));
}

Sha256Hasher& Sha256Hasher::Write(std::span<const uint8_t> data) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data.data(), data.size());
    return *this;
}

Hash256 Sha256Hasher::Finalize() {
    Hash256 out;
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), out.data(), &len);
    EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(m_ctx), Sha256Md(), nullptr);
    return out;
}

Sha256Hasher TaggedHasher(std::string_view tag) {
    // Tags are a small fixed set, so the primed midstates are cached.
    static std::mutex mutex;
    static std::map<std::string, Sha256Hasher, std::less<>> cache;
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(tag);
    if (it == cache.end()) {
        const Hash256 th = Sha256({reinterpret_cast<const uint8_t*>(tag.data()), tag.size()});
        Sha256Hasher h;
        h.Write(th).Write(th);
        it = cache.emplace(std::string(tag), h).first;
    }
    return it->second;
}

Hash256 TaggedHash(std::string_view tag, std::span<const uint8_t> data) {
    return TaggedHasher(tag).Write(data).Finalize();
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
