// RpcResult: documented result shapes, their help text, and the check that
// -rpccheckresults applies to every reply.
#include <boost/test/unit_test.hpp>

#include "rpc/json_rpc.h"
#include "rpc/rpc_result.h"

using namespace maillon;
using namespace maillon::rpc_result;
using T = RpcResult::Type;

namespace {

rapidjson::Document Json(const char* text) {
    rapidjson::Document d;
    d.Parse(text);
    BOOST_REQUIRE(!d.HasParseError());
    return d;
}

std::string Mismatch(const RpcResult& shape, const char* json) {
    return CheckResult(shape, Json(json)).value_or("");
}

const RpcResult kAccount =
    Object({Member("address", T::kString), Member("balance", T::kUInt64),
            Optional(Member("memo", T::kString)), Nullable(Member("owner", T::kHex)),
            Member("txs", Array(Shape(T::kHex)))});

}  // namespace

BOOST_AUTO_TEST_SUITE(rpc_result_tests)

BOOST_AUTO_TEST_CASE(matching_values_pass) {
    BOOST_CHECK_EQUAL(Mismatch(kAccount, R"({"address":"a","balance":5,"owner":null,"txs":[]})"),
                      "");
    BOOST_CHECK_EQUAL(
        Mismatch(kAccount,
                 R"({"address":"a","balance":0,"memo":"m","owner":"ab","txs":["00","ff"]})"),
        "");
    BOOST_CHECK_EQUAL(Mismatch(Shape(T::kUInt64), "18446744073709551615"), "");
    BOOST_CHECK_EQUAL(Mismatch(Shape(T::kAny), R"({"x":[1,2]})"), "");
    BOOST_CHECK_EQUAL(Mismatch(Shape(T::kNull), "null"), "");
}

BOOST_AUTO_TEST_CASE(mismatches_name_the_path) {
    BOOST_CHECK_EQUAL(Mismatch(kAccount, R"({"address":"a","owner":null,"txs":[]})"),
                      "result.balance: missing");
    BOOST_CHECK_EQUAL(Mismatch(kAccount, R"({"address":"a","balance":"5","owner":null,"txs":[]})"),
                      "result.balance: expected integer, got string");
    BOOST_CHECK_EQUAL(Mismatch(kAccount, R"({"address":"a","balance":-1,"owner":null,"txs":[]})"),
                      "result.balance: expected integer, got number");
    BOOST_CHECK_EQUAL(
        Mismatch(kAccount, R"({"address":"a","balance":1,"owner":null,"txs":[],"extra":1})"),
        "result.extra: not documented");
    BOOST_CHECK_EQUAL(Mismatch(kAccount, R"({"address":null,"balance":1,"owner":null,"txs":[]})"),
                      "result.address: expected string, got null");
    BOOST_CHECK_EQUAL(
        Mismatch(kAccount, R"({"address":"a","balance":1,"owner":null,"txs":["00","AB"]})"),
        "result.txs[1]: expected lower-case hex, got \"AB\"");
    BOOST_CHECK_EQUAL(Mismatch(kAccount, R"({"address":"a","balance":1,"owner":"abc","txs":[]})"),
                      "result.owner: expected lower-case hex, got \"abc\"");
    BOOST_CHECK_EQUAL(Mismatch(Shape(T::kBool), "1"), "result: expected boolean, got integer");
    BOOST_CHECK_EQUAL(Mismatch(kAccount, "[]"), "result: expected object, got array");
}

BOOST_AUTO_TEST_CASE(alternatives) {
    const RpcResult shape = OneOf(Shape(T::kHex), {Object({Member("hash", T::kHex)})});
    BOOST_CHECK_EQUAL(Mismatch(shape, R"("00")"), "");
    BOOST_CHECK_EQUAL(Mismatch(shape, R"({"hash":"00"})"), "");
    // The first alternative's complaint is reported when none matches.
    BOOST_CHECK_EQUAL(Mismatch(shape, "5"), "result: expected hex string, got integer");
}

BOOST_AUTO_TEST_CASE(help_text_lists_every_member) {
    const std::string text = FormatResult(kAccount);
    for (const char* expected : {"\"address\": \"str\"", "\"balance\": n", "(string, optional)",
                                 "(hex string, or null)", "\"txs\": ["}) {
        BOOST_CHECK_MESSAGE(text.find(expected) != std::string::npos, expected << " not in:\n"
                                                                               << text);
    }
}

BOOST_AUTO_TEST_CASE(table_checks_results_when_enabled) {
    RpcTable table;
    RpcMethod m;
    m.name = "liar";
    m.category = "test";
    m.result = Object({Member("n", T::kUInt64)});
    m.handler = [](const RpcRequest&, rapidjson::Document& r) -> std::optional<RpcError> {
        r.SetObject();
        r.AddMember("n", "not a number", r.GetAllocator());
        return std::nullopt;
    };
    table.Register(m);
    const std::string req = R"({"jsonrpc":"2.0","id":1,"method":"liar"})";

    auto unchecked = Json(table.Handle(req)->c_str());
    BOOST_CHECK(unchecked.HasMember("result"));

    table.SetCheckResults(true);
    auto checked = Json(table.Handle(req)->c_str());
    BOOST_REQUIRE(checked.HasMember("error"));
    BOOST_CHECK_EQUAL(checked["error"]["code"].GetInt(), kRpcInternalError);
    BOOST_CHECK(
        std::string(checked["error"]["message"].GetString()).find("result.n: expected integer") !=
        std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
