#include "common/key_file.h"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using maillon::test::ReadFile;
using maillon::test::TempDir;

// Cheap scrypt so the suite runs in milliseconds.
const KdfParams kCheap{1024, 8, 1};

void WriteAll(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
    BOOST_REQUIRE(out.good());
}

// Rewrites the key file at path after letting edit change its JSON.
void EditJson(const std::string& path, const std::function<void(rapidjson::Document&)>& edit) {
    rapidjson::Document doc;
    std::string text = ReadFile(path);
    doc.Parse(text.data(), text.size());
    BOOST_REQUIRE(!doc.HasParseError() && doc.IsObject());
    edit(doc);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    doc.Accept(w);
    WriteAll(path, buf.GetString());
}

void SetString(rapidjson::Document& doc, const char* name, const std::string& value) {
    doc[name].SetString(value.data(), static_cast<rapidjson::SizeType>(value.size()),
                        doc.GetAllocator());
}

// Changes the first hex digit of a field, keeping it valid hex.
void FlipHexField(const std::string& path, const char* name) {
    EditJson(path, [&](rapidjson::Document& doc) {
        std::string hex = doc[name].GetString();
        hex[0] = hex[0] == '0' ? '1' : '0';
        SetString(doc, name, hex);
    });
}

bool SameSecret(const PrivKey& a, const PrivKey& b) {
    return std::equal(a.Secret().begin(), a.Secret().end(), b.Secret().begin(), b.Secret().end());
}

// `res` (a Result or a Status) failed with `code` and a message containing `needle`.
template <typename R>
void CheckError(const R& res, const std::string& code, const std::string& needle) {
    BOOST_REQUIRE(!res.ok());
    BOOST_CHECK_EQUAL(res.error().code, code);
    BOOST_CHECK_MESSAGE(res.error().message.find(needle) != std::string::npos,
                        "message \"" << res.error().message << "\" lacks \"" << needle << "\"");
}

}  // namespace

// Names the caller's line when a check inside CheckError fails.
#define CHECK_ERROR(expr, code, needle)                      \
    BOOST_TEST_CONTEXT("CHECK_ERROR at line " << __LINE__) { \
        CheckError(expr, code, needle);                      \
    }

BOOST_AUTO_TEST_SUITE(key_file_tests)

BOOST_AUTO_TEST_CASE(round_trip) {
    TempDir dir;
    const std::string path = dir.File("k.key");
    PrivKey key = PrivKey::Generate();
    BOOST_REQUIRE(WriteKeyFile(path, key, "correct horse", kCheap).ok());

    auto pub = ReadKeyFilePubKey(path);
    BOOST_REQUIRE(pub.ok());
    BOOST_CHECK(*pub == key.PubKey());

    auto back = ReadKeyFile(path, "correct horse");
    BOOST_REQUIRE(back.ok());
    BOOST_CHECK(SameSecret(*back, key));

    // The documented JSON layout, with nothing secret in clear.
    rapidjson::Document doc;
    std::string text = ReadFile(path);
    doc.Parse(text.data(), text.size());
    BOOST_REQUIRE(!doc.HasParseError());
    BOOST_CHECK_EQUAL(doc["version"].GetUint(), 1u);
    BOOST_CHECK_EQUAL(std::string(doc["kdf"].GetString()), "scrypt");
    BOOST_CHECK_EQUAL(doc["n"].GetUint64(), 1024u);
    BOOST_CHECK_EQUAL(doc["r"].GetUint(), 8u);
    BOOST_CHECK_EQUAL(doc["p"].GetUint(), 1u);
    BOOST_CHECK_EQUAL(std::string(doc["cipher"].GetString()), "aes-256-gcm");
    BOOST_CHECK_EQUAL(std::string(doc["salt"].GetString()).size(), 32u);
    BOOST_CHECK_EQUAL(std::string(doc["nonce"].GetString()).size(), 24u);
    BOOST_CHECK_EQUAL(std::string(doc["ciphertext"].GetString()).size(), 64u);
    BOOST_CHECK_EQUAL(std::string(doc["tag"].GetString()).size(), 32u);
    BOOST_CHECK_EQUAL(std::string(doc["pubkey"].GetString()), HexStr(key.PubKey()));
    BOOST_CHECK(text.find(HexStr(key.Secret())) == std::string::npos);

    // No temporary file is left next to it.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path))
        ++entries;
    BOOST_CHECK_EQUAL(entries, 1);
}

// A file made by an independent implementation (Python: hashlib.scrypt and
// cryptography's AESGCM) for the secret 0x00..03, whose x-only pubkey is the
// BIP340 test vector F9308A01...; fixes the format, including the pubkey as AAD.
BOOST_AUTO_TEST_CASE(reads_independently_made_file) {
    TempDir dir;
    const std::string path = dir.File("vector.key");
    WriteAll(path,
             R"({"version": 1, "kdf": "scrypt", "n": 1024, "r": 8, "p": 1,)"
             R"( "salt": "000102030405060708090a0b0c0d0e0f", "cipher": "aes-256-gcm",)"
             R"( "nonce": "6465666768696a6b6c6d6e6f",)"
             R"( "ciphertext": "ac49b545cc3b65d459ce012a3b531cc9eb6f48cd9ad65ffefb7022bafde43528",)"
             R"( "tag": "602422c847e26ec82ce9f47115fd0446",)"
             R"( "pubkey": "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"})");
    auto key = ReadKeyFile(path, "maillon-test");
    BOOST_REQUIRE(key.ok());
    BOOST_CHECK_EQUAL(HexStr(key->Secret()), std::string(63, '0') + "3");
    auto pub = ReadKeyFilePubKey(path);
    BOOST_REQUIRE(pub.ok());
    BOOST_CHECK_EQUAL(HexStr(*pub),
                      "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9");
    CHECK_ERROR(ReadKeyFile(path, "maillon-tesT"), "key-file-decrypt", "wrong passphrase");
}

BOOST_AUTO_TEST_CASE(fresh_salt_and_nonce_each_write) {
    TempDir dir;
    PrivKey key = PrivKey::Generate();
    BOOST_REQUIRE(WriteKeyFile(dir.File("a"), key, "pw", kCheap).ok());
    BOOST_REQUIRE(WriteKeyFile(dir.File("b"), key, "pw", kCheap).ok());
    BOOST_CHECK(ReadFile(dir.File("a")) != ReadFile(dir.File("b")));
    BOOST_CHECK(ReadKeyFile(dir.File("a"), "pw").ok());
    BOOST_CHECK(ReadKeyFile(dir.File("b"), "pw").ok());
}

BOOST_AUTO_TEST_CASE(wrong_passphrase) {
    TempDir dir;
    const std::string path = dir.File("k.key");
    BOOST_REQUIRE(WriteKeyFile(path, PrivKey::Generate(), "right", kCheap).ok());
    CHECK_ERROR(ReadKeyFile(path, "wrong"), "key-file-decrypt",
                "wrong passphrase or corrupted key file");
    CHECK_ERROR(ReadKeyFile(path, ""), "key-file-decrypt",
                "wrong passphrase or corrupted key file");
    CHECK_ERROR(ReadKeyFile(path, "right "), "key-file-decrypt",
                "wrong passphrase or corrupted key file");
    BOOST_CHECK(ReadKeyFile(path, "right").ok());
}

BOOST_AUTO_TEST_CASE(tampering_detected) {
    TempDir dir;
    const std::string orig = dir.File("orig.key");
    PrivKey key = PrivKey::Generate();
    BOOST_REQUIRE(WriteKeyFile(orig, key, "pw", kCheap).ok());
    const std::string text = ReadFile(orig);

    for (const char* field : {"ciphertext", "tag", "nonce", "salt"}) {
        BOOST_TEST_CONTEXT("field " << field) {
            const std::string path = dir.File(std::string("t-") + field);
            WriteAll(path, text);
            FlipHexField(path, field);
            CHECK_ERROR(ReadKeyFile(path, "pw"), "key-file-decrypt",
                        "wrong passphrase or corrupted key file");
        }
    }

    // Swapping in someone else's pubkey: shown without the passphrase (it is
    // not authenticated there), but decryption detects it.
    const std::string swapped = dir.File("swapped");
    WriteAll(swapped, text);
    const XOnlyPubKey other = PrivKey::Generate().PubKey();
    EditJson(swapped, [&](rapidjson::Document& doc) { SetString(doc, "pubkey", HexStr(other)); });
    auto shown = ReadKeyFilePubKey(swapped);
    BOOST_REQUIRE(shown.ok());
    BOOST_CHECK(*shown == other);
    CHECK_ERROR(ReadKeyFile(swapped, "pw"), "key-file-decrypt",
                "wrong passphrase or corrupted key file");

    // Weakened cost parameters change the derived key.
    const std::string weaker = dir.File("weaker");
    WriteAll(weaker, text);
    EditJson(weaker, [](rapidjson::Document& doc) { doc["n"].SetUint64(512); });
    CHECK_ERROR(ReadKeyFile(weaker, "pw"), "key-file-decrypt",
                "wrong passphrase or corrupted key file");

    // The untouched original still opens.
    auto back = ReadKeyFile(orig, "pw");
    BOOST_REQUIRE(back.ok());
    BOOST_CHECK(SameSecret(*back, key));
}

BOOST_AUTO_TEST_CASE(file_mode_0600) {
    TempDir dir;
    const std::string path = dir.File("k.key");
    // Even under a permissive umask.
    mode_t old_umask = umask(0);
    Status st = WriteKeyFile(path, PrivKey::Generate(), "pw", kCheap);
    umask(old_umask);
    BOOST_REQUIRE(st.ok());
    struct stat sb;
    BOOST_REQUIRE(stat(path.c_str(), &sb) == 0);
    BOOST_CHECK(S_ISREG(sb.st_mode));
    BOOST_CHECK_EQUAL(sb.st_mode & 07777, 0600u);
}

BOOST_AUTO_TEST_CASE(refuses_overwrite) {
    TempDir dir;
    const std::string path = dir.File("k.key");
    PrivKey first = PrivKey::Generate();
    BOOST_REQUIRE(WriteKeyFile(path, first, "pw", kCheap).ok());
    const std::string before = ReadFile(path);
    CHECK_ERROR(WriteKeyFile(path, PrivKey::Generate(), "pw", kCheap), "key-file-exists",
                "refusing to overwrite");
    BOOST_CHECK(ReadFile(path) == before);
    auto back = ReadKeyFile(path, "pw");
    BOOST_REQUIRE(back.ok());
    BOOST_CHECK(SameSecret(*back, first));

    // Nor any other kind of existing file, nor a dangling symlink.
    const std::string other = dir.File("notes.txt");
    WriteAll(other, "keep me");
    CHECK_ERROR(WriteKeyFile(other, first, "pw", kCheap), "key-file-exists", "refusing");
    BOOST_CHECK_EQUAL(ReadFile(other), "keep me");
    const std::string link = dir.File("dangling");
    BOOST_REQUIRE(symlink(dir.File("nowhere").c_str(), link.c_str()) == 0);
    CHECK_ERROR(WriteKeyFile(link, first, "pw", kCheap), "key-file-exists", "refusing");
    BOOST_CHECK(!std::filesystem::exists(dir.File("nowhere")));
}

BOOST_AUTO_TEST_CASE(write_errors) {
    TempDir dir;
    PrivKey key = PrivKey::Generate();
    CHECK_ERROR(WriteKeyFile(dir.File("k"), key, "", kCheap), "key-file-passphrase",
                "empty passphrase");
    CHECK_ERROR(WriteKeyFile(dir.File("k"), key, "pw", KdfParams{1000, 8, 1}),
                "key-file-kdf-params", "power of two");
    CHECK_ERROR(WriteKeyFile(dir.File("missing-dir/k"), key, "pw", kCheap), "key-file-io",
                "cannot create");
    BOOST_CHECK(!std::filesystem::exists(dir.File("k")));
}

BOOST_AUTO_TEST_CASE(kdf_param_bounds) {
    BOOST_CHECK(CheckKdfParams(KdfParams{}).ok());
    BOOST_CHECK(CheckKdfParams(kCheap).ok());
    BOOST_CHECK(CheckKdfParams(KdfParams{uint64_t{1} << 20, 8, 1}).ok());
    CHECK_ERROR(CheckKdfParams(KdfParams{0, 8, 1}), "key-file-kdf-params", "power of two");
    CHECK_ERROR(CheckKdfParams(KdfParams{1, 8, 1}), "key-file-kdf-params", "power of two");
    CHECK_ERROR(CheckKdfParams(KdfParams{3000, 8, 1}), "key-file-kdf-params", "power of two");
    CHECK_ERROR(CheckKdfParams(KdfParams{uint64_t{1} << 21, 8, 1}), "key-file-kdf-params",
                "power of two");
    CHECK_ERROR(CheckKdfParams(KdfParams{1024, 0, 1}), "key-file-kdf-params", "scrypt r");
    CHECK_ERROR(CheckKdfParams(KdfParams{1024, 33, 1}), "key-file-kdf-params", "scrypt r");
    CHECK_ERROR(CheckKdfParams(KdfParams{1024, 8, 0}), "key-file-kdf-params", "scrypt p");
    CHECK_ERROR(CheckKdfParams(KdfParams{1024, 8, 17}), "key-file-kdf-params", "scrypt p");
    // Each within its own bound, but together too much memory or work.
    CHECK_ERROR(CheckKdfParams(KdfParams{uint64_t{1} << 20, 32, 1}), "key-file-kdf-params", "MiB");
    CHECK_ERROR(CheckKdfParams(KdfParams{uint64_t{1} << 20, 8, 8}), "key-file-kdf-params",
                "n * r * p");
}

BOOST_AUTO_TEST_CASE(absurd_kdf_params_rejected_before_scrypt) {
    TempDir dir;
    const std::string path = dir.File("k.key");
    BOOST_REQUIRE(WriteKeyFile(path, PrivKey::Generate(), "pw", kCheap).ok());
    const std::string text = ReadFile(path);

    struct Case {
        const char* field;
        uint64_t value;
        const char* needle;
    };
    const Case cases[] = {
        {"n", uint64_t{1} << 40, "power of two"},  // would need 128 TiB
        {"n", UINT64_MAX, "power of two"},
        {"n", 0, "power of two"},
        {"n", 1000, "power of two"},
        {"r", 1u << 20, "scrypt r"},
        {"r", uint64_t{1} << 40, "scrypt r"},
        {"p", 1000, "scrypt p"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.field << " = " << c.value) {
            const std::string bad = dir.File("bad");
            WriteAll(bad, text);
            EditJson(bad, [&](rapidjson::Document& doc) { doc[c.field].SetUint64(c.value); });
            CHECK_ERROR(ReadKeyFile(bad, "pw"), "key-file-kdf-params", c.needle);
            CHECK_ERROR(ReadKeyFilePubKey(bad), "key-file-kdf-params", c.needle);
        }
    }
}

BOOST_AUTO_TEST_CASE(oversized_file_rejected) {
    TempDir dir;
    const std::string path = dir.File("big.key");
    BOOST_REQUIRE(WriteKeyFile(path, PrivKey::Generate(), "pw", kCheap).ok());
    // A valid key file padded with whitespace past the limit is still refused.
    std::string text = ReadFile(path);
    text.append(kMaxKeyFileSize + 1 - text.size(), ' ');
    WriteAll(path, text);
    CHECK_ERROR(ReadKeyFile(path, "pw"), "key-file-too-large", "65537 bytes");
    CHECK_ERROR(ReadKeyFilePubKey(path), "key-file-too-large", "at most 65536 bytes");

    // Sparse: a huge size is refused from its metadata, not by reading it.
    const std::string huge = dir.File("huge.key");
    WriteAll(huge, "");
    std::filesystem::resize_file(huge, uint64_t{8} << 30);
    CHECK_ERROR(ReadKeyFile(huge, "pw"), "key-file-too-large", "8589934592 bytes");
}

BOOST_AUTO_TEST_CASE(malformed_files_rejected) {
    TempDir dir;
    const std::string good = dir.File("good.key");
    BOOST_REQUIRE(WriteKeyFile(good, PrivKey::Generate(), "pw", kCheap).ok());
    const std::string text = ReadFile(good);
    const std::string path = dir.File("bad.key");

    auto expect_bad = [&](const std::string& content, const std::string& code,
                          const std::string& needle) {
        BOOST_TEST_CONTEXT("content: " << content.substr(0, 80)) {
            WriteAll(path, content);
            CHECK_ERROR(ReadKeyFile(path, "pw"), code, needle);
            CHECK_ERROR(ReadKeyFilePubKey(path), code, needle);
        }
    };
    expect_bad("", "key-file-malformed", "not valid JSON");
    expect_bad(text.substr(0, text.size() / 2), "key-file-malformed", "not valid JSON");
    expect_bad(text.substr(0, text.size() - 3), "key-file-malformed", "not valid JSON");
    expect_bad(std::string("\x00\xff\x13garbage", 10), "key-file-malformed", "not valid JSON");
    expect_bad(text + "{}", "key-file-malformed", "not valid JSON");
    expect_bad("[1, 2, 3]", "key-file-malformed", "not a JSON object");
    expect_bad("{}", "key-file-malformed", "missing field \"version\"");

    // One field at a time made wrong.
    auto edit = [&](const std::function<void(rapidjson::Document&)>& fn, const std::string& code,
                    const std::string& needle) {
        WriteAll(path, text);
        EditJson(path, fn);
        BOOST_TEST_CONTEXT("edited: " << ReadFile(path)) {
            CHECK_ERROR(ReadKeyFile(path, "pw"), code, needle);
        }
    };
    edit([](auto& d) { d["version"].SetUint(2); }, "key-file-unsupported", "version 2");
    edit([](auto& d) { d["version"].SetString("1"); }, "key-file-malformed", "\"version\"");
    edit([](auto& d) { SetString(d, "kdf", "pbkdf2"); }, "key-file-unsupported", "pbkdf2");
    edit([](auto& d) { SetString(d, "cipher", "aes-128-cbc"); }, "key-file-unsupported",
         "aes-128-cbc");
    edit([](auto& d) { d["n"].SetInt(-1024); }, "key-file-malformed", "\"n\"");
    edit([](auto& d) { d["r"].SetDouble(8.5); }, "key-file-malformed", "\"r\"");
    edit([](auto& d) { d.RemoveMember("p"); }, "key-file-malformed", "missing field \"p\"");
    edit([](auto& d) { d.RemoveMember("tag"); }, "key-file-malformed", "missing field \"tag\"");
    edit([](auto& d) { SetString(d, "salt", "abcd"); }, "key-file-malformed", "\"salt\"");
    edit([](auto& d) { SetString(d, "nonce", std::string(24, 'z')); }, "key-file-malformed",
         "\"nonce\"");
    edit([](auto& d) { SetString(d, "ciphertext", std::string(63, 'a')); }, "key-file-malformed",
         "\"ciphertext\"");
    edit([](auto& d) { d["tag"].SetUint(5); }, "key-file-malformed", "\"tag\"");
    // Not the x coordinate of a curve point (x = 5 has no y on secp256k1).
    edit([](auto& d) { SetString(d, "pubkey", std::string(63, '0') + "5"); }, "key-file-malformed",
         "valid x-only");

    // A duplicated field is ambiguous, so refused.
    std::string dup = text;
    dup.insert(dup.find('{') + 1, "\"pubkey\": \"" + HexStr(PrivKey::Generate().PubKey()) + "\",");
    expect_bad(dup, "key-file-malformed", "appears twice");
}

BOOST_AUTO_TEST_CASE(missing_or_special_file) {
    TempDir dir;
    CHECK_ERROR(ReadKeyFile(dir.File("absent"), "pw"), "key-file-io", "cannot open");
    CHECK_ERROR(ReadKeyFilePubKey(dir.File("absent")), "key-file-io", "absent");
    CHECK_ERROR(ReadKeyFile(dir.path.string(), "pw"), "key-file-io", "not a regular file");
    const std::string fifo = dir.File("fifo");
    BOOST_REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_ERROR(ReadKeyFile(fifo, "pw"), "key-file-io", "not a regular file");
}

BOOST_AUTO_TEST_SUITE_END()
