// Encrypted key files: one 32-byte secret key under a passphrase.
//
// Format (version 1), a small JSON object:
//   {"version":1, "kdf":"scrypt", "n":N, "r":R, "p":P, "salt":hex16,
//    "cipher":"aes-256-gcm", "nonce":hex12, "ciphertext":hex32, "tag":hex16,
//    "pubkey":hex32}
// scrypt(passphrase, salt, N, r, p) derives a 32-byte key; AES-256-GCM with
// that key and the nonce encrypts the secret. The x-only public key is stored
// in clear, so tools can show the address without the passphrase, and is the
// GCM additional authenticated data, so swapping it breaks the tag. Tampering
// with the salt, the KDF parameters, the nonce, the ciphertext or the tag
// breaks it as well.
//
// Reading is bounded: files over kMaxKeyFileSize bytes are refused before
// they are read, and KDF parameters outside the limits below are refused
// before scrypt runs, so a hostile file cannot make us allocate gigabytes or
// spin for hours.
//
// Secrets (derived key, plaintext) are wiped after use and never appear in an
// error message. All functions are thread-safe; none throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

// scrypt cost parameters. The defaults take about a second and 256 MiB;
// tests use cheaper ones (e.g. n = 1024).
struct KdfParams {
    uint64_t n = 1 << 18;
    uint32_t r = 8;
    uint32_t p = 1;
};

inline constexpr size_t kMaxKeyFileSize = 64 * 1024;
// Limits on KdfParams, checked when writing and when reading.
inline constexpr uint64_t kMaxScryptN = uint64_t{1} << 20;  // n: a power of two, 2 <= n <= 2^20
inline constexpr uint32_t kMaxScryptR = 32;                 // 1 <= r <= 32
inline constexpr uint32_t kMaxScryptP = 16;                 // 1 <= p <= 16
// scrypt's big buffer, 128 * r * n bytes, is capped at 1 GiB (n = 2^20 with
// r = 8), and its work, n * r * p, at 16 times the default's.
inline constexpr uint64_t kMaxScryptMemory = uint64_t{1} << 30;
inline constexpr uint64_t kMaxScryptWork = uint64_t{1} << 25;

// OK, or an Error (code "key-file-kdf-params") saying which bound is broken.
Status CheckKdfParams(const KdfParams& params);

// Encrypts key under passphrase (which must not be empty) and writes it to
// path with mode 0600. The file appears atomically (temporary file in the
// same directory, fsync, then a no-replace rename); an existing path is never
// overwritten (code "key-file-exists").
Status WriteKeyFile(const std::string& path, const PrivKey& key, std::string_view passphrase,
                    const KdfParams& params = {});

// OK when nothing (not even a dangling symlink) is at path, else code
// "key-file-exists": lets a caller refuse before asking for a passphrase.
Status CheckKeyFilePathFree(const std::string& path);

// The public key stored in clear in the file; needs no passphrase. The file
// is fully validated but not authenticated: only ReadKeyFile proves the
// pubkey belongs to the encrypted secret.
Result<XOnlyPubKey> ReadKeyFilePubKey(const std::string& path);

// Decrypts the key. A wrong passphrase and a modified file are
// indistinguishable: both give code "key-file-decrypt", "wrong passphrase or
// corrupted key file".
Result<PrivKey> ReadKeyFile(const std::string& path, std::string_view passphrase);

}  // namespace maillon
