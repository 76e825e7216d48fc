// Keys and BIP340 Schnorr signatures over secp256k1 (libsecp256k1).
//
// PrivKey owns a 32-byte secret and wipes it on destruction; it is never
// printed or logged. XOnlyPubKey is the 32-byte x-only public key that
// addresses and signatures use. Signing and verification are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "crypto/hash.h"

namespace maillon {

using XOnlyPubKey = std::array<uint8_t, 32>;
using SchnorrSig = std::array<uint8_t, 64>;

class PrivKey {
public:
    // nullopt unless 0 < secret < curve order.
    static std::optional<PrivKey> FromBytes(std::span<const uint8_t> secret);
    static PrivKey Generate();

    PrivKey(const PrivKey&) = default;
    PrivKey& operator=(const PrivKey&) = default;
    ~PrivKey();

    XOnlyPubKey PubKey() const;
    // BIP340 signature of a 32-byte message; aux_rand defaults to fresh
    // randomness, as BIP340 recommends.
    SchnorrSig Sign(const Hash256& msg) const;
    SchnorrSig Sign(const Hash256& msg, const std::array<uint8_t, 32>& aux_rand) const;
    // BIP340 signing over an arbitrary-length message (for test vectors).
    SchnorrSig SignBytes(std::span<const uint8_t> msg,
                         const std::array<uint8_t, 32>& aux_rand) const;

    std::span<const uint8_t> Secret() const { return m_secret; }

private:
    PrivKey() = default;
    std::array<uint8_t, 32> m_secret{};
};

// A public key parsed once (libsecp256k1's internal form), for checking many
// signatures by the same key without parsing it again each time.
class ParsedPubKey {
public:
    // nullopt unless the 32 bytes are the x coordinate of a curve point.
    static std::optional<ParsedPubKey> Parse(const XOnlyPubKey& pubkey);
    // BIP340 verification of a signature over a 32-byte message.
    bool Verify(const Hash256& msg, const SchnorrSig& sig) const;

private:
    ParsedPubKey() = default;
    alignas(8) std::array<uint8_t, 64> m_parsed{};  // secp256k1_xonly_pubkey
};

// True iff sig is a valid BIP340 signature of msg under pubkey. A pubkey that
// is not on the curve simply fails.
bool VerifySchnorr(const XOnlyPubKey& pubkey, std::span<const uint8_t> msg, const SchnorrSig& sig);

// True iff the 32 bytes are the x coordinate of a curve point.
bool IsValidXOnly(const XOnlyPubKey& pubkey);

// How many BIP340 verifications (ParsedPubKey::Verify and VerifySchnorr) this
// process has run so far, over all threads. For tests that check a path does
// not verify a signature again (the block producer's, whose transactions were
// verified on entering the mempool); one relaxed atomic increment per
// verification, nothing else reads it.
uint64_t SchnorrVerifications();

}  // namespace maillon
