#include "client/file_prep.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "consensus/chunk_tree.h"
#include "util/overflow.h"

namespace maillon {

namespace {

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// EVP takes int lengths: longer inputs go in pieces of this many bytes.
constexpr size_t kMaxUpdate = size_t{1} << 30;

std::span<const uint8_t> FileAad() {
    return {reinterpret_cast<const uint8_t*>(kFileAad.data()), kFileAad.size()};
}

Error CipherFailure() {
    return MakeError(ErrorKind::kIo, "cipher-failure",
                     "OpenSSL's AES-256-GCM failed; check the OpenSSL installation");
}

Error RngFailure(const std::string& what) {
    return MakeError(ErrorKind::kIo, "rng-failure",
                     "OpenSSL's random number generator failed to make " + what +
                         "; check the system's entropy source");
}

bool GcmInit(EVP_CIPHER_CTX* ctx, bool encrypt, const DataKey& key, const GcmNonce& nonce) {
    const int enc = encrypt ? 1 : 0;
    return EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, enc) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                               nullptr) == 1 &&
           EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data(), enc) == 1;
}

// Feeds `in` to the cipher: associated data when out is null, else text,
// whose output (as long as the input: GCM is a stream mode) goes to out.
bool Update(EVP_CIPHER_CTX* ctx, std::span<const uint8_t> in, uint8_t* out) {
    while (!in.empty()) {
        const size_t n = std::min(in.size(), kMaxUpdate);
        int len = 0;
        if (EVP_CipherUpdate(ctx, out, &len, in.data(), static_cast<int>(n)) != 1) return false;
        if (out != nullptr) {
            if (static_cast<size_t>(len) != n) return false;
            out += n;
        }
        in = in.subspan(n);
    }
    return true;
}

// Appends ciphertext || tag to out.
Status SealInto(const DataKey& key, const GcmNonce& nonce, std::span<const uint8_t> aad,
                std::span<const uint8_t> plaintext, std::vector<uint8_t>& out) {
    const size_t start = out.size();
    out.resize(start + plaintext.size() + kGcmTagSize);
    uint8_t* ciphertext = out.data() + start;
    uint8_t* tag = ciphertext + plaintext.size();
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int fin = 0;
    const bool ok = ctx && GcmInit(ctx.get(), true, key, nonce) &&
                    Update(ctx.get(), aad, nullptr) && Update(ctx.get(), plaintext, ciphertext) &&
                    EVP_EncryptFinal_ex(ctx.get(), tag, &fin) == 1 && fin == 0 &&
                    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                                        static_cast<int>(kGcmTagSize), tag) == 1;
    if (!ok) {
        out.resize(start);
        return CipherFailure();
    }
    return Status::Ok();
}

Status CheckChunkSize(uint32_t chunk_size) {
    if (chunk_size >= 1 && chunk_size <= kMaxChunkSize) return Status::Ok();
    return MakeError("file-chunk-size", "the chunk size must be from 1 to " +
                                            std::to_string(kMaxChunkSize) + " bytes, got " +
                                            std::to_string(chunk_size));
}

// Fails unless the stored form of a `plaintext_size`-byte file fits a deal.
Status CheckFits(uint64_t plaintext_size, uint32_t chunk_size) {
    const std::optional<uint64_t> size = CheckedAdd(plaintext_size, kFileOverhead);
    const uint64_t chunks = size ? ChunkCount(*size, chunk_size) : UINT64_MAX;
    if (chunks <= kMaxDealChunks) return Status::Ok();
    const uint64_t most = kMaxDealChunks * chunk_size - kFileOverhead;
    return MakeError("file-too-large",
                     "a file of " + std::to_string(plaintext_size) + " bytes needs " +
                         (size ? std::to_string(chunks) : std::string("more than 2^64")) +
                         " chunks at chunk size " + std::to_string(chunk_size) +
                         " once encrypted, but a deal holds at most " +
                         std::to_string(kMaxDealChunks) + " chunks: at most " +
                         std::to_string(most) +
                         " bytes fit at this chunk size (choose a larger chunk size, up to " +
                         std::to_string(kMaxChunkSize) + ", or split the file)");
}

std::vector<std::vector<uint8_t>> Split(std::span<const uint8_t> stored, uint32_t chunk_size) {
    std::vector<std::vector<uint8_t>> chunks;
    chunks.reserve(ChunkCount(stored.size(), chunk_size));
    for (size_t at = 0; at < stored.size(); at += chunk_size) {
        const auto piece = stored.subspan(at, std::min<size_t>(chunk_size, stored.size() - at));
        chunks.emplace_back(piece.begin(), piece.end());
    }
    return chunks;
}

}  // namespace

Result<DataKey> NewDataKey() {
    DataKey key;
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
        OPENSSL_cleanse(key.data(), key.size());
        return RngFailure("a data key");
    }
    return key;
}

Result<PreparedFile> PrepareFile(std::span<const uint8_t> plaintext, const DataKey& key,
                                 uint32_t chunk_size) {
    // Both limits are checked before anything is encrypted.
    if (Status s = CheckChunkSize(chunk_size); !s) return s.error();
    if (Status s = CheckFits(plaintext.size(), chunk_size); !s) return s.error();
    GcmNonce nonce;
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
        return RngFailure("a nonce");
    }
    std::vector<uint8_t> stored;
    stored.reserve(plaintext.size() + kFileOverhead);
    stored.assign(nonce.begin(), nonce.end());
    if (Status s = SealInto(key, nonce, FileAad(), plaintext, stored); !s) return s.error();

    return ChunkStoredBytes(stored, chunk_size);
}

Result<PreparedFile> ChunkStoredBytes(std::span<const uint8_t> stored, uint32_t chunk_size) {
    if (Status s = CheckChunkSize(chunk_size); !s) return s.error();
    if (stored.empty()) return MakeError("file-too-short", "there are no stored bytes");
    if (ChunkCount(stored.size(), chunk_size) > kMaxDealChunks) {
        return MakeError("file-too-large",
                         std::to_string(stored.size()) + " stored bytes are more than a deal's " +
                             std::to_string(kMaxDealChunks) + " chunks at chunk size " +
                             std::to_string(chunk_size));
    }
    PreparedFile file{Split(stored, chunk_size), Hash256{}, stored.size(), chunk_size};
    file.root = ChunkRoot(ChunkLeaves(file));
    return file;
}

Result<std::vector<uint8_t>> OpenFile(std::span<const uint8_t> stored, const DataKey& key) {
    if (stored.size() < kFileOverhead) {
        return MakeError("file-too-short", "a stored file is at least " +
                                               std::to_string(kFileOverhead) + " bytes (a " +
                                               std::to_string(kGcmNonceSize) +
                                               "-byte nonce and a " + std::to_string(kGcmTagSize) +
                                               "-byte tag), got " + std::to_string(stored.size()));
    }
    GcmNonce nonce;
    std::copy_n(stored.begin(), nonce.size(), nonce.begin());
    Result<std::vector<uint8_t>> plaintext =
        AesGcmOpen(key, nonce, FileAad(), stored.subspan(nonce.size()));
    if (!plaintext && plaintext.error().code == "gcm-auth-failed") {
        return MakeError("file-decrypt", "the file does not decrypt with this key, or was altered");
    }
    return plaintext;
}

std::vector<uint8_t> StoredBytes(const PreparedFile& file) {
    std::vector<uint8_t> stored;
    stored.reserve(file.size);
    for (const std::vector<uint8_t>& chunk : file.chunks)
        stored.insert(stored.end(), chunk.begin(), chunk.end());
    return stored;
}

std::vector<Hash256> ChunkLeaves(const PreparedFile& file) {
    std::vector<Hash256> leaves;
    leaves.reserve(file.chunks.size());
    for (size_t i = 0; i < file.chunks.size(); ++i)
        leaves.push_back(ChunkLeafHash(i, file.chunks[i]));
    return leaves;
}

Result<std::vector<uint8_t>> AesGcmSeal(const DataKey& key, const GcmNonce& nonce,
                                        std::span<const uint8_t> aad,
                                        std::span<const uint8_t> plaintext) {
    std::vector<uint8_t> sealed;
    if (Status s = SealInto(key, nonce, aad, plaintext, sealed); !s) return s.error();
    return sealed;
}

Result<std::vector<uint8_t>> AesGcmOpen(const DataKey& key, const GcmNonce& nonce,
                                        std::span<const uint8_t> aad,
                                        std::span<const uint8_t> sealed) {
    if (sealed.size() < kGcmTagSize) {
        return MakeError("gcm-too-short", "sealed data is at least the " +
                                              std::to_string(kGcmTagSize) + "-byte tag, got " +
                                              std::to_string(sealed.size()) + " bytes");
    }
    const std::span<const uint8_t> ciphertext = sealed.first(sealed.size() - kGcmTagSize);
    std::array<uint8_t, kGcmTagSize> tag;  // the ctrl call wants a mutable pointer
    std::copy(sealed.end() - kGcmTagSize, sealed.end(), tag.begin());
    std::vector<uint8_t> plaintext(ciphertext.size());
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    const bool ready = ctx && GcmInit(ctx.get(), false, key, nonce) &&
                       Update(ctx.get(), aad, nullptr) &&
                       Update(ctx.get(), ciphertext, plaintext.data()) &&
                       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                                           static_cast<int>(tag.size()), tag.data()) == 1;
    int fin = 0;
    const bool authentic =
        ready && EVP_DecryptFinal_ex(ctx.get(), plaintext.data() + plaintext.size(), &fin) == 1;
    if (authentic && fin == 0) return plaintext;
    // GCM decrypts before it authenticates: leave no unauthenticated
    // plaintext behind.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    if (!ready) return CipherFailure();
    return MakeError("gcm-auth-failed",
                     "the data does not decrypt with this key, nonce and associated data, or "
                     "was altered");
}

}  // namespace maillon
