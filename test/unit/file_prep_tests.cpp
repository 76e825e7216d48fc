// Encrypting and chunking a file for a storage deal (src/client/file_prep.h).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "client/file_prep.h"
#include "consensus/chunk_tree.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

namespace maillon {
namespace {

using maillon::test::Code;
using Bytes = std::vector<uint8_t>;

Bytes FromHex(const std::string& hex) {
    const auto bytes = ParseHex(hex);
    BOOST_REQUIRE(bytes);
    return *bytes;
}

template <size_t N>
std::array<uint8_t, N> ArrayFromHex(const std::string& hex) {
    const Bytes bytes = FromHex(hex);
    BOOST_REQUIRE_EQUAL(bytes.size(), N);
    std::array<uint8_t, N> out;
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

// A test key: fixed, so that a failure can be replayed.
DataKey TestKey(uint8_t seed) {
    DataKey key;
    for (size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<uint8_t>(seed + 7 * i);
    return key;
}

Bytes TestPlaintext(size_t size) {
    Bytes plaintext(size);
    for (size_t i = 0; i < size; ++i)
        plaintext[i] = static_cast<uint8_t>(i * 131 + i / 256);
    return plaintext;
}

Bytes Aad() {
    return Bytes(kFileAad.begin(), kFileAad.end());
}

PreparedFile Prepare(const Bytes& plaintext, const DataKey& key, uint32_t chunk_size) {
    Result<PreparedFile> file = PrepareFile(plaintext, key, chunk_size);
    BOOST_REQUIRE_MESSAGE(file, test::ErrorText(file));
    return std::move(file).value();
}

// The file's chunks are the documented cut of its stored bytes, its root is
// their chunk tree's, and every chunk proves itself against it.
void CheckShape(const PreparedFile& file, size_t plaintext_size, uint32_t chunk_size) {
    BOOST_CHECK_EQUAL(file.size, plaintext_size + kFileOverhead);
    BOOST_CHECK_EQUAL(file.chunk_size, chunk_size);
    const uint64_t count = ChunkCount(file.size, chunk_size);
    BOOST_REQUIRE_EQUAL(file.chunks.size(), count);
    std::vector<Hash256> leaves;
    for (uint64_t i = 0; i < count; ++i) {
        const size_t expected = i + 1 < count ? chunk_size : file.size - (count - 1) * chunk_size;
        BOOST_CHECK_EQUAL(file.chunks[i].size(), expected);
        leaves.push_back(ChunkLeafHash(i, file.chunks[i]));
    }
    BOOST_CHECK(file.root == ChunkRoot(leaves));
    BOOST_CHECK(ChunkLeaves(file) == leaves);
    // A few chunks, the last one among them, as a device would prove them.
    for (uint64_t i : {uint64_t{0}, count / 2, count - 1}) {
        BOOST_CHECK_MESSAGE(VerifyChunk(file.root, i, count, file.chunks[i], ChunkPath(leaves, i)),
                            "chunk " << i << "/" << count);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_prep_tests)

BOOST_AUTO_TEST_CASE(files_of_every_size_round_trip) {
    const DataKey key = TestKey(1);
    for (const uint32_t cs : {1u, 64u, kMaxChunkSize}) {
        // Around one chunk of plaintext, and around one chunk of stored bytes.
        std::vector<size_t> sizes{0, 1, cs - 1, cs, cs + 1, 100000};
        if (cs > kFileOverhead) {
            for (size_t s : {cs - kFileOverhead - 1, cs - kFileOverhead, cs - kFileOverhead + 1})
                sizes.push_back(s);
        }
        for (size_t size : sizes) {
            BOOST_TEST_CONTEXT("plaintext " << size << " bytes, chunk size " << cs) {
                const Bytes plaintext = TestPlaintext(size);
                const PreparedFile file = Prepare(plaintext, key, cs);
                CheckShape(file, size, cs);
                const Bytes stored = StoredBytes(file);
                BOOST_CHECK_EQUAL(stored.size(), file.size);
                const Result<Bytes> opened = OpenFile(stored, key);
                BOOST_REQUIRE_MESSAGE(opened, test::ErrorText(opened));
                BOOST_CHECK(*opened == plaintext);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(stored_bytes_are_nonce_ciphertext_and_tag) {
    // The documented layout, opened without OpenFile: the first 12 bytes are
    // the nonce, the rest AES-256-GCM's output with the file's associated data.
    const DataKey key = TestKey(2);
    const Bytes plaintext = TestPlaintext(5000);
    const Bytes stored = StoredBytes(Prepare(plaintext, key, 512));
    GcmNonce nonce;
    std::copy_n(stored.begin(), nonce.size(), nonce.begin());
    const std::span<const uint8_t> sealed = std::span(stored).subspan(nonce.size());
    const Result<Bytes> opened = AesGcmOpen(key, nonce, Aad(), sealed);
    BOOST_REQUIRE_MESSAGE(opened, test::ErrorText(opened));
    BOOST_CHECK(*opened == plaintext);
    BOOST_CHECK_EQUAL(Code(AesGcmOpen(key, nonce, {}, sealed)), "gcm-auth-failed");
    const Bytes other_aad{'m', 'a', 'i', 'l', 'l', 'o', 'n', '-',
                          'f', 'i', 'l', 'e', '-', 'v', '2'};
    BOOST_CHECK_EQUAL(Code(AesGcmOpen(key, nonce, other_aad, sealed)), "gcm-auth-failed");
}

BOOST_AUTO_TEST_CASE(altered_or_truncated_files_and_wrong_keys_are_rejected) {
    const DataKey key = TestKey(3);
    const Bytes stored = StoredBytes(Prepare(TestPlaintext(300), key, 100));

    // Every byte matters: the nonce, the ciphertext and the tag.
    for (size_t at = 0; at < stored.size(); ++at) {
        Bytes altered = stored;
        altered[at] ^= 0x01;
        const Result<Bytes> opened = OpenFile(altered, key);
        BOOST_CHECK_MESSAGE(Code(opened) == "file-decrypt", "byte " << at);
    }
    const Result<Bytes> wrong_key = OpenFile(stored, TestKey(4));
    BOOST_CHECK_EQUAL(Code(wrong_key), "file-decrypt");
    BOOST_CHECK_EQUAL(wrong_key.error().message,
                      "the file does not decrypt with this key, or was altered");
    BOOST_CHECK(wrong_key.error().kind == ErrorKind::kInvalid);

    // Shortened or lengthened, still long enough to parse.
    BOOST_CHECK_EQUAL(Code(OpenFile(std::span(stored).first(stored.size() - 1), key)),
                      "file-decrypt");
    BOOST_CHECK_EQUAL(Code(OpenFile(std::span(stored).first(kFileOverhead), key)), "file-decrypt");
    Bytes longer = stored;
    longer.push_back(0);
    BOOST_CHECK_EQUAL(Code(OpenFile(longer, key)), "file-decrypt");

    // Too short to hold a nonce and a tag.
    const Result<Bytes> short_file = OpenFile(std::span(stored).first(kFileOverhead - 1), key);
    BOOST_CHECK_EQUAL(Code(short_file), "file-too-short");
    BOOST_CHECK_EQUAL(short_file.error().message,
                      "a stored file is at least 28 bytes (a 12-byte nonce and a 16-byte tag), "
                      "got 27");
    BOOST_CHECK_EQUAL(Code(OpenFile({}, key)), "file-too-short");
    BOOST_CHECK_EQUAL(Code(AesGcmOpen(key, GcmNonce{}, {}, std::span(stored).first(15))),
                      "gcm-too-short");
}

BOOST_AUTO_TEST_CASE(each_preparation_draws_a_fresh_nonce) {
    const DataKey key = TestKey(5);
    const Bytes plaintext = TestPlaintext(1000);
    const PreparedFile first = Prepare(plaintext, key, 256);
    const PreparedFile second = Prepare(plaintext, key, 256);
    BOOST_CHECK(StoredBytes(first) != StoredBytes(second));
    BOOST_CHECK(first.root != second.root);
    CheckShape(first, plaintext.size(), 256);
    CheckShape(second, plaintext.size(), 256);
    for (const PreparedFile* file : {&first, &second}) {
        const Result<Bytes> opened = OpenFile(StoredBytes(*file), key);
        BOOST_CHECK(opened && *opened == plaintext);
    }
}

BOOST_AUTO_TEST_CASE(chunk_sizes_and_file_sizes_are_bounded) {
    const DataKey key = TestKey(6);
    const Bytes small = TestPlaintext(10);
    const Result<PreparedFile> zero = PrepareFile(small, key, 0);
    BOOST_CHECK_EQUAL(Code(zero), "file-chunk-size");
    BOOST_CHECK_EQUAL(zero.error().message, "the chunk size must be from 1 to 2048 bytes, got 0");
    BOOST_CHECK_EQUAL(Code(PrepareFile(small, key, kMaxChunkSize + 1)), "file-chunk-size");
    BOOST_CHECK_EQUAL(Code(PrepareFile(small, key, kMaxChunkSize)), "ok");

    // At chunk size 1 a deal holds 2^20 stored bytes: 2^20 - 28 of plaintext.
    const size_t most = kMaxDealChunks - kFileOverhead;
    const Bytes fits = TestPlaintext(most);
    const PreparedFile file = Prepare(fits, key, 1);
    BOOST_CHECK_EQUAL(file.chunks.size(), kMaxDealChunks);
    const Bytes too_large = TestPlaintext(most + 1);
    const Result<PreparedFile> refused = PrepareFile(too_large, key, 1);
    BOOST_CHECK_EQUAL(Code(refused), "file-too-large");
    BOOST_CHECK_EQUAL(
        refused.error().message,
        "a file of 1048549 bytes needs 1048577 chunks at chunk size 1 once encrypted, "
        "but a deal holds at most 1048576 chunks: at most 1048548 bytes fit at "
        "this chunk size (choose a larger chunk size, up to 2048, or split the "
        "file)");
    BOOST_CHECK_EQUAL(Code(PrepareFile(too_large, key, 2)), "ok");
}

// What a client uploads: the stored bytes cut again, to the same root.
BOOST_AUTO_TEST_CASE(stored_bytes_chunk_again_to_the_same_root) {
    const PreparedFile file = Prepare(TestPlaintext(3000), TestKey(9), 256);
    const std::vector<uint8_t> stored = StoredBytes(file);
    auto again = ChunkStoredBytes(stored, 256);
    BOOST_REQUIRE_MESSAGE(again, test::ErrorText(again));
    BOOST_CHECK(again->root == file.root);
    BOOST_CHECK(again->chunks == file.chunks);
    BOOST_CHECK_EQUAL(again->size, file.size);
    BOOST_CHECK(ChunkStoredBytes(stored, 512)->root != file.root);
    BOOST_CHECK_EQUAL(Code(ChunkStoredBytes(stored, 0)), "file-chunk-size");
    BOOST_CHECK_EQUAL(Code(ChunkStoredBytes({}, 256)), "file-too-short");
    const std::vector<uint8_t> big(kMaxDealChunks + 1, 7);
    BOOST_CHECK_EQUAL(Code(ChunkStoredBytes(big, 1)), "file-too-large");
}

BOOST_AUTO_TEST_CASE(new_data_keys_are_random) {
    const Result<DataKey> a = NewDataKey();
    const Result<DataKey> b = NewDataKey();
    BOOST_REQUIRE(a && b);
    BOOST_CHECK(*a != *b);
    BOOST_CHECK(*a != DataKey{});
}

BOOST_AUTO_TEST_CASE(aes_256_gcm_known_answers) {
    // The AES-256 cases with a 96-bit IV of the GCM specification (McGrew and
    // Viega, "The Galois/Counter Mode of Operation", test cases 13 to 16, as
    // used by NIST SP 800-38D). The shared vectors hold no Wycheproof AES-GCM
    // file.
    struct Case {
        const char* key;
        const char* iv;
        const char* plaintext;
        const char* aad;
        const char* ciphertext;
        const char* tag;
    };
    const std::string k0(64, '0');
    const std::string kf = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    const std::string p16 =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
        "49a6b525b16aedf5aa0de657ba637b39";
    const std::string c16 =
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
        "56828838c5f61e6393ba7a0abcc9f662";
    const std::vector<Case> cases{
        {k0.c_str(), "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
        {k0.c_str(), "000000000000000000000000", "00000000000000000000000000000000", "",
         "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
        {kf.c_str(), "cafebabefacedbaddecaf888",
         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
         "49a6b525b16aedf5aa0de657ba637b391aafd255",
         "",
         "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
         "56828838c5f61e6393ba7a0abcc9f662898015ad",
         "b094dac5d93471bdec1a502270e3cc6c"},
        {kf.c_str(), "cafebabefacedbaddecaf888", p16.c_str(),
         "feedfacedeadbeeffeedfacedeadbeefabaddad2", c16.c_str(),
         "76fc6ece0f4e1768cddf8853bb2d551b"},
    };
    for (size_t n = 0; n < cases.size(); ++n) {
        BOOST_TEST_CONTEXT("GCM test case " << 13 + n) {
            const Case& c = cases[n];
            const DataKey key = ArrayFromHex<32>(c.key);
            const GcmNonce iv = ArrayFromHex<12>(c.iv);
            const Bytes plaintext = FromHex(c.plaintext);
            const Bytes aad = FromHex(c.aad);
            const Result<Bytes> sealed = AesGcmSeal(key, iv, aad, plaintext);
            BOOST_REQUIRE_MESSAGE(sealed, test::ErrorText(sealed));
            BOOST_CHECK_EQUAL(HexStr(*sealed), std::string(c.ciphertext) + c.tag);

            const Result<Bytes> opened = AesGcmOpen(key, iv, aad, *sealed);
            BOOST_REQUIRE_MESSAGE(opened, test::ErrorText(opened));
            BOOST_CHECK(*opened == plaintext);
            Bytes bad_tag = *sealed;
            bad_tag.back() ^= 0x01;
            BOOST_CHECK_EQUAL(Code(AesGcmOpen(key, iv, aad, bad_tag)), "gcm-auth-failed");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace maillon
