// SHA-256 (OpenSSL), BIP340-style tagged hashes, HMAC-SHA256 and the CSPRNG.
// All functions are thread-safe and allocate nothing on the caller's behalf
// beyond the returned values.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace maillon {

using Hash256 = std::array<uint8_t, 32>;

Hash256 Sha256(std::span<const uint8_t> data);

// Incremental SHA-256; the OpenSSL context is owned and freed by this object.
class Sha256Hasher {
public:
    Sha256Hasher();
    ~Sha256Hasher();
    Sha256Hasher(const Sha256Hasher& other);
    Sha256Hasher& operator=(const Sha256Hasher&) = delete;

    Sha256Hasher& Write(std::span<const uint8_t> data);
    Hash256 Finalize();

private:
    void* m_ctx;  // EVP_MD_CTX*
};

// SHA256(SHA256(tag) || SHA256(tag) || data), as defined by BIP340. Each tag
// names one purpose (doc/protocol.md lists them) so that hashes of different
// kinds of object can never be confused.
Hash256 TaggedHash(std::string_view tag, std::span<const uint8_t> data);

// A hasher already primed with a tag's prefix, for hashing in pieces.
Sha256Hasher TaggedHasher(std::string_view tag);

Hash256 HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

// Fills out with bytes from OpenSSL's CSPRNG; aborts if the RNG fails, since
// no caller can do anything safe without randomness.
void GetRandBytes(std::span<uint8_t> out);

// Constant-time equality for secrets (MACs, passwords).
bool TimingSafeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace maillon
