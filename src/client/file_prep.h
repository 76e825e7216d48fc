// A client's file, made ready for a storage deal (doc/protocol.md §6.5).
//
// The plaintext is encrypted with AES-256-GCM under a data key that only the
// client holds; the bytes a device stores are
//     nonce (12 random bytes) || ciphertext || GCM tag (16 bytes),
// with the ASCII string "maillon-file-v1" as GCM's associated data. They are
// cut into chunk_size pieces (the last may be shorter), and the deal records
// the root of their chunk tree (consensus/chunk_tree.h). The device never sees
// the key; OpenFile turns the stored bytes back into the plaintext and proves
// that they were not altered.
//
// Every preparation draws a fresh nonce, so one file prepared twice gives
// different bytes and roots, and one key can prepare many files (random 96-bit
// nonces are safe for 2^32 encryptions under a key).
//
// Keys never appear in an error message or a log, and a failed decryption
// leaves no plaintext behind. All functions are thread-safe; none throws.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kGcmTagSize = 16;
// What encryption adds to a file: the nonce and the tag.
inline constexpr size_t kFileOverhead = kGcmNonceSize + kGcmTagSize;

using DataKey = std::array<uint8_t, 32>;
using GcmNonce = std::array<uint8_t, kGcmNonceSize>;
inline constexpr std::string_view kFileAad = "maillon-file-v1";

struct PreparedFile {
    std::vector<std::vector<uint8_t>> chunks;  // the stored bytes, in order
    Hash256 root;                              // ChunkRoot of the chunks' leaf hashes
    uint64_t size;                             // the stored bytes' length: all chunks together
    uint32_t chunk_size;                       // every chunk's length but the last's
};

// A new random data key. Code "rng-failure" (kind io) if OpenSSL's generator
// fails.
Result<DataKey> NewDataKey();

// Encrypts and chunks a file. Codes: "file-chunk-size" unless 1 <= chunk_size
// <= kMaxChunkSize; "file-too-large" when the stored bytes would need more
// than kMaxDealChunks chunks (the message gives the most plaintext that fits
// at this chunk size); "rng-failure" or "cipher-failure" (kind io) if OpenSSL
// fails.
Result<PreparedFile> PrepareFile(std::span<const uint8_t> plaintext, const DataKey& key,
                                 uint32_t chunk_size);

// Stored bytes (as PrepareFile made them, joined) cut into chunk_size pieces
// again, with their root: what a client uploads to a device; the root is the
// one PrepareFile gave when the chunk size is the same. Codes:
// "file-chunk-size", "file-too-short" (no bytes), "file-too-large" (more
// than kMaxDealChunks chunks).
Result<PreparedFile> ChunkStoredBytes(std::span<const uint8_t> stored, uint32_t chunk_size);

// The plaintext of stored bytes (the chunks joined). Codes: "file-too-short"
// below kFileOverhead bytes; "file-decrypt" when the tag does not verify (a
// wrong key and altered bytes are indistinguishable); "cipher-failure".
Result<std::vector<uint8_t>> OpenFile(std::span<const uint8_t> stored, const DataKey& key);

// The chunks joined again: the bytes OpenFile takes.
std::vector<uint8_t> StoredBytes(const PreparedFile& file);
// The chunks' leaf hashes, in order: what ChunkRoot and ChunkPath take.
std::vector<Hash256> ChunkLeaves(const PreparedFile& file);

// AES-256-GCM with an explicit nonce and associated data and a 16-byte tag,
// which the functions above use; exposed for known-answer tests. A caller
// must never seal twice with one nonce under one key.
// Seal returns ciphertext || tag ("cipher-failure" if OpenSSL fails).
Result<std::vector<uint8_t>> AesGcmSeal(const DataKey& key, const GcmNonce& nonce,
                                        std::span<const uint8_t> aad,
                                        std::span<const uint8_t> plaintext);
// Open takes ciphertext || tag. Codes: "gcm-too-short" below kGcmTagSize
// bytes; "gcm-auth-failed" when the tag does not verify; "cipher-failure".
Result<std::vector<uint8_t>> AesGcmOpen(const DataKey& key, const GcmNonce& nonce,
                                        std::span<const uint8_t> aad,
                                        std::span<const uint8_t> sealed);

}  // namespace maillon
