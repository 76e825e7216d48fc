// maillon-cli's word handling: which parameters are sent as JSON, how
// -rpcconnect is split into host and port, and the amount error messages.
#include <boost/test/unit_test.hpp>

#include <string>

#include "client/cli_params.h"
#include "client/http_client.h"
#include "client/rpc_client.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

// The JSON text ParseCliParam sends for `word`.
std::string Sent(const std::string& word) {
    rapidjson::Document d;
    rapidjson::Value v = ParseCliParam(word, d.GetAllocator());
    return test::ToJson(v);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_tests)

BOOST_AUTO_TEST_CASE(params_json_or_string) {
    BOOST_CHECK_EQUAL(Sent("true"), "true");
    BOOST_CHECK_EQUAL(Sent("false"), "false");
    BOOST_CHECK_EQUAL(Sent("null"), "null");
    BOOST_CHECK_EQUAL(Sent("5"), "5");
    BOOST_CHECK_EQUAL(Sent("0"), "0");
    BOOST_CHECK_EQUAL(Sent("-1"), "-1");
    BOOST_CHECK_EQUAL(Sent("-9223372036854775808"), "-9223372036854775808");
    BOOST_CHECK_EQUAL(Sent("18446744073709551615"), "18446744073709551615");
    BOOST_CHECK_EQUAL(Sent(R"({"a":[1,2]})"), R"({"a":[1,2]})");
    BOOST_CHECK_EQUAL(Sent("[1, \"x\"]"), R"([1,"x"])");
    // Everything else is a string: floats, over-long digit strings (a txid
    // that happens to be all digits), leading zeros, words, broken JSON.
    const std::string digits64(64, '1');
    BOOST_CHECK_EQUAL(Sent(digits64), "\"" + digits64 + "\"");
    BOOST_CHECK_EQUAL(Sent("18446744073709551616"), "\"18446744073709551616\"");
    BOOST_CHECK_EQUAL(Sent("-9223372036854775809"), "\"-9223372036854775809\"");
    BOOST_CHECK_EQUAL(Sent("1.5"), "\"1.5\"");
    BOOST_CHECK_EQUAL(Sent("1e3"), "\"1e3\"");
    BOOST_CHECK_EQUAL(Sent("007"), "\"007\"");
    BOOST_CHECK_EQUAL(Sent("+1"), "\"+1\"");
    BOOST_CHECK_EQUAL(Sent("\"quoted\""), "\"\\\"quoted\\\"\"");
    BOOST_CHECK_EQUAL(Sent("True"), "\"True\"");
    BOOST_CHECK_EQUAL(Sent("{broken"), "\"{broken\"");
    BOOST_CHECK_EQUAL(Sent(""), "\"\"");
    BOOST_CHECK_EQUAL(Sent("-"), "\"-\"");
}

BOOST_AUTO_TEST_CASE(rpcconnect_host_and_port) {
    struct Case {
        std::string spec, host;
        std::optional<uint16_t> port;
    };
    for (const Case& c :
         {Case{"127.0.0.1", "127.0.0.1", std::nullopt}, Case{"127.0.0.1:19655", "127.0.0.1", 19655},
          Case{"localhost:1", "localhost", 1}, Case{"::1", "::1", std::nullopt},
          Case{"fe80::1:2", "fe80::1:2", std::nullopt}, Case{"[::1]", "::1", std::nullopt},
          Case{"[::1]:65535", "::1", 65535}}) {
        auto r = ParseHostPort(c.spec);
        BOOST_REQUIRE_MESSAGE(r.ok(), c.spec + ": " + test::ErrorText(r));
        BOOST_CHECK_EQUAL(r->host, c.host);
        BOOST_CHECK_MESSAGE(r->port == c.port, c.spec);
    }
    for (const std::string bad : {"", ":1", "host:", "host:0", "host:65536", "host:x", "[::1",
                                  "[]:1", "[::1]x", "[::1]:", "[::1]:-1"}) {
        auto r = ParseHostPort(bad);
        BOOST_CHECK_MESSAGE(
            !r.ok() && test::ErrorText(r).find("-rpcconnect='" + bad + "'") != std::string::npos,
            bad + ": " + test::ErrorText(r));
    }
    // -agent takes the same form; its errors name it.
    BOOST_CHECK(ParseHostPort("127.0.0.1:27332", "agent")->port == 27332);
    BOOST_CHECK_EQUAL(test::ErrorText(ParseHostPort("host:x", "agent")),
                      "invalid port 'x' in -agent='host:x': the port must be 1..65535");
    BOOST_CHECK_EQUAL(FormatHostPort("::1", 5), "[::1]:5");
    BOOST_CHECK_EQUAL(FormatHostPort("example.org", 5), "example.org:5");
}

BOOST_AUTO_TEST_CASE(amount_errors_say_why) {
    BOOST_CHECK_EQUAL(*ParseCliAmount("amount", "1.5", true), 150'000'000u);
    BOOST_CHECK_EQUAL(*ParseCliAmount("fee", "0", false), 0u);
    BOOST_CHECK_EQUAL(test::ErrorText(ParseCliAmount("amount", "1.123456789", true)),
                      "amount '1.123456789' has more than 8 decimals (MLN amounts have at most 8 "
                      "decimal places)");
    BOOST_CHECK_EQUAL(test::ErrorText(ParseCliAmount("amount", "0", true)),
                      "amount must be more than 0, e.g. 1.5");
    BOOST_CHECK_EQUAL(test::ErrorText(ParseCliAmount("fee", "abc", false)),
                      "fee 'abc' is not an amount like 1.5");
    BOOST_CHECK_EQUAL(test::ErrorText(ParseCliAmount("amount", "1.x23456789", true)),
                      "amount '1.x23456789' is not an amount like 1.5");
    BOOST_CHECK(
        test::ErrorText(ParseCliAmount("amount", "184467440738", true)).find("is too large") !=
        std::string::npos);
}

BOOST_AUTO_TEST_CASE(amounts_name_both_units) {
    BOOST_CHECK_EQUAL(FormatCliAmount(150'000'000), "1.5 MLN (150000000 base units)");
    BOOST_CHECK_EQUAL(FormatCliAmount(1'000), "0.00001 MLN (1000 base units)");
    BOOST_CHECK_EQUAL(FormatCliAmount(0), "0 MLN (0 base units)");
}

BOOST_AUTO_TEST_SUITE_END()
