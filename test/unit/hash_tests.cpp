// SHA-256, tagged hashes, HMAC-SHA256, constant-time compare and the CSPRNG.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/hash.h"
#include "crypto/hash_tags.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

std::span<const uint8_t> AsBytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Hex(const Hash256& h) {
    return HexStr(h);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hash_tests)

BOOST_AUTO_TEST_CASE(sha256_known_answers) {
    // FIPS 180-2 examples.
    BOOST_CHECK_EQUAL(Hex(Sha256(AsBytes(""))),
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_CHECK_EQUAL(Hex(Sha256(AsBytes("abc"))),
                      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_CHECK_EQUAL(
        Hex(Sha256(AsBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::string million(1000000, 'a');
    BOOST_CHECK_EQUAL(Hex(Sha256(AsBytes(million))),
                      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // An empty span with a null data pointer.
    BOOST_CHECK_EQUAL(Hex(Sha256(std::span<const uint8_t>{})),
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(incremental_equals_one_shot) {
    std::vector<uint8_t> msg(200);
    for (size_t i = 0; i < msg.size(); ++i)
        msg[i] = static_cast<uint8_t>(i * 31 + 5);
    const std::span<const uint8_t> all(msg);
    const Hash256 expected = Sha256(all);
    for (size_t split = 0; split <= msg.size(); ++split) {
        Sha256Hasher h;
        h.Write(all.first(split)).Write(all.subspan(split));
        BOOST_CHECK_MESSAGE(h.Finalize() == expected, "split at " << split);
    }
    // Byte by byte.
    Sha256Hasher h;
    for (uint8_t b : msg)
        h.Write(std::span<const uint8_t>(&b, 1));
    BOOST_CHECK(h.Finalize() == expected);

    // Finalize resets the hasher for reuse.
    h.Write(AsBytes("abc"));
    BOOST_CHECK_EQUAL(Hex(h.Finalize()),
                      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_CHECK_EQUAL(Hex(h.Finalize()),
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(hasher_copy_is_independent) {
    Sha256Hasher a;
    a.Write(AsBytes("ab"));
    Sha256Hasher b(a);
    a.Write(AsBytes("c"));
    b.Write(AsBytes("x"));
    BOOST_CHECK(a.Finalize() == Sha256(AsBytes("abc")));
    BOOST_CHECK(b.Finalize() == Sha256(AsBytes("abx")));
}

BOOST_AUTO_TEST_CASE(tagged_hash_matches_definition) {
    const std::vector<std::string> tags{"BIP0340/challenge", "BIP0340/aux", "maillon/tx", "", "t"};
    const std::vector<std::string> msgs{"", "abc", std::string(100, 'z')};
    for (const auto& tag : tags) {
        const Hash256 th = Sha256(AsBytes(tag));
        for (const auto& msg : msgs) {
            // SHA256(tag) || SHA256(tag) || msg, assembled by hand.
            std::vector<uint8_t> pre(64 + msg.size());
            std::copy(th.begin(), th.end(), pre.begin());
            std::copy(th.begin(), th.end(), pre.begin() + 32);
            std::copy(msg.begin(), msg.end(), pre.begin() + 64);
            const Hash256 expected = Sha256(pre);
            BOOST_CHECK_MESSAGE(TaggedHash(tag, AsBytes(msg)) == expected,
                                "tag '" << tag << "' msg size " << msg.size());
            // Through a HashTag's precomputed midstate, twice.
            const HashTag primed(tag);
            BOOST_CHECK(primed.Hash(AsBytes(msg)) == expected);
            BOOST_CHECK(primed.Hash(AsBytes(msg)) == expected);
            // In pieces through its hasher.
            Sha256Hasher h = primed.Hasher();
            const std::span<const uint8_t> m = AsBytes(msg);
            h.Write(m.first(m.size() / 2)).Write(m.subspan(m.size() / 2));
            BOOST_CHECK(h.Finalize() == expected);
        }
    }
    // Independent known answer (Python hashlib).
    BOOST_CHECK_EQUAL(Hex(TaggedHash("BIP0340/challenge", AsBytes("abc"))),
                      "770a5b7e7c304bbcc3ea107343ff951dd404312ef418db0c3b94e2ebfbb50087");
    // Distinct tags give distinct hashes of the same data.
    BOOST_CHECK(TaggedHash("a", AsBytes("x")) != TaggedHash("b", AsBytes("x")));
}

BOOST_AUTO_TEST_CASE(tag_hasher_does_not_leak_into_midstate) {
    const HashTag tag("maillon/leak-test");
    const Hash256 clean = tag.Hash(AsBytes("m"));
    Sha256Hasher h = tag.Hasher();
    h.Write(AsBytes("garbage that must not stick"));
    (void)h.Finalize();
    Sha256Hasher h2 = tag.Hasher();
    h2.Write(AsBytes("more garbage"));
    BOOST_CHECK(tag.Hash(AsBytes("m")) == clean);
    BOOST_CHECK(TaggedHash("maillon/leak-test", AsBytes("m")) == clean);
}

BOOST_AUTO_TEST_CASE(protocol_tags_are_their_names) {
    // Every protocol tag's precomputed midstate is the tag of its documented
    // name, and no two tags share a name.
    std::set<std::string_view> names;
    for (uint8_t i = 0; i <= static_cast<uint8_t>(Tag::kChallenge); ++i) {
        const Tag tag = static_cast<Tag>(i);
        const std::string_view name = TagName(tag);
        BOOST_CHECK(name.starts_with("Maillon"));
        BOOST_CHECK(names.insert(name).second);
        BOOST_CHECK(TaggedHash(tag, AsBytes("abc")) == TaggedHash(name, AsBytes("abc")));
    }
    BOOST_CHECK_EQUAL(TagName(Tag::kTxSig), "MaillonTxSig");
    BOOST_CHECK_EQUAL(TagName(Tag::kVote), "MaillonVote");
    BOOST_CHECK_EQUAL(TagName(Tag::kChunkLeaf), "MaillonChunkLeaf");
    BOOST_CHECK_EQUAL(TagName(Tag::kChunkNode), "MaillonChunkNode");
    BOOST_CHECK_EQUAL(TagName(Tag::kChallenge), "MaillonStorageChallenge");
}

BOOST_AUTO_TEST_CASE(tagged_hashing_from_many_threads) {
    // No lock: threads hashing with the same tags at once all get the same,
    // right answers.
    const Hash256 expected = TaggedHash("MaillonTxId", AsBytes("concurrent"));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                if (TaggedHash(Tag::kTxId, AsBytes("concurrent")) != expected) ++wrong;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    BOOST_CHECK_EQUAL(wrong.load(), 0);
}

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231) {
    // Test case 1.
    const std::vector<uint8_t> key1(20, 0x0b);
    BOOST_CHECK_EQUAL(Hex(HmacSha256(key1, AsBytes("Hi There"))),
                      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Test case 2.
    BOOST_CHECK_EQUAL(Hex(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
                      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 6: key longer than the block size is hashed first.
    const std::vector<uint8_t> key6(131, 0xaa);
    BOOST_CHECK_EQUAL(
        Hex(HmacSha256(key6, AsBytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    // Empty key and message (Python hmac).
    BOOST_CHECK_EQUAL(Hex(HmacSha256({}, {})),
                      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

BOOST_AUTO_TEST_CASE(timing_safe_equal) {
    const std::vector<uint8_t> a{1, 2, 3, 4, 5, 6, 7, 8};
    std::vector<uint8_t> b = a;
    BOOST_CHECK(TimingSafeEqual(a, b));
    b.back() ^= 1;
    BOOST_CHECK(!TimingSafeEqual(a, b));
    b = a;
    b.front() ^= 0x80;
    BOOST_CHECK(!TimingSafeEqual(a, b));
    // A prefix is not equal.
    BOOST_CHECK(!TimingSafeEqual(a, std::span<const uint8_t>(a).first(7)));
    BOOST_CHECK(!TimingSafeEqual(std::span<const uint8_t>(a).first(7), a));
    BOOST_CHECK(TimingSafeEqual({}, {}));
    BOOST_CHECK(!TimingSafeEqual({}, a));
}

BOOST_AUTO_TEST_CASE(rand_bytes_differ) {
    std::array<uint8_t, 32> a{}, b{};
    GetRandBytes(a);
    GetRandBytes(b);
    BOOST_CHECK(a != b);
    BOOST_CHECK((a != std::array<uint8_t, 32>{}));
    BOOST_CHECK((b != std::array<uint8_t, 32>{}));
    // A large request is filled completely: at least one non-zero byte in the tail.
    std::vector<uint8_t> big(4096, 0);
    GetRandBytes(big);
    BOOST_CHECK(std::any_of(big.end() - 64, big.end(), [](uint8_t x) { return x != 0; }));
    // Empty is a no-op.
    GetRandBytes(std::span<uint8_t>{});
}

BOOST_AUTO_TEST_SUITE_END()
