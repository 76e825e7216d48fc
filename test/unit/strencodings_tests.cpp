// Hex, unsigned integer and money text encodings.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "primitives/amount.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

}  // namespace

BOOST_AUTO_TEST_SUITE(strencodings_tests)

BOOST_AUTO_TEST_CASE(hex_str) {
    BOOST_CHECK_EQUAL(HexStr(std::vector<uint8_t>{}), "");
    BOOST_CHECK_EQUAL(HexStr(std::vector<uint8_t>{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff}),
                      "00017f80abff");
    std::vector<uint8_t> all(256);
    for (int i = 0; i < 256; ++i)
        all[i] = static_cast<uint8_t>(i);
    const std::string hex = HexStr(all);
    BOOST_CHECK_EQUAL(hex.size(), 512u);
    BOOST_CHECK_EQUAL(hex.substr(0, 8), "00010203");
    BOOST_CHECK_EQUAL(hex.substr(504), "fcfdfeff");
    const auto back = ParseHex(hex);
    BOOST_REQUIRE(back.has_value());
    BOOST_CHECK(*back == all);
}

BOOST_AUTO_TEST_CASE(parse_hex) {
    const auto empty = ParseHex("");
    BOOST_REQUIRE(empty.has_value());
    BOOST_CHECK(empty->empty());

    const auto mixed = ParseHex("00fF1aA9");
    BOOST_REQUIRE(mixed.has_value());
    BOOST_CHECK(*mixed == (std::vector<uint8_t>{0x00, 0xff, 0x1a, 0xa9}));

    // Odd length.
    BOOST_CHECK(!ParseHex("0").has_value());
    BOOST_CHECK(!ParseHex("abc").has_value());
    // Bad characters, in either nibble and at either end.
    BOOST_CHECK(!ParseHex("0g").has_value());
    BOOST_CHECK(!ParseHex("g0").has_value());
    BOOST_CHECK(!ParseHex("00zz").has_value());
    BOOST_CHECK(!ParseHex("0x00").has_value());
    BOOST_CHECK(!ParseHex(" 0").has_value());
    BOOST_CHECK(!ParseHex("00 ").has_value());
    BOOST_CHECK(!ParseHex("0-").has_value());
    BOOST_CHECK(!ParseHex(std::string("0\0", 2)).has_value());
    BOOST_CHECK(!ParseHex("\xff\xff").has_value());
    // Characters just outside the digit and letter ranges.
    BOOST_CHECK(!ParseHex("/0").has_value());
    BOOST_CHECK(!ParseHex(":0").has_value());
    BOOST_CHECK(!ParseHex("@0").has_value());
    BOOST_CHECK(!ParseHex("G0").has_value());
    BOOST_CHECK(!ParseHex("`0").has_value());
}

BOOST_AUTO_TEST_CASE(parse_uint64) {
    BOOST_CHECK(ParseUInt64("0") == std::optional<uint64_t>(0));
    BOOST_CHECK(ParseUInt64("7") == std::optional<uint64_t>(7));
    BOOST_CHECK(ParseUInt64("1234567890") == std::optional<uint64_t>(1234567890));
    BOOST_CHECK(ParseUInt64("18446744073709551615") == std::optional<uint64_t>(kMax));
    BOOST_CHECK(ParseUInt64("18446744073709551614") == std::optional<uint64_t>(kMax - 1));

    // Overflow: by one, by the last digit, and by length.
    BOOST_CHECK(!ParseUInt64("18446744073709551616").has_value());
    BOOST_CHECK(!ParseUInt64("18446744073709551619").has_value());
    BOOST_CHECK(!ParseUInt64("18446744073709551620").has_value());
    BOOST_CHECK(!ParseUInt64("99999999999999999999").has_value());
    BOOST_CHECK(!ParseUInt64("184467440737095516150").has_value());

    // Leading zeros.
    BOOST_CHECK(!ParseUInt64("00").has_value());
    BOOST_CHECK(!ParseUInt64("01").has_value());
    BOOST_CHECK(!ParseUInt64("007").has_value());

    // Anything but digits.
    BOOST_CHECK(!ParseUInt64("").has_value());
    BOOST_CHECK(!ParseUInt64("-1").has_value());
    BOOST_CHECK(!ParseUInt64("+1").has_value());
    BOOST_CHECK(!ParseUInt64(" 1").has_value());
    BOOST_CHECK(!ParseUInt64("1 ").has_value());
    BOOST_CHECK(!ParseUInt64("1a").has_value());
    BOOST_CHECK(!ParseUInt64("0x10").has_value());
    BOOST_CHECK(!ParseUInt64("1.0").has_value());
    BOOST_CHECK(!ParseUInt64("1e3").has_value());
}

BOOST_AUTO_TEST_CASE(format_money) {
    BOOST_CHECK_EQUAL(FormatMoney(0), "0");
    BOOST_CHECK_EQUAL(FormatMoney(1), "0.00000001");
    BOOST_CHECK_EQUAL(FormatMoney(10), "0.0000001");
    BOOST_CHECK_EQUAL(FormatMoney(12345678), "0.12345678");
    BOOST_CHECK_EQUAL(FormatMoney(kCoin), "1");
    BOOST_CHECK_EQUAL(FormatMoney(kCoin + kCoin / 2), "1.5");
    BOOST_CHECK_EQUAL(FormatMoney(21'000'000 * kCoin), "21000000");
    BOOST_CHECK_EQUAL(FormatMoney(20'999'999 * kCoin + 99'999'999), "20999999.99999999");
    BOOST_CHECK_EQUAL(FormatMoney(kMax), "184467440737.09551615");
}

BOOST_AUTO_TEST_CASE(format_iso_time) {
    BOOST_CHECK_EQUAL(FormatIsoTime(0), "1970-01-01T00:00:00.000Z");
    BOOST_CHECK_EQUAL(FormatIsoTime(1'767'225'600'000), "2026-01-01T00:00:00.000Z");
    BOOST_CHECK_EQUAL(FormatIsoTime(1'772'323'199'999), "2026-02-28T23:59:59.999Z");
}

BOOST_AUTO_TEST_CASE(parse_money) {
    BOOST_CHECK(ParseMoney("1.5") == std::optional<uint64_t>(150'000'000));
    BOOST_CHECK(ParseMoney("0.00000001") == std::optional<uint64_t>(1));
    BOOST_CHECK(ParseMoney("1") == std::optional<uint64_t>(kCoin));
    BOOST_CHECK(ParseMoney("0") == std::optional<uint64_t>(0));
    BOOST_CHECK(ParseMoney("0.0") == std::optional<uint64_t>(0));
    BOOST_CHECK(ParseMoney("1.50000000") == std::optional<uint64_t>(150'000'000));
    BOOST_CHECK(ParseMoney("0.1") == std::optional<uint64_t>(10'000'000));
    BOOST_CHECK(ParseMoney("21000000") == std::optional<uint64_t>(21'000'000 * kCoin));
    BOOST_CHECK(ParseMoney("184467440737.09551615") == std::optional<uint64_t>(kMax));

    // Nine decimals.
    BOOST_CHECK(!ParseMoney("0.000000001").has_value());
    BOOST_CHECK(!ParseMoney("1.000000000").has_value());
    BOOST_CHECK(!ParseMoney("1.123456789").has_value());
    // Empty parts.
    BOOST_CHECK(!ParseMoney("").has_value());
    BOOST_CHECK(!ParseMoney(".").has_value());
    BOOST_CHECK(!ParseMoney("1.").has_value());
    BOOST_CHECK(!ParseMoney(".5").has_value());
    // Overflow of the whole part, of the product and of the sum.
    BOOST_CHECK(!ParseMoney("184467440737.09551616").has_value());
    BOOST_CHECK(!ParseMoney("184467440738").has_value());
    BOOST_CHECK(!ParseMoney("18446744073709551615").has_value());
    BOOST_CHECK(!ParseMoney("18446744073709551616").has_value());
    BOOST_CHECK(!ParseMoney("184467440737.1").has_value());
    // Malformed.
    BOOST_CHECK(!ParseMoney("-1").has_value());
    BOOST_CHECK(!ParseMoney("+1").has_value());
    BOOST_CHECK(!ParseMoney(" 1").has_value());
    BOOST_CHECK(!ParseMoney("1 ").has_value());
    BOOST_CHECK(!ParseMoney("1.5 ").has_value());
    BOOST_CHECK(!ParseMoney("1.-5").has_value());
    BOOST_CHECK(!ParseMoney("1.5.0").has_value());
    BOOST_CHECK(!ParseMoney("1..5").has_value());
    BOOST_CHECK(!ParseMoney("1,5").has_value());
    BOOST_CHECK(!ParseMoney("1e8").has_value());
    BOOST_CHECK(!ParseMoney("01.5").has_value());
    BOOST_CHECK(!ParseMoney("abc").has_value());
}

BOOST_AUTO_TEST_CASE(money_round_trip) {
    const std::vector<uint64_t> values{0,
                                       1,
                                       9,
                                       10,
                                       99'999'999,
                                       kCoin,
                                       kCoin + 1,
                                       150'000'000,
                                       123'456'789'012,
                                       21'000'000 * kCoin,
                                       kMax / kCoin * kCoin,
                                       kMax - 1,
                                       kMax};
    for (uint64_t v : values) {
        const std::string s = FormatMoney(v);
        BOOST_CHECK_MESSAGE(ParseMoney(s) == std::optional<uint64_t>(v),
                            "round trip of " << v << " via '" << s << "'");
    }
    for (const char* s : {"1.5", "0.00000001", "0.1", "12.3456789", "7", "100000000"}) {
        const auto v = ParseMoney(s);
        BOOST_REQUIRE(v.has_value());
        BOOST_CHECK_EQUAL(FormatMoney(*v), s);
    }
}

BOOST_AUTO_TEST_CASE(quote_echo) {
    BOOST_CHECK_EQUAL(QuoteEcho("abc"), "'abc'");
    BOOST_CHECK_EQUAL(QuoteEcho("a\"b", '"'), "\"a\\x22b\"");
    BOOST_CHECK_EQUAL(QuoteEcho(std::string("\x00\x1f\x7f\xff'\\", 6)),
                      "'\\x00\\x1f\\x7f\\xff\\x27\\x5c'");
    const std::string exact(kMaxEchoedChars, 'x');
    BOOST_CHECK_EQUAL(QuoteEcho(exact), "'" + exact + "'");
    BOOST_CHECK_EQUAL(QuoteEcho(exact + "yz"), "'" + exact + "...' (102 characters)");
    // Escaping may triple the shown bytes, never more.
    BOOST_CHECK_LE(QuoteEcho(std::string(5'000'000, '\x01')).size(), 4 * kMaxEchoedChars + 30);
}

BOOST_AUTO_TEST_SUITE_END()
