#include "crypto/key.h"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <atomic>
#include <cstdlib>

namespace maillon {

namespace {

std::atomic<uint64_t> g_schnorr_verifications{0};

// One signing context for the process, randomized once against side channels.
// libsecp256k1 contexts are safe for concurrent use by const API calls.
const secp256k1_context* SignContext() {
    static const secp256k1_context* ctx = [] {
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        std::array<uint8_t, 32> seed;
        GetRandBytes(seed);
        if (!secp256k1_context_randomize(c, seed.data())) std::abort();
        return c;
    }();
    return ctx;
}

secp256k1_keypair MakeKeypair(const std::array<uint8_t, 32>& secret) {
    secp256k1_keypair kp;
    if (!secp256k1_keypair_create(SignContext(), &kp, secret.data())) std::abort();
    return kp;
}

}  // namespace

std::optional<PrivKey> PrivKey::FromBytes(std::span<const uint8_t> secret) {
    if (secret.size() != 32) return std::nullopt;
    if (!secp256k1_ec_seckey_verify(secp256k1_context_static, secret.data())) return std::nullopt;
    PrivKey k;
    std::copy(secret.begin(), secret.end(), k.m_secret.begin());
    return k;
}

PrivKey PrivKey::Generate() {
    for (;;) {
        std::array<uint8_t, 32> b;
        GetRandBytes(b);
        if (auto k = FromBytes(b)) {
            OPENSSL_cleanse(b.data(), b.size());
            return *k;
        }
    }
}

PrivKey::~PrivKey() {
    OPENSSL_cleanse(m_secret.data(), m_secret.size());
}

XOnlyPubKey PrivKey::PubKey() const {
    secp256k1_keypair kp = MakeKeypair(m_secret);
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_keypair_xonly_pub(secp256k1_context_static, &xpk, nullptr, &kp)) std::abort();
    XOnlyPubKey out;
    secp256k1_xonly_pubkey_serialize(secp256k1_context_static, out.data(), &xpk);
    OPENSSL_cleanse(&kp, sizeof(kp));
    return out;
}

SchnorrSig PrivKey::Sign(const Hash256& msg) const {
    std::array<uint8_t, 32> aux;
    GetRandBytes(aux);
    return Sign(msg, aux);
}

SchnorrSig PrivKey::Sign(const Hash256& msg, const std::array<uint8_t, 32>& aux_rand) const {
    return SignBytes(msg, aux_rand);
}

SchnorrSig PrivKey::SignBytes(std::span<const uint8_t> msg,
                              const std::array<uint8_t, 32>& aux_rand) const {
    secp256k1_keypair kp = MakeKeypair(m_secret);
    secp256k1_schnorrsig_extraparams params = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
    params.ndata = const_cast<uint8_t*>(aux_rand.data());
    SchnorrSig sig;
    if (!secp256k1_schnorrsig_sign_custom(SignContext(), sig.data(), msg.data(), msg.size(), &kp,
                                          &params)) {
        std::abort();
    }
    OPENSSL_cleanse(&kp, sizeof(kp));
    return sig;
}

bool VerifySchnorr(const XOnlyPubKey& pubkey, std::span<const uint8_t> msg, const SchnorrSig& sig) {
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_xonly_pubkey_parse(secp256k1_context_static, &xpk, pubkey.data())) return false;
    g_schnorr_verifications.fetch_add(1, std::memory_order_relaxed);
    return secp256k1_schnorrsig_verify(secp256k1_context_static, sig.data(), msg.data(), msg.size(),
                                       &xpk) == 1;
}

std::optional<ParsedPubKey> ParsedPubKey::Parse(const XOnlyPubKey& pubkey) {
    static_assert(sizeof(secp256k1_xonly_pubkey) == 64);
    ParsedPubKey out;
    auto* xpk = reinterpret_cast<secp256k1_xonly_pubkey*>(out.m_parsed.data());
    if (!secp256k1_xonly_pubkey_parse(secp256k1_context_static, xpk, pubkey.data())) {
        return std::nullopt;
    }
    return out;
}

bool ParsedPubKey::Verify(const Hash256& msg, const SchnorrSig& sig) const {
    const auto* xpk = reinterpret_cast<const secp256k1_xonly_pubkey*>(m_parsed.data());
    g_schnorr_verifications.fetch_add(1, std::memory_order_relaxed);
    return secp256k1_schnorrsig_verify(secp256k1_context_static, sig.data(), msg.data(), msg.size(),
                                       xpk) == 1;
}

uint64_t SchnorrVerifications() {
    return g_schnorr_verifications.load(std::memory_order_relaxed);
}

bool IsValidXOnly(const XOnlyPubKey& pubkey) {
    secp256k1_xonly_pubkey xpk;
    return secp256k1_xonly_pubkey_parse(secp256k1_context_static, &xpk, pubkey.data()) == 1;
}

}  // namespace maillon
