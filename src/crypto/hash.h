// SHA-256 (OpenSSL), BIP340-style tagged hashes, HMAC-SHA256 and the CSPRNG.
// All functions are thread-safe, take no lock and allocate nothing on the
// caller's behalf beyond the returned values.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace maillon {

using Hash256 = std::array<uint8_t, 32>;

Hash256 Sha256(std::span<const uint8_t> data);

// Incremental SHA-256. A plain value: copying it copies the midstate (no heap),
// which is how a tag's primed state is reused.
class Sha256Hasher {
public:
    Sha256Hasher();

    Sha256Hasher& Write(std::span<const uint8_t> data);
    // The digest of everything written; the hasher starts over afterwards.
    Hash256 Finalize();

private:
    alignas(16) std::array<uint8_t, 128> m_ctx;  // OpenSSL's SHA256_CTX
};

// A BIP340 tag with its midstate, SHA256(tag) || SHA256(tag), computed once
// at construction. Hash(m) = SHA256(SHA256(tag) || SHA256(tag) || m).
class HashTag {
public:
    explicit HashTag(std::string_view tag);

    // A hasher primed with the tag's prefix, for hashing in pieces.
    Sha256Hasher Hasher() const { return m_primed; }
    Hash256 Hash(std::span<const uint8_t> data) const;

private:
    Sha256Hasher m_primed;
};

// The tagged hash with an arbitrary tag, primed afresh on every call (two
// extra compressions); protocol code uses the precomputed tags of
// crypto/hash_tags.h instead.
Hash256 TaggedHash(std::string_view tag, std::span<const uint8_t> data);

Hash256 HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

// Fills out with bytes from OpenSSL's CSPRNG; aborts if the RNG fails, since
// no caller can do anything safe without randomness.
void GetRandBytes(std::span<uint8_t> out);

// Constant-time equality for secrets (MACs, passwords).
bool TimingSafeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace maillon
