#include "common/key_file.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <stdio.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <memory>
#include <set>
#include <system_error>

#include "crypto/hash.h"
#include "util/file.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr uint64_t kVersion = 1;
constexpr size_t kSaltSize = 16;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kSecretSize = 32;
constexpr size_t kDerivedKeySize = 32;
constexpr const char* kKdfName = "scrypt";
constexpr const char* kCipherName = "aes-256-gcm";

using DerivedKey = std::array<uint8_t, kDerivedKeySize>;
using Secret = std::array<uint8_t, kSecretSize>;

// Wipes a buffer when it goes out of scope, on every return path.
class Wiper {
public:
    explicit Wiper(std::span<uint8_t> buf) : m_buf(buf) {}
    ~Wiper() { OPENSSL_cleanse(m_buf.data(), m_buf.size()); }
    Wiper(const Wiper&) = delete;
    Wiper& operator=(const Wiper&) = delete;

private:
    std::span<uint8_t> m_buf;
};

struct KeyFileContents {
    KdfParams kdf;
    std::array<uint8_t, kSaltSize> salt{};
    std::array<uint8_t, kNonceSize> nonce{};
    std::array<uint8_t, kSecretSize> ciphertext{};
    std::array<uint8_t, kTagSize> tag{};
    XOnlyPubKey pubkey{};
};

std::string Quoted(const std::string& path) {
    return "'" + path + "'";
}

Error FileError(std::string code, const std::string& path, const std::string& what) {
    return MakeError(std::move(code), "key file " + Quoted(path) + ": " + what);
}

// Reads the key file, refusing one over kMaxKeyFileSize bytes unread.
Result<std::string> ReadBounded(const std::string& path) {
    auto text = ReadFileBounded(path, kMaxKeyFileSize);
    if (text) return text;
    if (text.error().code == "file-too-large") {
        return FileError("key-file-too-large", path,
                         text.error().message + " for a key file; is this the right file?");
    }
    return FileError("key-file-io", path, text.error().message);
}

// The member `name` of obj, which must be present and pass `is_type` (e.g.
// &rapidjson::Value::IsString); `type` names the type in the error message.
Result<const rapidjson::Value*> Field(const rapidjson::Value& obj, const char* name,
                                      bool (rapidjson::Value::*is_type)() const, const char* type) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd()) {
        return MakeError("key-file-malformed", std::string("missing field \"") + name + "\"");
    }
    if (!(it->value.*is_type)()) {
        return MakeError("key-file-malformed",
                         std::string("field \"") + name + "\" must be " + type);
    }
    return &it->value;
}

Result<std::string> StringField(const rapidjson::Value& obj, const char* name) {
    auto v = Field(obj, name, &rapidjson::Value::IsString, "a string");
    if (!v) return v.error();
    return std::string((*v)->GetString(), (*v)->GetStringLength());
}

template <size_t N>
Result<std::array<uint8_t, N>> HexField(const rapidjson::Value& obj, const char* name) {
    auto hex = StringField(obj, name);
    if (!hex) return hex.error();
    auto bytes = ParseHex(*hex);
    if (!bytes || bytes->size() != N) {
        return MakeError("key-file-malformed", std::string("field \"") + name + "\" must be " +
                                                   std::to_string(2 * N) + " hex digits");
    }
    std::array<uint8_t, N> out;
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
}

Result<uint64_t> UIntField(const rapidjson::Value& obj, const char* name) {
    auto v = Field(obj, name, &rapidjson::Value::IsUint64, "a non-negative integer");
    if (!v) return v.error();
    return (*v)->GetUint64();
}

// Parses and validates everything that can be checked without the passphrase.
// Errors carry no path; the caller adds it.
Result<KeyFileContents> ParseContents(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) {
        return MakeError("key-file-malformed",
                         std::string("not valid JSON (") +
                             rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                             std::to_string(doc.GetErrorOffset()) + ")");
    }
    if (!doc.IsObject()) return MakeError("key-file-malformed", "not a JSON object");
    std::set<std::string_view> seen;
    for (const auto& m : doc.GetObject()) {
        std::string_view name(m.name.GetString(), m.name.GetStringLength());
        if (!seen.insert(name).second) {
            return MakeError("key-file-malformed",
                             "field \"" + std::string(name) + "\" appears twice");
        }
    }

    auto version = UIntField(doc, "version");
    if (!version) return version.error();
    if (*version != kVersion) {
        return MakeError("key-file-unsupported",
                         "version " + std::to_string(*version) +
                             " is not supported; this build reads version " +
                             std::to_string(kVersion));
    }
    auto kdf = StringField(doc, "kdf");
    if (!kdf) return kdf.error();
    if (*kdf != kKdfName) {
        return MakeError("key-file-unsupported",
                         "kdf \"" + *kdf + "\" is not supported; only \"scrypt\" is");
    }
    auto cipher = StringField(doc, "cipher");
    if (!cipher) return cipher.error();
    if (*cipher != kCipherName) {
        return MakeError("key-file-unsupported",
                         "cipher \"" + *cipher + "\" is not supported; only \"aes-256-gcm\" is");
    }

    KeyFileContents c;
    auto n = UIntField(doc, "n");
    if (!n) return n.error();
    auto r = UIntField(doc, "r");
    if (!r) return r.error();
    auto p = UIntField(doc, "p");
    if (!p) return p.error();
    if (*r > kMaxScryptR) {
        return MakeError("key-file-kdf-params", "scrypt r must be from 1 to " +
                                                    std::to_string(kMaxScryptR) + ", got " +
                                                    std::to_string(*r));
    }
    if (*p > kMaxScryptP) {
        return MakeError("key-file-kdf-params", "scrypt p must be from 1 to " +
                                                    std::to_string(kMaxScryptP) + ", got " +
                                                    std::to_string(*p));
    }
    c.kdf.n = *n;
    c.kdf.r = static_cast<uint32_t>(*r);
    c.kdf.p = static_cast<uint32_t>(*p);
    if (Status st = CheckKdfParams(c.kdf); !st) return st.error();

    auto salt = HexField<kSaltSize>(doc, "salt");
    if (!salt) return salt.error();
    auto nonce = HexField<kNonceSize>(doc, "nonce");
    if (!nonce) return nonce.error();
    auto ciphertext = HexField<kSecretSize>(doc, "ciphertext");
    if (!ciphertext) return ciphertext.error();
    auto tag = HexField<kTagSize>(doc, "tag");
    if (!tag) return tag.error();
    auto pubkey = HexField<32>(doc, "pubkey");
    if (!pubkey) return pubkey.error();
    if (!IsValidXOnly(*pubkey)) {
        return MakeError("key-file-malformed", "field \"pubkey\" is not a valid x-only public key");
    }
    c.salt = *salt;
    c.nonce = *nonce;
    c.ciphertext = *ciphertext;
    c.tag = *tag;
    c.pubkey = *pubkey;
    return c;
}

Result<KeyFileContents> LoadContents(const std::string& path) {
    auto text = ReadBounded(path);
    if (!text) return text.error();
    auto contents = ParseContents(*text);
    if (!contents) {
        return FileError(contents.error().code, path, contents.error().message);
    }
    return contents;
}

std::string SerializeContents(const KeyFileContents& c) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    auto hex = [&](const char* name, std::span<const uint8_t> bytes) {
        w.Key(name);
        std::string s = HexStr(bytes);
        w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    };
    w.StartObject();
    w.Key("version");
    w.Uint64(kVersion);
    w.Key("kdf");
    w.String(kKdfName);
    w.Key("n");
    w.Uint64(c.kdf.n);
    w.Key("r");
    w.Uint(c.kdf.r);
    w.Key("p");
    w.Uint(c.kdf.p);
    hex("salt", c.salt);
    w.Key("cipher");
    w.String(kCipherName);
    hex("nonce", c.nonce);
    hex("ciphertext", c.ciphertext);
    hex("tag", c.tag);
    hex("pubkey", c.pubkey);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

// scrypt; the parameters must have passed CheckKdfParams.
bool DeriveKey(std::string_view passphrase, std::span<const uint8_t> salt, const KdfParams& kdf,
               DerivedKey& out) {
    // OpenSSL refuses to use more than maxmem bytes; allow exactly what these
    // (already bounded) parameters need, plus slack for its bookkeeping.
    const uint64_t needed = 128 * uint64_t{kdf.r} * (kdf.n + 2) + 128 * uint64_t{kdf.r} * kdf.p;
    const uint64_t maxmem = needed + (uint64_t{1} << 20);
    static const char kEmpty[1] = {0};
    const char* pass = passphrase.empty() ? kEmpty : passphrase.data();
    return EVP_PBE_scrypt(pass, passphrase.size(), salt.data(), salt.size(), kdf.n, kdf.r, kdf.p,
                          maxmem, out.data(), out.size()) == 1;
}

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

bool GcmInit(EVP_CIPHER_CTX* ctx, bool encrypt, const DerivedKey& key,
             std::span<const uint8_t> nonce, std::span<const uint8_t> aad) {
    const int enc = encrypt ? 1 : 0;
    int len = 0;
    return EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, enc) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                               nullptr) == 1 &&
           EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data(), enc) == 1 &&
           EVP_CipherUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1;
}

bool GcmEncrypt(const DerivedKey& key, KeyFileContents& c, const Secret& plaintext) {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx || !GcmInit(ctx.get(), true, key, c.nonce, c.pubkey)) return false;
    int len = 0, fin = 0;
    if (EVP_EncryptUpdate(ctx.get(), c.ciphertext.data(), &len, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1) {
        return false;
    }
    if (EVP_EncryptFinal_ex(ctx.get(), c.ciphertext.data() + len, &fin) != 1) return false;
    if (static_cast<size_t>(len + fin) != c.ciphertext.size()) return false;
    return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(c.tag.size()),
                               c.tag.data()) == 1;
}

// False if the tag does not verify; plaintext is then wiped.
bool GcmDecrypt(const DerivedKey& key, const KeyFileContents& c, Secret& plaintext) {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    std::array<uint8_t, kTagSize> tag = c.tag;  // the ctrl call wants a mutable pointer
    int len = 0, fin = 0;
    bool ok = ctx && GcmInit(ctx.get(), false, key, c.nonce, c.pubkey) &&
              EVP_DecryptUpdate(ctx.get(), plaintext.data(), &len, c.ciphertext.data(),
                                static_cast<int>(c.ciphertext.size())) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                                  tag.data()) == 1 &&
              EVP_DecryptFinal_ex(ctx.get(), plaintext.data() + len, &fin) == 1 &&
              static_cast<size_t>(len + fin) == plaintext.size();
    // GCM decrypts before it authenticates: never leave unauthenticated
    // plaintext behind.
    if (!ok) OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return ok;
}

// Anything at all, even a dangling symlink. Other lstat failures (EACCES,
// ENOTDIR, ...) are left for the write itself to report.
bool PathExists(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

Error ExistsError(const std::string& path) {
    return FileError("key-file-exists", path,
                     "already exists; refusing to overwrite it (move it away or choose another "
                     "path)");
}

}  // namespace

Status CheckKdfParams(const KdfParams& params) {
    auto bad = [](const std::string& what) { return MakeError("key-file-kdf-params", what); };
    if (params.n < 2 || params.n > kMaxScryptN || !std::has_single_bit(params.n)) {
        return bad("scrypt n must be a power of two from 2 to " + std::to_string(kMaxScryptN) +
                   ", got " + std::to_string(params.n));
    }
    if (params.r < 1 || params.r > kMaxScryptR) {
        return bad("scrypt r must be from 1 to " + std::to_string(kMaxScryptR) + ", got " +
                   std::to_string(params.r));
    }
    if (params.p < 1 || params.p > kMaxScryptP) {
        return bad("scrypt p must be from 1 to " + std::to_string(kMaxScryptP) + ", got " +
                   std::to_string(params.p));
    }
    // No overflow: n <= 2^20, r <= 2^5, p <= 2^4.
    const uint64_t memory = 128 * uint64_t{params.r} * params.n;
    if (memory > kMaxScryptMemory) {
        return bad("scrypt n = " + std::to_string(params.n) + ", r = " + std::to_string(params.r) +
                   " would need " + std::to_string(memory >> 20) + " MiB; at most " +
                   std::to_string(kMaxScryptMemory >> 20) + " MiB is allowed");
    }
    const uint64_t work = params.n * params.r * params.p;
    if (work > kMaxScryptWork) {
        return bad("scrypt cost n * r * p = " + std::to_string(work) + " exceeds the limit of " +
                   std::to_string(kMaxScryptWork));
    }
    return Status::Ok();
}

Status CheckKeyFilePathFree(const std::string& path) {
    if (PathExists(path)) return ExistsError(path);
    return Status::Ok();
}

Status WriteKeyFile(const std::string& path, const PrivKey& key, std::string_view passphrase,
                    const KdfParams& params) {
    if (Status st = CheckKdfParams(params); !st) {
        return FileError(st.error().code, path, st.error().message);
    }
    if (passphrase.empty()) {
        return FileError("key-file-passphrase", path,
                         "refusing to encrypt a key under an empty passphrase");
    }
    // Checked again, atomically, when the file is moved into place; checking
    // now as well avoids paying for scrypt only to fail.
    if (Status st = CheckKeyFilePathFree(path); !st) return st;

    KeyFileContents c;
    c.kdf = params;
    GetRandBytes(c.salt);
    GetRandBytes(c.nonce);
    c.pubkey = key.PubKey();

    DerivedKey dk;
    Wiper wipe_dk(dk);
    if (!DeriveKey(passphrase, c.salt, c.kdf, dk)) {
        return FileError("key-file-crypto", path, "scrypt key derivation failed (out of memory?)");
    }
    Secret secret;
    Wiper wipe_secret(secret);
    std::copy(key.Secret().begin(), key.Secret().end(), secret.begin());
    if (!GcmEncrypt(dk, c, secret)) {
        return FileError("key-file-crypto", path, "AES-256-GCM encryption failed");
    }
    Status st = WriteFileAtomically(path, SerializeContents(c), FileReplace::kNever);
    if (st) return st;
    if (st.error().code == "file-exists") return ExistsError(path);
    return FileError("key-file-io", path, st.error().message);
}

Result<XOnlyPubKey> ReadKeyFilePubKey(const std::string& path) {
    auto c = LoadContents(path);
    if (!c) return c.error();
    return c->pubkey;
}

Result<PrivKey> ReadKeyFile(const std::string& path, std::string_view passphrase) {
    auto c = LoadContents(path);
    if (!c) return c.error();

    DerivedKey dk;
    Wiper wipe_dk(dk);
    if (!DeriveKey(passphrase, c->salt, c->kdf, dk)) {
        return FileError("key-file-crypto", path, "scrypt key derivation failed (out of memory?)");
    }
    Secret secret;
    Wiper wipe_secret(secret);
    if (!GcmDecrypt(dk, *c, secret)) {
        return FileError("key-file-decrypt", path, "wrong passphrase or corrupted key file");
    }
    auto key = PrivKey::FromBytes(secret);
    if (!key) {
        return FileError("key-file-invalid-key", path,
                         "the decrypted secret is not a valid secp256k1 private key");
    }
    if (key->PubKey() != c->pubkey) {
        return FileError("key-file-mismatch", path,
                         "the stored pubkey does not belong to the encrypted key");
    }
    return *key;
}

}  // namespace maillon
