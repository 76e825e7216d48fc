// PrivKey and BIP340 Schnorr signatures against the BIP's own test vectors
// (../shared/vectors/bip340/test-vectors.csv), plus key validity rules.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/key.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

struct Bip340Row {
    int index = -1;
    std::string secret_key, public_key, aux_rand, message, signature, result, comment;
};

std::vector<std::string> SplitCsvLine(const std::string& line, size_t columns) {
    // The file has no quoting; the comment is the last column, so anything
    // after the seventh comma belongs to it.
    std::vector<std::string> out;
    size_t start = 0;
    while (out.size() + 1 < columns) {
        const size_t comma = line.find(',', start);
        if (comma == std::string::npos) break;
        out.push_back(line.substr(start, comma - start));
        start = comma + 1;
    }
    out.push_back(line.substr(start));
    return out;
}

std::vector<Bip340Row> LoadBip340Vectors() {
    const std::string path = test::VectorPath("bip340/test-vectors.csv");
    std::ifstream f(path);
    BOOST_REQUIRE_MESSAGE(f.is_open(), "cannot open " << path);
    std::vector<Bip340Row> rows;
    std::string line;
    bool header = true;
    while (std::getline(f, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const auto cols = SplitCsvLine(line, 8);
        BOOST_REQUIRE_MESSAGE(cols.size() == 8, "bad CSV line: " << line);
        if (header) {
            BOOST_REQUIRE_EQUAL(cols[0], "index");
            header = false;
            continue;
        }
        Bip340Row r;
        r.index = std::stoi(cols[0]);
        r.secret_key = cols[1];
        r.public_key = cols[2];
        r.aux_rand = cols[3];
        r.message = cols[4];
        r.signature = cols[5];
        r.result = cols[6];
        r.comment = cols[7];
        rows.push_back(std::move(r));
    }
    return rows;
}

template <size_t N>
std::array<uint8_t, N> HexArray(const std::string& hex) {
    const auto v = ParseHex(hex);
    BOOST_REQUIRE_MESSAGE(v && v->size() == N, "bad hex of " << N << " bytes: " << hex);
    std::array<uint8_t, N> out;
    std::copy(v->begin(), v->end(), out.begin());
    return out;
}

std::vector<uint8_t> HexVec(const std::string& hex) {
    const auto v = ParseHex(hex);
    BOOST_REQUIRE_MESSAGE(v.has_value(), "bad hex: " << hex);
    return *v;
}

std::string Upper(std::string s) {
    for (char& c : s) {
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
    }
    return s;
}

const char* const kCurveOrderHex =
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141";

}  // namespace

BOOST_AUTO_TEST_SUITE(key_tests)

BOOST_AUTO_TEST_CASE(bip340_vectors) {
    const auto rows = LoadBip340Vectors();
    int ran = 0, signed_rows = 0, valid = 0, invalid = 0;
    std::set<int> seen;
    for (const auto& row : rows) {
        BOOST_TEST_CONTEXT("BIP340 vector " << row.index << " (" << row.comment << ")") {
            BOOST_REQUIRE(row.result == "TRUE" || row.result == "FALSE");
            const bool expected = row.result == "TRUE";
            const auto pubkey = HexArray<32>(row.public_key);
            const auto msg = HexVec(row.message);
            const auto sig = HexArray<64>(row.signature);

            if (!row.secret_key.empty()) {
                const auto secret = HexVec(row.secret_key);
                const auto key = PrivKey::FromBytes(secret);
                BOOST_REQUIRE(key.has_value());
                BOOST_CHECK_EQUAL(Upper(HexStr(key->PubKey())), row.public_key);
                const auto aux = HexArray<32>(row.aux_rand);
                const SchnorrSig produced = key->SignBytes(msg, aux);
                BOOST_CHECK_EQUAL(Upper(HexStr(produced)), row.signature);
                // The 32-byte overload agrees when the message is 32 bytes.
                if (msg.size() == 32) {
                    Hash256 m32;
                    std::copy(msg.begin(), msg.end(), m32.begin());
                    BOOST_CHECK(key->Sign(m32, aux) == produced);
                }
                ++signed_rows;
            }

            BOOST_CHECK_EQUAL(VerifySchnorr(pubkey, msg, sig), expected);
            (expected ? valid : invalid)++;
            seen.insert(row.index);
            ++ran;
        }
    }
    BOOST_CHECK_EQUAL(ran, 19);
    BOOST_CHECK_EQUAL(seen.size(), 19u);
    BOOST_CHECK_EQUAL(*seen.begin(), 0);
    BOOST_CHECK_EQUAL(*seen.rbegin(), 18);
    BOOST_CHECK_EQUAL(signed_rows, 8);  // 0-3 and 15-18
    BOOST_CHECK_EQUAL(valid, 9);
    BOOST_CHECK_EQUAL(invalid, 10);
}

BOOST_AUTO_TEST_CASE(invalid_xonly_pubkeys) {
    // Vector 5: not on the curve; vector 14: x exceeds the field size.
    const auto off_curve =
        HexArray<32>("EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34");
    const auto too_big =
        HexArray<32>("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30");
    const auto good =
        HexArray<32>("DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659");
    BOOST_CHECK(!IsValidXOnly(off_curve));
    BOOST_CHECK(!IsValidXOnly(too_big));
    BOOST_CHECK(IsValidXOnly(good));
    const SchnorrSig zero_sig{};
    const Hash256 msg{};
    BOOST_CHECK(!VerifySchnorr(off_curve, msg, zero_sig));
    BOOST_CHECK(!VerifySchnorr(too_big, msg, zero_sig));
}

BOOST_AUTO_TEST_CASE(privkey_from_bytes_range) {
    const std::vector<uint8_t> zero(32, 0);
    BOOST_CHECK(!PrivKey::FromBytes(zero).has_value());

    const auto order = HexVec(kCurveOrderHex);
    BOOST_CHECK(!PrivKey::FromBytes(order).has_value());
    auto order_plus_one = order;
    order_plus_one.back() += 1;
    BOOST_CHECK(!PrivKey::FromBytes(order_plus_one).has_value());
    BOOST_CHECK(!PrivKey::FromBytes(std::vector<uint8_t>(32, 0xff)).has_value());

    auto order_minus_one = order;
    order_minus_one.back() -= 1;
    const auto top = PrivKey::FromBytes(order_minus_one);
    BOOST_REQUIRE(top.has_value());
    BOOST_CHECK(std::equal(top->Secret().begin(), top->Secret().end(), order_minus_one.begin(),
                           order_minus_one.end()));

    std::vector<uint8_t> one(32, 0);
    one.back() = 1;
    const auto k1 = PrivKey::FromBytes(one);
    BOOST_REQUIRE(k1.has_value());
    // 1*G: x coordinate of the generator.
    BOOST_CHECK_EQUAL(HexStr(k1->PubKey()),
                      "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");

    // Wrong lengths.
    BOOST_CHECK(!PrivKey::FromBytes({}).has_value());
    BOOST_CHECK(!PrivKey::FromBytes(std::vector<uint8_t>(31, 1)).has_value());
    BOOST_CHECK(!PrivKey::FromBytes(std::vector<uint8_t>(33, 1)).has_value());
    BOOST_CHECK(!PrivKey::FromBytes(std::vector<uint8_t>(64, 1)).has_value());
}

BOOST_AUTO_TEST_CASE(tampering_breaks_verification) {
    const auto key = PrivKey::Generate();
    const XOnlyPubKey pub = key.PubKey();
    BOOST_CHECK(IsValidXOnly(pub));
    Hash256 msg;
    for (size_t i = 0; i < msg.size(); ++i)
        msg[i] = static_cast<uint8_t>(i);
    const SchnorrSig sig = key.Sign(msg);
    BOOST_REQUIRE(VerifySchnorr(pub, msg, sig));

    for (size_t bit = 0; bit < sig.size() * 8; bit += 5) {
        SchnorrSig bad = sig;
        bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
        BOOST_CHECK_MESSAGE(!VerifySchnorr(pub, msg, bad), "sig bit " << bit);
    }
    for (size_t bit = 0; bit < msg.size() * 8; bit += 3) {
        Hash256 bad = msg;
        bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
        BOOST_CHECK_MESSAGE(!VerifySchnorr(pub, bad, sig), "msg bit " << bit);
    }
    // A different key does not verify it.
    const auto other = PrivKey::Generate();
    BOOST_CHECK(!VerifySchnorr(other.PubKey(), msg, sig));
    // Neither does the same message with a byte appended.
    std::vector<uint8_t> longer(msg.begin(), msg.end());
    longer.push_back(0);
    BOOST_CHECK(!VerifySchnorr(pub, longer, sig));
}

BOOST_AUTO_TEST_CASE(sign_uses_fresh_aux_randomness) {
    const auto key = PrivKey::Generate();
    const Hash256 msg{};
    const SchnorrSig a = key.Sign(msg);
    const SchnorrSig b = key.Sign(msg);
    BOOST_CHECK(a != b);
    BOOST_CHECK(VerifySchnorr(key.PubKey(), msg, a));
    BOOST_CHECK(VerifySchnorr(key.PubKey(), msg, b));
    // With fixed aux_rand the signature is deterministic.
    const std::array<uint8_t, 32> aux{7};
    BOOST_CHECK(key.Sign(msg, aux) == key.Sign(msg, aux));
}

BOOST_AUTO_TEST_CASE(generate_and_copy) {
    const auto a = PrivKey::Generate();
    const auto b = PrivKey::Generate();
    BOOST_CHECK(a.PubKey() != b.PubKey());
    BOOST_CHECK(PrivKey::FromBytes(a.Secret()).has_value());
    PrivKey c = a;
    BOOST_CHECK(c.PubKey() == a.PubKey());
    c = b;
    BOOST_CHECK(c.PubKey() == b.PubKey());
}

BOOST_AUTO_TEST_SUITE_END()
