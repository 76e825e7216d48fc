// Bech32 / Bech32m against the BIP173 and BIP350 test vectors
// (../shared/vectors/bip173/bech32.json, ../shared/vectors/bip350/bech32m.json),
// including the BIP350 segwit address rules built on Decode + ConvertBits.
#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bech32.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;
using bech32::Encoding;

namespace {

rapidjson::Document LoadJson(const std::string& rel) {
    const std::string path = test::VectorPath(rel);
    std::ifstream f(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(f.is_open(), "cannot open " << path);
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    BOOST_REQUIRE_MESSAGE(!doc.HasParseError() && doc.IsObject(), "cannot parse " << path);
    return doc;
}

const rapidjson::Value& Array(const rapidjson::Document& doc, const char* key) {
    BOOST_REQUIRE_MESSAGE(doc.HasMember(key) && doc[key].IsArray(), "missing array " << key);
    return doc[key];
}

// A list entry is either "string" or ["string", "reason or scriptPubKey"].
std::string First(const rapidjson::Value& v) {
    if (v.IsString()) return {v.GetString(), v.GetStringLength()};
    BOOST_REQUIRE(v.IsArray() && v.Size() >= 1 && v[0].IsString());
    return {v[0].GetString(), v[0].GetStringLength()};
}

std::string Second(const rapidjson::Value& v) {
    BOOST_REQUIRE(v.IsArray() && v.Size() >= 2 && v[1].IsString());
    return {v[1].GetString(), v[1].GetStringLength()};
}

std::string Lower(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

// BIP350 segwit address decoding: hrp "bc" or "tb"; witness version 0 uses
// Bech32 and 1..16 Bech32m; program 2..40 bytes (20 or 32 for v0) with
// valid 5-to-8 padding. Returns the scriptPubKey, or nullopt.
std::optional<std::vector<uint8_t>> SegwitScriptPubKey(std::string_view addr) {
    const auto d = bech32::Decode(addr);
    if (!d) return std::nullopt;
    if (d->hrp != "bc" && d->hrp != "tb") return std::nullopt;
    if (d->data.empty()) return std::nullopt;
    const uint8_t version = d->data[0];
    if (version > 16) return std::nullopt;
    const Encoding required = version == 0 ? Encoding::kBech32 : Encoding::kBech32m;
    if (d->encoding != required) return std::nullopt;
    const auto program =
        bech32::ConvertBits(std::span<const uint8_t>(d->data).subspan(1), 5, 8, false);
    if (!program) return std::nullopt;
    if (program->size() < 2 || program->size() > 40) return std::nullopt;
    if (version == 0 && program->size() != 20 && program->size() != 32) return std::nullopt;
    std::vector<uint8_t> script;
    script.push_back(version == 0 ? 0x00 : static_cast<uint8_t>(0x50 + version));
    script.push_back(static_cast<uint8_t>(program->size()));
    script.insert(script.end(), program->begin(), program->end());
    return script;
}

std::string EncodeSegwit(const std::string& hrp, const std::vector<uint8_t>& script) {
    const uint8_t version = script[0] == 0 ? 0 : static_cast<uint8_t>(script[0] - 0x50);
    const std::vector<uint8_t> program(script.begin() + 2, script.end());
    auto values = bech32::ConvertBits(program, 8, 5, true);
    BOOST_REQUIRE(values.ok());
    std::vector<uint8_t> data{version};
    data.insert(data.end(), values->begin(), values->end());
    return bech32::Encode(version == 0 ? Encoding::kBech32 : Encoding::kBech32m, hrp, data);
}

bool IsValidAs(std::string_view s, Encoding e) {
    const auto d = bech32::Decode(s);
    return d.ok() && d->encoding == e;
}

// Checks every string of `list` decodes as `e` and re-encodes to itself;
// returns how many were checked.
size_t CheckValidStrings(const rapidjson::Value& list, Encoding e) {
    size_t ran = 0;
    for (const auto& v : list.GetArray()) {
        const std::string s = First(v);
        BOOST_TEST_CONTEXT("valid string '" << s << "'") {
            const auto d = bech32::Decode(s);
            BOOST_REQUIRE_MESSAGE(d.ok(), (d.ok() ? std::string() : d.error().message));
            BOOST_CHECK(d->encoding == e);
            BOOST_CHECK_EQUAL(d->hrp, Lower(s.substr(0, s.rfind('1'))));
            BOOST_CHECK_EQUAL(bech32::Encode(e, d->hrp, d->data), Lower(s));
            // The other checksum constant does not accept it.
            const Encoding other = e == Encoding::kBech32 ? Encoding::kBech32m : Encoding::kBech32;
            BOOST_CHECK(!IsValidAs(s, other));
            // Any single substituted data character breaks the checksum.
            const size_t sep = s.rfind('1');
            for (size_t i = sep + 1; i < s.size(); ++i) {
                std::string bad = Lower(s);
                bad[i] = bad[i] == 'q' ? 'p' : 'q';
                BOOST_CHECK_MESSAGE(!bech32::Decode(bad).ok(), "accepted " << bad);
            }
            ++ran;
        }
    }
    return ran;
}

// Checks no string of `list` ([string, reason] entries) decodes as `e`;
// returns how many were checked.
size_t CheckInvalidStrings(const rapidjson::Value& list, Encoding e) {
    size_t ran = 0;
    for (const auto& v : list.GetArray()) {
        const std::string s = First(v);
        BOOST_TEST_CONTEXT("invalid string '" << s << "' (" << Second(v) << ")") {
            BOOST_CHECK(!IsValidAs(s, e));
            ++ran;
        }
    }
    return ran;
}

// The valid and invalid string lists of a vector file, checked as `e`; the
// lists must have `expect_valid` and `expect_invalid` entries.
void CheckStringVectors(const std::string& file, const char* valid_key, const char* invalid_key,
                        Encoding e, size_t expect_valid, size_t expect_invalid) {
    const auto doc = LoadJson(file);
    const auto& valid = Array(doc, valid_key);
    const auto& invalid = Array(doc, invalid_key);
    const size_t ran_valid = CheckValidStrings(valid, e);
    const size_t ran_invalid = CheckInvalidStrings(invalid, e);
    BOOST_CHECK_EQUAL(ran_valid, valid.Size());
    BOOST_CHECK_EQUAL(ran_invalid, invalid.Size());
    BOOST_CHECK_EQUAL(ran_valid, expect_valid);
    BOOST_CHECK_EQUAL(ran_invalid, expect_invalid);
}

// Checks no address of `list` ([address, reason] entries) is a valid segwit
// address under BIP350; returns how many were checked.
size_t CheckInvalidAddresses(const rapidjson::Value& list) {
    size_t ran = 0;
    for (const auto& v : list.GetArray()) {
        const std::string addr = First(v);
        BOOST_TEST_CONTEXT("invalid address " << addr << " (" << Second(v) << ")") {
            BOOST_CHECK(!SegwitScriptPubKey(addr).has_value());
            ++ran;
        }
    }
    return ran;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bech32_tests)

BOOST_AUTO_TEST_CASE(bip350_bech32m_strings) {
    CheckStringVectors("bip350/bech32m.json", "valid_bech32m", "invalid_bech32m",
                       Encoding::kBech32m, 7, 14);
}

BOOST_AUTO_TEST_CASE(bip173_bech32_strings) {
    CheckStringVectors("bip173/bech32.json", "valid_bech32", "invalid_bech32", Encoding::kBech32, 7,
                       12);
}

BOOST_AUTO_TEST_CASE(bip350_segwit_addresses) {
    const auto doc = LoadJson("bip350/bech32m.json");
    const auto& valid = Array(doc, "valid_segwit_addresses");
    const auto& invalid = Array(doc, "invalid_segwit_addresses");
    size_t ran_valid = 0;
    for (const auto& v : valid.GetArray()) {
        const std::string addr = First(v);
        const std::string script_hex = Second(v);
        BOOST_TEST_CONTEXT("valid address " << addr) {
            const auto script = SegwitScriptPubKey(addr);
            BOOST_REQUIRE(script.has_value());
            BOOST_CHECK_EQUAL(HexStr(*script), script_hex);
            const std::string hrp = Lower(addr.substr(0, 2));
            BOOST_CHECK_EQUAL(EncodeSegwit(hrp, *script), Lower(addr));
            ++ran_valid;
        }
    }
    const size_t ran_invalid = CheckInvalidAddresses(invalid);
    BOOST_CHECK_EQUAL(ran_valid, valid.Size());
    BOOST_CHECK_EQUAL(ran_invalid, invalid.Size());
    BOOST_CHECK_EQUAL(ran_valid, 8u);
    BOOST_CHECK_EQUAL(ran_invalid, 15u);
}

BOOST_AUTO_TEST_CASE(bip173_segwit_addresses_under_bip350) {
    // BIP350 supersedes BIP173 for versions 1..16: the v0 addresses stay
    // valid, the Bech32-checksummed v1+ ones become invalid. Every BIP173
    // invalid address stays invalid.
    const auto doc = LoadJson("bip173/bech32.json");
    const auto& valid = Array(doc, "valid_segwit_addresses");
    const auto& invalid = Array(doc, "invalid_segwit_addresses");
    size_t v0 = 0, v1plus = 0;
    for (const auto& v : valid.GetArray()) {
        const std::string addr = First(v);
        const std::string script_hex = Second(v);
        BOOST_TEST_CONTEXT("BIP173 valid address " << addr) {
            const auto script = SegwitScriptPubKey(addr);
            if (script_hex.substr(0, 2) == "00") {
                BOOST_REQUIRE(script.has_value());
                BOOST_CHECK_EQUAL(HexStr(*script), script_hex);
                ++v0;
            } else {
                BOOST_CHECK(!script.has_value());
                BOOST_CHECK(IsValidAs(addr, Encoding::kBech32));
                ++v1plus;
            }
        }
    }
    const size_t ran_invalid = CheckInvalidAddresses(invalid);
    BOOST_CHECK_EQUAL(v0, 3u);
    BOOST_CHECK_EQUAL(v1plus, 3u);
    BOOST_CHECK_EQUAL(v0 + v1plus, valid.Size());
    BOOST_CHECK_EQUAL(ran_invalid, invalid.Size());
    BOOST_CHECK_EQUAL(ran_invalid, 10u);
}

BOOST_AUTO_TEST_CASE(decode_error_messages) {
    auto message = [](std::string_view s) {
        const auto d = bech32::Decode(s);
        BOOST_REQUIRE_MESSAGE(!d.ok(), "unexpectedly decoded " << s);
        BOOST_CHECK_EQUAL(d.error().code, "invalid-bech32");
        return d.error().message;
    };
    auto contains = [](const std::string& m, const std::string& part) {
        return m.find(part) != std::string::npos;
    };
    BOOST_CHECK(contains(message(std::string(91, 'q')), "limit is 90"));
    BOOST_CHECK(contains(message("a 1qqqqqq"), "out of range"));
    BOOST_CHECK(contains(message("A1lqfn3a"), "mixed"));
    BOOST_CHECK(contains(message("qqqqqqqq"), "separator"));
    BOOST_CHECK(contains(message("1qqqqqqq"), "empty human-readable part"));
    BOOST_CHECK(contains(message("a1qqqqq"), "shorter than"));
    BOOST_CHECK(contains(message("a1qqqqqb"), "invalid data character 'b'"));
    BOOST_CHECK(contains(message("a1qqqqqq"), "invalid checksum"));
}

BOOST_AUTO_TEST_CASE(encode_decode_round_trip) {
    for (Encoding e : {Encoding::kBech32, Encoding::kBech32m}) {
        for (size_t n = 0; n <= 40; ++n) {
            std::vector<uint8_t> values(n);
            for (size_t i = 0; i < n; ++i)
                values[i] = static_cast<uint8_t>((i * 13 + n) % 32);
            const std::string s = bech32::Encode(e, "mln", values);
            BOOST_CHECK_EQUAL(s.size(), 3 + 1 + n + 6);
            const auto d = bech32::Decode(s);
            BOOST_REQUIRE(d.ok());
            BOOST_CHECK(d->encoding == e);
            BOOST_CHECK_EQUAL(d->hrp, "mln");
            BOOST_CHECK(d->data == values);
        }
    }
}

BOOST_AUTO_TEST_CASE(convert_bits) {
    // 8 -> 5 -> 8 round trips for every program length.
    for (size_t n = 0; n <= 42; ++n) {
        std::vector<uint8_t> bytes(n);
        for (size_t i = 0; i < n; ++i)
            bytes[i] = static_cast<uint8_t>(0xff - i * 11);
        const auto five = bech32::ConvertBits(bytes, 8, 5, true);
        BOOST_REQUIRE(five.ok());
        BOOST_CHECK_EQUAL(five->size(), (n * 8 + 4) / 5);
        for (uint8_t v : *five)
            BOOST_CHECK_LT(v, 32);
        const auto back = bech32::ConvertBits(*five, 5, 8, false);
        BOOST_REQUIRE_MESSAGE(back.ok(), (back.ok() ? std::string() : back.error().message));
        BOOST_CHECK(*back == bytes);
    }
    // Known value: 0xff -> 11111 111(00).
    const auto ff = bech32::ConvertBits(std::vector<uint8_t>{0xff}, 8, 5, true);
    BOOST_REQUIRE(ff.ok());
    BOOST_CHECK(*ff == (std::vector<uint8_t>{31, 28}));
    // Out-of-range input value.
    BOOST_CHECK(!bech32::ConvertBits(std::vector<uint8_t>{32}, 5, 8, false).ok());
    // Non-zero padding bits: 31, 29 leaves the low padding bit set.
    BOOST_CHECK(!bech32::ConvertBits(std::vector<uint8_t>{31, 29}, 5, 8, false).ok());
    // Five or more leftover bits is too much padding.
    BOOST_CHECK(!bech32::ConvertBits(std::vector<uint8_t>{31, 28, 0}, 5, 8, false).ok());
    BOOST_CHECK(!bech32::ConvertBits(std::vector<uint8_t>{0}, 5, 8, false).ok());
    // No input, no output.
    const auto empty = bech32::ConvertBits(std::vector<uint8_t>{}, 5, 8, false);
    BOOST_REQUIRE(empty.ok());
    BOOST_CHECK(empty->empty());
}

BOOST_AUTO_TEST_SUITE_END()
