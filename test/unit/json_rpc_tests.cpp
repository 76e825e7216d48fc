// Tests of the JSON-RPC dispatcher (rpc/json_rpc.h): the JSON-RPC 2.0
// specification's examples, the 1.0 envelope, parameter mapping and checks,
// batches, notifications, ids, limits and the built-in help.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "rpc/errors.h"
#include "rpc/json_rpc.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using test::CanonicalJson;
using test::ToJson;

rapidjson::Document Parse(std::string_view text) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    BOOST_REQUIRE_MESSAGE(!d.HasParseError(), "reply is not valid JSON: " << text);
    return d;
}

// A table with typed parameters for the parameter-checking tests.
void RegisterTypedMethods(RpcTable& table) {
    // Echoes what it received: {"s":..,"n":..,"b":..,"o":..,"a":..,"any":..,"has":[...]}.
    table.Register(RpcMethod{
        "typed",
        "test",
        "echo typed parameters",
        {{"s", RpcType::kString, true, "a string"},
         {"n", RpcType::kUInt64, false, "a number"},
         {"b", RpcType::kBool, false, "a flag"},
         {"o", RpcType::kObject, false, "an object"},
         {"a", RpcType::kArray, false, "an array"},
         {"any", RpcType::kAny, false, "anything"}},
        rpc_result::Shape(RpcResult::Type::kAny, "object"),
        [](const RpcRequest& req, rapidjson::Document& result) -> std::optional<RpcError> {
            auto& al = result.GetAllocator();
            result.SetObject();
            const std::string s = req.GetString(0);
            result.AddMember("s", rapidjson::Value(s.c_str(), al), al);
            result.AddMember("n", req.GetUInt64(1, 77), al);
            result.AddMember("b", req.GetBool(2, true), al);
            rapidjson::Value has(rapidjson::kArrayType);
            for (size_t i = 0; i < req.Size(); ++i)
                has.PushBack(req.Has(i), al);
            result.AddMember("has", has, al);
            rapidjson::Value any;
            any.CopyFrom(req.Param(5), al);
            result.AddMember("any", any, al);
            return std::nullopt;
        }});
    table.Register(
        RpcMethod{"fail",
                  "test",
                  "",
                  {{"code", RpcType::kUInt64, true, ""}},
                  {},
                  [](const RpcRequest& req, rapidjson::Document&) -> std::optional<RpcError> {
                      return RpcError{-static_cast<int>(req.GetUInt64(0)), "it failed"};
                  }});
    table.Register(
        RpcMethod{"throw",
                  "test",
                  "",
                  {},
                  {},
                  [](const RpcRequest&, rapidjson::Document&) -> std::optional<RpcError> {
                      throw std::runtime_error("boom");
                  }});
    table.Register(RpcMethod{
        "throw_other",
        "test",
        "",
        {},
        {},
        [](const RpcRequest&, rapidjson::Document&) -> std::optional<RpcError> { throw 42; }});
    table.Register(RpcMethod{
        "misread",
        "test",
        "",
        {{"s", RpcType::kString, true, ""}},
        {},
        [](const RpcRequest& req, rapidjson::Document& result) -> std::optional<RpcError> {
            result.SetUint64(req.GetUInt64(0));  // handler bug: declared as a string
            return std::nullopt;
        }});
    table.Register(
        RpcMethod{"nan",
                  "test",
                  "",
                  {},
                  {},
                  [](const RpcRequest&, rapidjson::Document& result) -> std::optional<RpcError> {
                      result.SetDouble(std::numeric_limits<double>::quiet_NaN());
                      return std::nullopt;
                  }});
}

struct Fixture {
    RpcTable table;
    std::atomic<int> notified{0};  // calls of update, notify_hello and notify_sum
    Fixture() {
        test::RegisterSpecExampleMethods(table, notified);
        RegisterTypedMethods(table);
    }

    rapidjson::Document Call(std::string_view body) {
        auto reply = table.Handle(body);
        BOOST_REQUIRE_MESSAGE(reply.has_value(), "no reply to " << body);
        return Parse(*reply);
    }

    // Sends a 2.0 request and returns the reply's "error" object (must exist).
    int ErrorCode(std::string_view body, std::string* message = nullptr) {
        rapidjson::Document d = Call(body);
        BOOST_REQUIRE_MESSAGE(d.IsObject() && d.HasMember("error") && d["error"].IsObject(),
                              "expected an error reply to " << body << ", got " << ToJson(d));
        if (message != nullptr) *message = d["error"]["message"].GetString();
        return d["error"]["code"].GetInt();
    }
};

std::string Req(std::string_view method, std::string_view params, std::string_view id = "1") {
    return R"({"jsonrpc":"2.0","method":")" + std::string(method) + R"(","params":)" +
           std::string(params) + R"(,"id":)" + std::string(id) + "}";
}

bool Contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(json_rpc_tests, Fixture)

BOOST_AUTO_TEST_CASE(specification_examples) {
    const std::vector<test::SpecExample> examples = test::SpecExamples();
    BOOST_REQUIRE_EQUAL(examples.size(), 15u);

    for (const test::SpecExample& ex : examples) {
        BOOST_TEST_CONTEXT(ex.name) {
            const rapidjson::Value& expected = ex.response;
            const int notified_before = notified;
            const std::optional<std::string> reply = table.Handle(ex.request);
            if (expected.IsNull()) {
                BOOST_CHECK_MESSAGE(!reply.has_value(), "unexpected reply " << reply.value_or(""));
                continue;
            }
            BOOST_REQUIRE_MESSAGE(reply.has_value(), "no reply");
            rapidjson::Document got = Parse(*reply);
            test::DropErrorDetail(got, got.GetAllocator());
            // Batches are compared as multisets: the order of replies is free.
            const bool batch = expected.IsArray();
            BOOST_CHECK_EQUAL(CanonicalJson(got, batch), CanonicalJson(expected, batch));
            if (ex.name == "rpc call Batch") {
                BOOST_CHECK_EQUAL(notified - notified_before, 1);  // notify_hello ran
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(notifications_are_executed_but_not_answered) {
    const int before = notified;
    BOOST_CHECK(!table.Handle(R"({"jsonrpc":"2.0","method":"update","params":[1,2]})"));
    BOOST_CHECK_EQUAL(notified - before, 1);
    // Errors of notifications are not reported either.
    BOOST_CHECK(!table.Handle(R"({"jsonrpc":"2.0","method":"nonexistent"})"));
    BOOST_CHECK(!table.Handle(R"({"jsonrpc":"2.0","method":"subtract","params":["x"]})"));
    BOOST_CHECK(!table.Handle(R"({"jsonrpc":"2.0","method":"throw"})"));
    // "id": null is not a notification: it is answered with id null.
    rapidjson::Document d = Call(R"({"jsonrpc":"2.0","method":"sum","params":[1],"id":null})");
    BOOST_CHECK(d["id"].IsNull());
    BOOST_CHECK_EQUAL(d["result"].GetUint64(), 1u);
    // Invalid requests are answered even without an id.
    BOOST_CHECK(table.Handle(R"({"jsonrpc":"2.0","method":5})"));
    BOOST_CHECK(table.Handle(R"({"jsonrpc":"2.0"})"));
}

BOOST_AUTO_TEST_CASE(v2_reply_shape) {
    rapidjson::Document ok = Call(Req("subtract", "[5,3]", "\"abc\""));
    BOOST_CHECK_EQUAL(ok.MemberCount(), 3u);
    BOOST_CHECK_EQUAL(std::string(ok["jsonrpc"].GetString()), "2.0");
    BOOST_CHECK_EQUAL(ok["result"].GetInt64(), 2);
    BOOST_CHECK_EQUAL(std::string(ok["id"].GetString()), "abc");
    BOOST_CHECK(!ok.HasMember("error"));

    rapidjson::Document err = Call(Req("nonexistent", "[]", "7"));
    BOOST_CHECK_EQUAL(err.MemberCount(), 3u);
    BOOST_CHECK(!err.HasMember("result"));
    BOOST_CHECK_EQUAL(err["error"]["code"].GetInt(), kRpcMethodNotFound);
    BOOST_CHECK_EQUAL(err["error"].MemberCount(), 2u);
    BOOST_CHECK_EQUAL(err["id"].GetInt(), 7);
}

BOOST_AUTO_TEST_CASE(v1_envelope) {
    // Bitcoin-style request: no "jsonrpc" member.
    rapidjson::Document ok = Call(R"({"method":"subtract","params":[10,4],"id":"cli"})");
    BOOST_CHECK(!ok.HasMember("jsonrpc"));
    BOOST_CHECK_EQUAL(ok.MemberCount(), 3u);
    BOOST_CHECK_EQUAL(ok["result"].GetInt64(), 6);
    BOOST_CHECK(ok["error"].IsNull());
    BOOST_CHECK_EQUAL(std::string(ok["id"].GetString()), "cli");

    rapidjson::Document err = Call(R"({"method":"nonexistent","params":[],"id":3})");
    BOOST_CHECK(!err.HasMember("jsonrpc"));
    BOOST_CHECK(err["result"].IsNull());
    BOOST_CHECK_EQUAL(err["error"]["code"].GetInt(), kRpcMethodNotFound);
    BOOST_CHECK_EQUAL(err["id"].GetInt(), 3);

    // A 1.0 request without id is still answered (1.0 has no notifications
    // of this form), with id null; "jsonrpc":"1.0" is the same envelope.
    rapidjson::Document noid = Call(R"({"method":"sum","params":[2,2]})");
    BOOST_CHECK_EQUAL(noid["result"].GetUint64(), 4u);
    BOOST_CHECK(noid["id"].IsNull());
    rapidjson::Document v10 = Call(R"({"jsonrpc":"1.0","method":"sum","params":[2],"id":1})");
    BOOST_CHECK(!v10.HasMember("jsonrpc"));
    BOOST_CHECK(v10["error"].IsNull());

    // Params errors keep the 1.0 shape.
    rapidjson::Document bad = Call(R"({"method":"sum","params":"x","id":2})");
    BOOST_CHECK(bad["result"].IsNull());
    BOOST_CHECK_EQUAL(bad["error"]["code"].GetInt(), kRpcInvalidRequest);
}

BOOST_AUTO_TEST_CASE(ids_are_echoed_exactly) {
    for (const char* id :
         {"\"x\"", "\"\"", "0", "-5", "18446744073709551615", "1.5", "null", "\"\\u00e9\\n\""}) {
        BOOST_TEST_CONTEXT(id) {
            const auto reply = table.Handle(Req("sum", "[1]", id));
            BOOST_REQUIRE(reply);
            rapidjson::Document got = Parse(*reply);
            rapidjson::Document want = Parse(id);
            BOOST_CHECK(got["id"] == want);
            BOOST_CHECK_EQUAL(ToJson(got["id"]), ToJson(want));
        }
    }
    // Numbers a double would rewrite come back as the client wrote them, in
    // single calls, in batches (each entry its own) and in error replies.
    for (const std::string id : {"12345678901234567890123", "18446744073709551616", "1e3",
                                 "1.23456789012345678901", "-1.5E-7", "0.1", "-0", "0"}) {
        BOOST_TEST_CONTEXT(id) {
            const std::string tail = ",\"id\":" + id + "}";
            auto reply = table.Handle(Req("sum", "[1]", id));
            BOOST_REQUIRE(reply);
            BOOST_CHECK_EQUAL(*reply, R"({"jsonrpc":"2.0","result":1)" + tail);
            reply = table.Handle(R"({"jsonrpc":"2.0","method":"nosuch","id":)" + id + "}");
            BOOST_REQUIRE(reply);
            BOOST_CHECK(reply->ends_with(tail));
            reply = table.Handle("[" + Req("sum", "[1]", "7") + "," + Req("sum", "[2]", id) +
                                 R"(,{"jsonrpc":"2.0","params":{"id":1.5},"method":"sum","id":)" +
                                 id + "}]");
            BOOST_REQUIRE(reply);
            BOOST_CHECK_EQUAL(*reply, R"([{"jsonrpc":"2.0","result":1,"id":7},)"
                                      R"({"jsonrpc":"2.0","result":2)" +
                                          tail + "," + R"({"jsonrpc":"2.0","error":)" +
                                          ToJson(Parse(*reply)[2]["error"]) + tail + "]");
        }
    }
    // Structured or boolean ids are invalid; the reply's id is null.
    for (const char* id : {"[1]", "{\"a\":1}", "true"}) {
        BOOST_TEST_CONTEXT(id) {
            rapidjson::Document d = Call(Req("sum", "[1]", id));
            BOOST_CHECK_EQUAL(d["error"]["code"].GetInt(), kRpcInvalidRequest);
            BOOST_CHECK(d["id"].IsNull());
        }
    }
}

BOOST_AUTO_TEST_CASE(invalid_json_is_a_parse_error) {
    for (const char* body : {"", "{", "{\"method\":\"sum\",}", "[1,2", "nul", "{\"a\":NaN}",
                             "[1] x", "{\"id\":1}{\"id\":2}", "{'method':'sum'}",
                             "{\"method\":\"sum\",\"params\":[Infinity],\"id\":1}",
                             "{\"method\":\"sum\" /* c */}", "\"\xff\xfe\""}) {
        BOOST_TEST_CONTEXT(body) {
            rapidjson::Document d = Call(body);
            BOOST_CHECK_EQUAL(d["error"]["code"].GetInt(), kRpcParseError);
            BOOST_CHECK(
                std::string(d["error"]["message"].GetString()).starts_with("Parse error: "));
            BOOST_CHECK(d["id"].IsNull());
            BOOST_CHECK_EQUAL(std::string(d["jsonrpc"].GetString()), "2.0");
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_errors_say_what_and_where) {
    auto message = [&](const std::string& body) {
        return std::string(Call(body)["error"]["message"].GetString());
    };
    BOOST_CHECK_EQUAL(message(""),
                      "Parse error: the body is empty; send one JSON-RPC request object");
    BOOST_CHECK_EQUAL(message("{\"method\":\"sum\",}"),
                      "Parse error: Missing a name for object member. (at offset 16)");
    BOOST_CHECK_EQUAL(message("[1] x"),
                      "Parse error: The document root must not be followed by other values. (at "
                      "offset 4)");
    BOOST_CHECK_EQUAL(message(std::string("{\"a\"\0}", 6)), "Parse error: NUL byte at offset 4");
    BOOST_CHECK_EQUAL(message("\xEF\xBB\xBF{}"),
                      "Parse error: byte-order mark at offset 0; send plain UTF-8 without one");
    BOOST_CHECK_EQUAL(message(std::string(600, '[')),
                      "Parse error: arrays and objects nest deeper than 512");
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_without_recursion) {
    // Far deeper than any recursive parser or writer could survive.
    const size_t huge = 500000;
    const std::string deep = std::string(huge, '[') + std::string(huge, ']');
    BOOST_CHECK_EQUAL(ErrorCode(deep), kRpcParseError);
    const std::string deep_obj = std::string(huge, '[') + "{";  // unterminated too
    BOOST_CHECK_EQUAL(ErrorCode(deep_obj), kRpcParseError);

    // Exactly at the limit is accepted (the request object is level 1).
    auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    const std::string at_limit =
        R"({"jsonrpc":"2.0","method":"typed","params":["s",1,true,{},[],)" +
        nested(kMaxJsonDepth - 2) + R"(],"id":1})";
    rapidjson::Document ok = Call(at_limit);
    BOOST_CHECK_MESSAGE(ok.HasMember("result"), ToJson(ok));
    const std::string over_limit =
        R"({"jsonrpc":"2.0","method":"typed","params":["s",1,true,{},[],)" +
        nested(kMaxJsonDepth - 1) + R"(],"id":1})";
    BOOST_CHECK_EQUAL(ErrorCode(over_limit), kRpcParseError);
    // Brackets inside strings do not count.
    const std::string in_string = R"({"jsonrpc":"2.0","method":"typed","params":[")" +
                                  std::string(2000, '[') + R"(\"[["],"id":1})";
    BOOST_CHECK(Call(in_string).HasMember("result"));
}

BOOST_AUTO_TEST_CASE(invalid_requests) {
    for (const char* body :
         {"1", "\"x\"", "null", "true", R"({"jsonrpc":"2.0","id":1})",
          R"({"jsonrpc":"2.0","method":1,"id":1})", R"({"jsonrpc":"2.0","method":null,"id":1})",
          R"({"jsonrpc":"2.0","method":["sum"],"id":1})",
          R"({"jsonrpc":"3.0","method":"sum","id":1})", R"({"jsonrpc":2.0,"method":"sum","id":1})",
          R"({"jsonrpc":"2.0","method":"sum","params":"1,2","id":1})",
          R"({"jsonrpc":"2.0","method":"sum","params":3,"id":1})",
          R"({"jsonrpc":"2.0","method":"sum","params":true,"id":1})"}) {
        BOOST_TEST_CONTEXT(body) {
            rapidjson::Document d = Call(body);
            BOOST_REQUIRE(d.IsObject());
            BOOST_CHECK_EQUAL(d["error"]["code"].GetInt(), kRpcInvalidRequest);
            BOOST_CHECK_EQUAL(std::string(d["jsonrpc"].GetString()), "2.0");
            BOOST_CHECK(!d.HasMember("result"));
        }
    }
    // The id of an otherwise invalid request is echoed when it is valid itself.
    rapidjson::Document d = Call(R"({"jsonrpc":"2.0","method":1,"id":"q"})");
    BOOST_CHECK_EQUAL(std::string(d["id"].GetString()), "q");
    // params null means no params.
    rapidjson::Document n = Call(R"({"jsonrpc":"2.0","method":"sum","params":null,"id":1})");
    BOOST_CHECK_EQUAL(n["result"].GetUint64(), 0u);
}

BOOST_AUTO_TEST_CASE(named_and_positional_params) {
    rapidjson::Document pos = Call(Req("typed", R"(["x", 5, false])"));
    BOOST_CHECK_EQUAL(CanonicalJson(pos["result"]),
                      CanonicalJson(Parse(R"({"s":"x","n":5,"b":false,"any":null,
                                          "has":[true,true,true,false,false,false]})")));
    rapidjson::Document named = Call(Req("typed", R"({"b":false,"s":"x","n":5})"));
    BOOST_CHECK_EQUAL(CanonicalJson(named["result"]), CanonicalJson(pos["result"]));

    // Optional parameters may be skipped by position with null.
    rapidjson::Document skip = Call(Req("typed", R"(["x", null, null, {}, [], 0])"));
    BOOST_CHECK_EQUAL(CanonicalJson(skip["result"]),
                      CanonicalJson(Parse(R"({"s":"x","n":77,"b":true,"any":0,
                                          "has":[true,false,false,true,true,true]})")));
    // Named null counts as absent too.
    rapidjson::Document named_null = Call(Req("typed", R"({"s":"y","n":null})"));
    BOOST_CHECK_EQUAL(named_null["result"]["n"].GetUint64(), 77u);
    // Named params in any order give the same mapping (spec example).
    BOOST_CHECK_EQUAL(Call(Req("subtract", R"({"subtrahend":1,"minuend":10})"))["result"].GetInt(),
                      9);
    // kAny accepts every non-null type.
    for (const char* any : {"1", "-1", "1.5", "\"s\"", "true", "[]", "{}"}) {
        rapidjson::Document d = Call(Req("typed", std::string(R"({"s":"","any":)") + any + "}"));
        BOOST_CHECK_MESSAGE(d.HasMember("result"), any << ": " << ToJson(d));
    }
}

BOOST_AUTO_TEST_CASE(unknown_named_param) {
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", R"({"s":"x","colour":1})"), &msg), kRpcInvalidParams);
    BOOST_CHECK_MESSAGE(Contains(msg, "\"colour\"") && Contains(msg, "unknown"), msg);
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", R"({"s":"x","s":"y"})"), &msg), kRpcInvalidParams);
    BOOST_CHECK_MESSAGE(Contains(msg, "\"s\"") && Contains(msg, "twice"), msg);
}

BOOST_AUTO_TEST_CASE(missing_required_param) {
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", "[]"), &msg), kRpcInvalidParams);
    BOOST_CHECK_MESSAGE(
        Contains(msg, "missing") && Contains(msg, "\"s\"") && Contains(msg, "string"), msg);
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", "[null]"), &msg), kRpcInvalidParams);
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", R"({"n":1})"), &msg), kRpcInvalidParams);
    BOOST_CHECK_EQUAL(ErrorCode(R"({"jsonrpc":"2.0","method":"subtract","id":1})", &msg),
                      kRpcInvalidParams);
    BOOST_CHECK_MESSAGE(Contains(msg, "\"minuend\"") && Contains(msg, "non-negative integer"), msg);
}

BOOST_AUTO_TEST_CASE(wrong_param_types) {
    struct Case {
        const char* params;
        const char* name;
        const char* type;
    };
    for (const Case& c : std::vector<Case>{
             {R"([1])", "\"s\"", "string"},
             {R"(["x","5"])", "\"n\"", "non-negative integer"},
             {R"(["x",-1])", "\"n\"", "non-negative integer"},
             {R"(["x",1.5])", "\"n\"", "non-negative integer"},
             {R"(["x",1.0])", "\"n\"", "non-negative integer"},
             {R"(["x",1e3])", "\"n\"", "non-negative integer"},
             {R"(["x",18446744073709551616])", "\"n\"", "non-negative integer"},
             {R"(["x",1,1])", "\"b\"", "boolean"},
             {R"(["x",1,"true"])", "\"b\"", "boolean"},
             {R"(["x",1,true,[]])", "\"o\"", "object"},
             {R"(["x",1,true,{},{}])", "\"a\"", "array"},
             {R"({"s":"x","a":"[]"})", "\"a\"", "array"},
         }) {
        BOOST_TEST_CONTEXT(c.params) {
            std::string msg;
            BOOST_CHECK_EQUAL(ErrorCode(Req("typed", c.params), &msg), kRpcInvalidParams);
            BOOST_CHECK_MESSAGE(Contains(msg, c.name) && Contains(msg, c.type), msg);
        }
    }
    // uint64 boundaries.
    BOOST_CHECK_EQUAL(
        Call(Req("typed", R"(["x",18446744073709551615])"))["result"]["n"].GetUint64(),
        18446744073709551615u);
    BOOST_CHECK_EQUAL(Call(Req("typed", R"(["x",0])"))["result"]["n"].GetUint64(), 0u);
}

BOOST_AUTO_TEST_CASE(too_many_positional_params) {
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(Req("subtract", "[1,2,3]"), &msg), kRpcInvalidParams);
    BOOST_CHECK_MESSAGE(Contains(msg, "at most 2") && Contains(msg, "got 3"), msg);
    BOOST_CHECK_EQUAL(ErrorCode(Req("get_data", "[null]"), &msg), kRpcInvalidParams);
    // Exactly the declared count is fine.
    BOOST_CHECK_EQUAL(Call(Req("sum", "[1,2,3]"))["result"].GetUint64(), 6u);
}

BOOST_AUTO_TEST_CASE(handler_errors_and_exceptions) {
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(Req("fail", "[8]"), &msg), kRpcNotFound);
    BOOST_CHECK_EQUAL(msg, "it failed");
    BOOST_CHECK_EQUAL(ErrorCode(Req("fail", "[26]")), kRpcTxRejected);
    BOOST_CHECK_EQUAL(ErrorCode(Req("throw", "[]"), &msg), kRpcInternalError);
    BOOST_CHECK_MESSAGE(Contains(msg, "boom"), msg);
    BOOST_CHECK_EQUAL(ErrorCode(Req("throw_other", "[]")), kRpcInternalError);
    // Reading a parameter as the wrong type is a handler bug: -32603.
    BOOST_CHECK_EQUAL(ErrorCode(Req("misread", R"(["x"])")), kRpcInternalError);
    // A result that cannot be written as JSON is an internal error, and the
    // reply is still valid JSON.
    BOOST_CHECK_EQUAL(ErrorCode(Req("nan", "[]")), kRpcInternalError);
    // The table still works afterwards.
    BOOST_CHECK_EQUAL(Call(Req("sum", "[1]"))["result"].GetUint64(), 1u);
}

BOOST_AUTO_TEST_CASE(batches) {
    // Empty: one error object, not an array.
    rapidjson::Document empty = Call("[]");
    BOOST_REQUIRE(empty.IsObject());
    BOOST_CHECK_EQUAL(empty["error"]["code"].GetInt(), kRpcInvalidRequest);

    // Mixed: one reply per non-notification entry, in order.
    rapidjson::Document mixed = Call(
        R"([{"jsonrpc":"2.0","method":"sum","params":[1],"id":1}, 5,
            {"jsonrpc":"2.0","method":"update"},
            {"method":"sum","params":[2],"id":2},
            {"jsonrpc":"2.0","method":"nope","id":3}, []])");
    BOOST_REQUIRE(mixed.IsArray());
    BOOST_REQUIRE_EQUAL(mixed.Size(), 5u);
    BOOST_CHECK_EQUAL(mixed[0]["result"].GetUint64(), 1u);
    BOOST_CHECK_EQUAL(mixed[1]["error"]["code"].GetInt(), kRpcInvalidRequest);
    BOOST_CHECK(mixed[1]["id"].IsNull());
    BOOST_CHECK_EQUAL(mixed[2]["result"].GetUint64(), 2u);
    BOOST_CHECK(mixed[2]["error"].IsNull());  // 1.0 entry keeps its envelope
    BOOST_CHECK_EQUAL(mixed[3]["error"]["code"].GetInt(), kRpcMethodNotFound);
    BOOST_CHECK_EQUAL(mixed[4]["error"]["code"].GetInt(), kRpcInvalidRequest);

    // Only notifications: nothing.
    const int before = notified;
    BOOST_CHECK(!table.Handle(R"([{"jsonrpc":"2.0","method":"update"},
                                  {"jsonrpc":"2.0","method":"update","params":[1]}])"));
    BOOST_CHECK_EQUAL(notified - before, 2);

    // Nested batch entries are not requests.
    rapidjson::Document nested = Call(R"([[{"jsonrpc":"2.0","method":"sum","id":1}]])");
    BOOST_REQUIRE(nested.IsArray());
    BOOST_CHECK_EQUAL(nested[0]["error"]["code"].GetInt(), kRpcInvalidRequest);
}

BOOST_AUTO_TEST_CASE(batch_limit) {
    table.SetMaxBatchSize(3);
    BOOST_CHECK_EQUAL(table.MaxBatchSize(), 3u);
    auto batch = [](size_t n) {
        std::string b = "[";
        for (size_t i = 0; i < n; ++i) {
            b += (i ? "," : "") + Req("sum", "[1]", std::to_string(i));
        }
        return b + "]";
    };
    rapidjson::Document ok = Call(batch(3));
    BOOST_REQUIRE(ok.IsArray());
    BOOST_CHECK_EQUAL(ok.Size(), 3u);

    const int before = notified;
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(batch(4), &msg), kRpcInvalidRequest);
    BOOST_CHECK_MESSAGE(Contains(msg, "4") && Contains(msg, "3"), msg);
    // Nothing of an over-long batch runs.
    BOOST_CHECK(
        table.Handle(R"([{"jsonrpc":"2.0","method":"update"},{"jsonrpc":"2.0","method":"update"},
                                 {"jsonrpc":"2.0","method":"update"},{"jsonrpc":"2.0","method":"update"}])"));
    BOOST_CHECK_EQUAL(notified, before);
}

BOOST_AUTO_TEST_CASE(registration) {
    RpcTable t;
    BOOST_CHECK(t.Find("help") != nullptr);
    auto handler = [](const RpcRequest&, rapidjson::Document&) -> std::optional<RpcError> {
        return std::nullopt;
    };
    BOOST_CHECK(t.TryRegister(RpcMethod{"zeta", "a", "", {}, {}, handler}));
    BOOST_CHECK(t.TryRegister(RpcMethod{"alpha", "b", "", {}, {}, handler}));
    BOOST_CHECK(t.TryRegister(RpcMethod{"beta", "a", "", {}, {}, handler}));
    BOOST_CHECK(!t.TryRegister(RpcMethod{"beta", "c", "", {}, {}, handler}));  // duplicate
    BOOST_CHECK(!t.TryRegister(RpcMethod{"help", "c", "", {}, {}, handler}));  // duplicate
    BOOST_CHECK(!t.TryRegister(RpcMethod{"", "c", "", {}, {}, handler}));      // unnamed
    BOOST_CHECK(!t.TryRegister(RpcMethod{"nohandler", "c", "", {}, {}, {}}));  // no handler
    BOOST_CHECK(
        !t.TryRegister(RpcMethod{"dup_param",
                                 "c",
                                 "",
                                 {{"x", RpcType::kAny, false, ""}, {"x", RpcType::kAny, false, ""}},
                                 {},
                                 handler}));
    BOOST_CHECK(t.Find("nohandler") == nullptr);
    BOOST_CHECK(t.Find("dup_param") == nullptr);
    BOOST_CHECK_EQUAL(t.Find("beta")->category, "a");

    std::vector<std::string> order;
    for (const RpcMethod* m : t.List())
        order.push_back(m->category + "/" + m->name);
    const std::vector<std::string> want{"a/beta", "a/zeta", "b/alpha", "control/help"};
    BOOST_CHECK_EQUAL_COLLECTIONS(order.begin(), order.end(), want.begin(), want.end());
}

BOOST_AUTO_TEST_CASE(execute_in_process) {
    rapidjson::Document params = Parse(R"({"minuend":3,"subtrahend":5})");
    rapidjson::Document result;
    BOOST_CHECK(!table.Execute("subtract", params, result));
    BOOST_CHECK_EQUAL(result.GetInt64(), -2);
    rapidjson::Document r2;
    auto err = table.Execute("subtract", Parse("[1]"), r2);
    BOOST_REQUIRE(err);
    BOOST_CHECK_EQUAL(err->code, kRpcInvalidParams);
    rapidjson::Document r3;
    err = table.Execute("subtract", Parse("\"x\""), r3);
    BOOST_REQUIRE(err);
    BOOST_CHECK_EQUAL(err->code, kRpcInvalidParams);
    rapidjson::Document r4;
    err = table.Execute("missing", rapidjson::Value(), r4);
    BOOST_REQUIRE(err);
    BOOST_CHECK_EQUAL(err->code, kRpcMethodNotFound);
}

BOOST_AUTO_TEST_CASE(help) {
    const std::string all = table.HelpText();
    BOOST_CHECK_MESSAGE(Contains(all, "== Control ==\nhelp ( \"command\" )\n"), all);
    BOOST_CHECK_MESSAGE(Contains(all, "== Test ==\n"), all);
    BOOST_CHECK_MESSAGE(Contains(all, "\nsubtract minuend subtrahend\n"), all);
    BOOST_CHECK_MESSAGE(Contains(all, "\ntyped \"s\" ( n ) ( b ) ( o ) ( a ) ( any )\n"), all);
    // Every method is listed.
    for (const RpcMethod* m : table.List()) {
        BOOST_CHECK_MESSAGE(Contains(all, "\n" + m->name), m->name);
    }
    // Categories appear in order: Control before Test.
    BOOST_CHECK_LT(all.find("== Control =="), all.find("== Test =="));

    const std::string one = table.HelpText("typed");
    BOOST_CHECK_MESSAGE(Contains(one, "echo typed parameters"), one);
    BOOST_CHECK_MESSAGE(Contains(one, "1. s    (string, required) a string"), one);
    BOOST_CHECK_MESSAGE(Contains(one, "2. n    (non-negative integer, optional) a number"), one);
    BOOST_CHECK_MESSAGE(Contains(one, "Result:\n...") && Contains(one, "(any) object"), one);
    BOOST_CHECK_MESSAGE(Contains(table.HelpText("bogus"), "unknown command: 'bogus'"), "");

    // Through the dispatcher.
    rapidjson::Document d = Call(Req("help", "[]"));
    BOOST_CHECK_EQUAL(std::string(d["result"].GetString()), all);
    rapidjson::Document d2 = Call(Req("help", R"({"command":"typed"})"));
    BOOST_CHECK_EQUAL(std::string(d2["result"].GetString()), one);
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(Req("help", R"(["bogus"])"), &msg), kRpcNotFound);
    BOOST_CHECK_MESSAGE(Contains(msg, "bogus"), msg);
    BOOST_CHECK_EQUAL(ErrorCode(Req("help", "[1]")), kRpcInvalidParams);
}

BOOST_AUTO_TEST_CASE(try_handle_quick) {
    int quick_calls = 0;
    int slow_calls = 0;
    auto counted = [](int& calls) {
        return [&calls](const RpcRequest& req, rapidjson::Document& r) -> std::optional<RpcError> {
            ++calls;
            if (req.GetBool(0)) return RpcError{kRpcMisc, "asked to fail"};
            r.SetString("done");
            return std::nullopt;
        };
    };
    const std::vector<RpcParam> params{{"fail", RpcType::kBool, false, ""}};
    table.Register(
        RpcMethod{"quick", "test", "", params, {}, counted(quick_calls), /*quick=*/true});
    table.Register(RpcMethod{"slow", "test", "", params, {}, counted(slow_calls)});

    // Answered on the spot, exactly as Handle() answers.
    const std::vector<std::string> answered{
        // parse errors
        "", "{", "\xEF\xBB\xBF{}", std::string(R"({"method":"quick"})") + '\0',
        std::string(kMaxJsonDepth + 1, '{') + std::string(kMaxJsonDepth + 1, '}'),
        // invalid requests, even when they name a method that is not quick
        "1", "null", R"({"jsonrpc":"2.0","id":1})", R"({"jsonrpc":"3.0","method":"slow","id":1})",
        R"({"jsonrpc":"2.0","method":"slow","id":[1]})",
        R"({"jsonrpc":"2.0","method":"slow","params":3,"id":"p"})",
        R"({"method":"slow","params":"x","id":2})", R"({"jsonrpc":"2.0","method":"slow","id":{}})",
        // unknown methods, answered or not
        Req("nonexistent", "[]"), R"({"method":"nonexistent","id":"v1"})",
        R"({"jsonrpc":"2.0","method":"nonexistent"})",
        // quick methods: results, parameter and handler errors, both envelopes
        Req("quick", "[]", "\"a\""), Req("quick", "[true]"), Req("quick", R"({"colour":1})"),
        Req("quick", R"(["yes"])"), R"({"method":"quick","params":[],"id":1.5})",
        R"({"jsonrpc":"1.0","method":"quick","id":null})",
        // notifications of quick methods, succeeding or failing
        R"({"jsonrpc":"2.0","method":"quick"})",
        R"({"jsonrpc":"2.0","method":"quick","params":[true]})"};
    for (const std::string& body : answered) {
        BOOST_TEST_CONTEXT(body) {
            const int before = quick_calls;
            std::optional<std::string> quick_reply = "stale";
            BOOST_REQUIRE(table.TryHandleQuick(body, quick_reply));
            const int ran = quick_calls - before;
            const std::optional<std::string> reply = table.Handle(body);
            BOOST_CHECK_EQUAL(quick_calls - before, 2 * ran);  // both ran the handler, or neither
            BOOST_CHECK(quick_reply == reply);
        }
    }
    BOOST_CHECK_EQUAL(quick_calls, 2 * 6);  // six of the bodies reach the handler
    BOOST_CHECK_EQUAL(slow_calls, 0);

    // Declined before anything runs, leaving the reply alone: calls of methods
    // that are not quick (help included), every batch (even a broken one), and
    // bodies over kMaxQuickBodyBytes.
    const std::vector<std::string> declined{Req("slow", "[]"),
                                            Req("slow", "[true]"),
                                            Req("slow", R"({"colour":1})"),
                                            R"({"method":"slow","id":1})",
                                            R"({"jsonrpc":"2.0","method":"slow"})",
                                            Req("help", "[]"),
                                            "[" + Req("quick", "[]") + "]",
                                            "[" + Req("slow", "[]") + "]",
                                            R"([{"jsonrpc":"2.0","method":"quick"}])",
                                            " \n[1,2",
                                            Req("quick", "[\"" + std::string(4096, 'x') + "\"]"),
                                            "[]",
                                            "[1]"};
    for (const std::string& body : declined) {
        BOOST_TEST_CONTEXT(body) {
            std::optional<std::string> reply = "untouched";
            BOOST_CHECK(!table.TryHandleQuick(body, reply));
            BOOST_CHECK(reply == std::optional<std::string>("untouched"));
        }
    }
    BOOST_CHECK_EQUAL(slow_calls, 0);
    BOOST_CHECK_EQUAL(quick_calls, 2 * 6);
    // Handle() still runs them.
    BOOST_CHECK(table.Handle(Req("slow", "[]")));
    BOOST_CHECK_EQUAL(slow_calls, 1);
}

BOOST_AUTO_TEST_CASE(error_messages_say_what_to_fix) {
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(Req("Sum", "[]"), &msg), kRpcMethodNotFound);
    BOOST_CHECK_EQUAL(msg,
                      "Method not found: \"Sum\" (\"help\" lists the methods; names are "
                      "case-sensitive)");
    BOOST_CHECK_EQUAL(ErrorCode("[]", &msg), kRpcInvalidRequest);
    BOOST_CHECK_EQUAL(msg, "Invalid Request: the batch is empty; send at least one request");
    BOOST_CHECK_EQUAL(std::string(Call("[5]")[0]["error"]["message"].GetString()),
                      "Invalid Request: a request must be a JSON object, got non-negative integer");
    BOOST_CHECK_EQUAL(ErrorCode(R"({"jsonrpc":"2.0","id":1})", &msg), kRpcInvalidRequest);
    BOOST_CHECK_EQUAL(msg, "Invalid Request: \"method\" is missing");
    BOOST_CHECK_EQUAL(ErrorCode(R"({"jsonrpc":"2.0","method":5,"id":1})", &msg),
                      kRpcInvalidRequest);
    BOOST_CHECK_EQUAL(msg,
                      "Invalid Request: \"method\" must be a string, got non-negative integer");
    BOOST_CHECK_EQUAL(ErrorCode(R"({"jsonrpc":"1.1","method":"sum","id":1})", &msg),
                      kRpcInvalidRequest);
    BOOST_CHECK(Contains(msg, "\"2.0\"") && Contains(msg, "1.0"));
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", R"(["x",1.5])"), &msg), kRpcInvalidParams);
    BOOST_CHECK_MESSAGE(Contains(msg, "got number with a fraction"), msg);
    BOOST_CHECK_EQUAL(ErrorCode(Req("throw", "[1]"), &msg), kRpcInvalidParams);
    BOOST_CHECK_EQUAL(msg, "Invalid params: throw takes no parameters, got 1");
    BOOST_CHECK_EQUAL(ErrorCode(" \r\n\t ", &msg), kRpcParseError);
    BOOST_CHECK_EQUAL(msg, "Parse error: the body is empty; send one JSON-RPC request object");
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", R"(["x",1e2])"), &msg), kRpcInvalidParams);
    BOOST_CHECK_MESSAGE(Contains(msg, "decimal point or exponent"), msg);
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", R"(["x",1e30])"), &msg), kRpcInvalidParams);
    BOOST_CHECK_MESSAGE(Contains(msg, "outside the 64-bit integer range"), msg);
}

BOOST_AUTO_TEST_CASE(duplicate_envelope_members_are_refused) {
    // Parsers disagree on which duplicate wins; a proxy that filters methods
    // must see what the node runs.
    for (const char* body : {R"({"jsonrpc":"2.0","method":"sum","method":"update","id":1})",
                             R"({"jsonrpc":"2.0","method":"sum","params":[1],"params":[2],"id":1})",
                             R"({"jsonrpc":"2.0","jsonrpc":"2.0","method":"sum","id":1})",
                             R"({"jsonrpc":"2.0","method":"update","id":1,"id":2})"}) {
        BOOST_TEST_CONTEXT(body) {
            const int before = notified;
            std::string msg;
            BOOST_CHECK_EQUAL(ErrorCode(body, &msg), kRpcInvalidRequest);
            BOOST_CHECK_MESSAGE(Contains(msg, "appears 2 times"), msg);
            BOOST_CHECK_EQUAL(notified, before);
        }
    }
    // The repeat is found before any other check echoes an id: which one was
    // meant is unknown, so the reply's id is null (here in a batch whose other
    // entry needs the raw-id pass).
    rapidjson::Document d = Call(R"([{"jsonrpc":"x","id":"a","id":1.5,"method":"sum"},)" +
                                 Req("sum", "[]", "1e0") + "]");
    BOOST_CHECK_EQUAL(d[0]["error"]["code"].GetInt(), kRpcInvalidRequest);
    BOOST_CHECK(d[0]["id"].IsNull());
    // Inside params, repeated names are the method's business (-32602 there).
    BOOST_CHECK(Call(Req("sum", "[1]"))["result"].GetInt() == 1);
}

BOOST_AUTO_TEST_CASE(malformed_v1_requests_get_the_v1_shape) {
    for (const char* body :
         {R"({"method":5,"id":1})", R"({"method":null,"id":1})",
          R"({"method":"sum","params":5,"id":1})", R"({"method":"sum","id":1,"id":2})"}) {
        BOOST_TEST_CONTEXT(body) {
            rapidjson::Document d = Call(body);
            BOOST_CHECK(!d.HasMember("jsonrpc"));
            BOOST_CHECK(d.HasMember("result") && d["result"].IsNull());
            BOOST_CHECK_EQUAL(d["error"]["code"].GetInt(), kRpcInvalidRequest);
        }
    }
    BOOST_CHECK_EQUAL(std::string(Call(R"({"method":5,"id":"k"})")["id"].GetString()), "k");
    // Without a "method" it is no request of either version: the 2.0 shape.
    BOOST_CHECK_EQUAL(std::string(Call(R"({"id":1})")["jsonrpc"].GetString()), "2.0");
}

BOOST_AUTO_TEST_CASE(declared_defaults) {
    RpcTable t;
    auto echo = [](const RpcRequest& req, rapidjson::Document& r) -> std::optional<RpcError> {
        r.SetArray();
        for (size_t i = 0; i < req.Size(); ++i) {
            rapidjson::Value v;
            v.CopyFrom(req.Param(i), r.GetAllocator());
            r.PushBack(v, r.GetAllocator());
        }
        return std::nullopt;
    };
    t.Register(RpcMethod{"d",
                         "test",
                         "",
                         {{"a", RpcType::kString, true, ""},
                          {"n", RpcType::kUInt64, false, "count", "7"},
                          {"f", RpcType::kBool, false, "flag", "true"},
                          {"x", RpcType::kStringOrUInt64, false, "no fixed default"}},
                         {},
                         echo});
    auto result = [&](std::string_view params) {
        auto reply = t.Handle(Req("d", params));
        BOOST_REQUIRE(reply);
        return ToJson(Parse(*reply)["result"]);
    };
    BOOST_CHECK_EQUAL(result(R"(["s"])"), R"(["s",7,true,null])");
    BOOST_CHECK_EQUAL(result(R"(["s",null,false,5])"), R"(["s",7,false,5])");
    BOOST_CHECK_EQUAL(result(R"({"a":"s","n":1,"x":"h"})"), R"(["s",1,true,"h"])");
    // kStringOrUInt64 takes exactly those two.
    for (const char* bad : {"-1", "1.5", "true", "[]"}) {
        auto reply = t.Handle(Req("d", std::string(R"(["s",1,true,)") + bad + "]"));
        BOOST_REQUIRE(reply);
        rapidjson::Document d = Parse(*reply);
        BOOST_CHECK_EQUAL(d["error"]["code"].GetInt(), kRpcInvalidParams);
        BOOST_CHECK(Contains(d["error"]["message"].GetString(), "string or non-negative integer"));
    }
    // help shows the defaults.
    const std::string help = t.HelpText("d");
    BOOST_CHECK_MESSAGE(Contains(help, "(non-negative integer, optional, default=7) count"), help);
    BOOST_CHECK_MESSAGE(Contains(help, "(boolean, optional, default=true) flag"), help);
    BOOST_CHECK_MESSAGE(Contains(help, "(string or non-negative integer, optional) no fixed"),
                        help);

    // A default that is not JSON, of another type, or on a required parameter
    // is a programming error.
    for (const RpcParam& p : {RpcParam{"p", RpcType::kUInt64, false, "", "seven"},
                              RpcParam{"p", RpcType::kUInt64, false, "", "\"7\""},
                              RpcParam{"p", RpcType::kUInt64, true, "", "7"}}) {
        BOOST_CHECK(!t.TryRegister(RpcMethod{"bad", "test", "", {p}, {}, echo}));
    }
    BOOST_CHECK(t.Find("bad") == nullptr);
}

BOOST_AUTO_TEST_CASE(batch_reply_size_is_bounded) {
    table.SetMaxReplyBytes(200);
    BOOST_CHECK_EQUAL(table.MaxReplyBytes(), 200u);
    std::string batch = "[";
    for (int i = 0; i < 20; ++i) {
        batch += Req("sum", "[1]", std::to_string(i)) + ",";
    }
    batch += R"({"jsonrpc":"2.0","method":"update"}])";
    const int before = notified;
    rapidjson::Document d = Call(batch);
    BOOST_REQUIRE(d.IsArray());
    BOOST_REQUIRE_EQUAL(d.Size(), 20u);  // every call answered; the notification dropped
    size_t answered = 0;
    for (rapidjson::SizeType i = 0; i < d.Size(); ++i) {
        BOOST_CHECK_EQUAL(d[i]["id"].GetInt(), static_cast<int>(i));
        if (d[i].HasMember("result")) {
            BOOST_CHECK_EQUAL(answered, i);  // results first, refusals after
            ++answered;
        } else {
            BOOST_CHECK_EQUAL(d[i]["error"]["code"].GetInt(), kRpcReplyTooLarge);
            BOOST_CHECK(Contains(d[i]["error"]["message"].GetString(), "another batch"));
        }
    }
    // The replies of the first calls fill the budget (each is ~36 bytes).
    BOOST_CHECK_GE(answered, 5u);
    BOOST_CHECK_LE(answered, 7u);
    BOOST_CHECK_EQUAL(notified, before);
}

BOOST_AUTO_TEST_CASE(numbers_too_big_for_a_double_are_invalid_params) {
    // Valid JSON: the parameter is named, and the id is echoed as written.
    for (const std::string& n :
         {std::string("1e400"), std::string("-1e400"), std::string(5000, '9')}) {
        BOOST_TEST_CONTEXT(n.substr(0, 10)) {
            rapidjson::Document d = Call(Req("typed", "[\"x\"," + n + "]", "3"));
            BOOST_REQUIRE(d.HasMember("error"));
            BOOST_CHECK_EQUAL(d["error"]["code"].GetInt(), kRpcInvalidParams);
            const std::string msg = d["error"]["message"].GetString();
            BOOST_CHECK_MESSAGE(Contains(msg, "\"n\"") && Contains(msg, "64-bit integer range"),
                                msg);
            BOOST_CHECK_EQUAL(d["id"].GetInt(), 3);
        }
    }
    // Named, and with an id that is itself too big: echoed as written.
    const std::string reply = *table.Handle(Req("typed", R"({"s":"x","n":1e400})", "-1e400"));
    BOOST_CHECK_MESSAGE(Contains(reply, R"("code":-32602)") && Contains(reply, R"(\"n\")") &&
                            Contains(reply, R"("id":-1e400})"),
                        reply);
    // Other numbers of such a body keep their values; a later syntax error is
    // still a parse error at its offset.
    BOOST_CHECK_EQUAL(
        Call(Req("typed", R"(["x",7,true,{"big":1e999}])"))["result"]["n"].GetUint64(), 7u);
    std::string msg;
    BOOST_CHECK_EQUAL(
        ErrorCode(R"({"jsonrpc":"2.0","id":1,"method":"typed","params":[1e400,]})", &msg),
        kRpcParseError);
    BOOST_CHECK_MESSAGE(Contains(msg, "at offset 57"), msg);
}

BOOST_AUTO_TEST_CASE(echoed_caller_text_is_cut_and_escaped) {
    const std::string huge(100'000, 'q');
    for (const std::string& body : {Req(huge, "[]"), Req("help", "[\"" + huge + "\"]"),
                                    Req("typed", "{\"" + huge + "\":1}")}) {
        std::string msg;
        ErrorCode(body, &msg);
        BOOST_CHECK_MESSAGE(msg.size() < 400 && Contains(msg, "(100000 characters)"),
                            msg.substr(0, 400));
    }
    // Control bytes, quotes and backslashes come back as \xNN, never raw.
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(Req(R"(a\u0001\"\\\u00ff)", "[]"), &msg), kRpcMethodNotFound);
    BOOST_CHECK_MESSAGE(Contains(msg, R"("a\x01\x22\x5c\xc3\xbf")"), msg);
    BOOST_CHECK_MESSAGE(
        Contains(table.HelpText(huge), "(100000 characters)") && table.HelpText(huge).size() < 300,
        "help text");
}

BOOST_AUTO_TEST_CASE(one_result_over_the_reply_limit) {
    table.SetMaxReplyBytes(1024);
    // One call whose own result is larger than the limit.
    std::string msg;
    BOOST_CHECK_EQUAL(ErrorCode(Req("typed", "[\"" + std::string(2000, 'a') + "\"]"), &msg),
                      kRpcReplyTooLarge);
    BOOST_CHECK_MESSAGE(Contains(msg, "1024 (-rpcmaxreply)") && Contains(msg, "ask for less"), msg);
    // In a batch: the one that does not fit and everything after it get the
    // error (and are not run), so the reply stays under the limit.
    const std::string big = Req("typed", "[\"" + std::string(600, 'a') + "\"]");
    const std::string batch = "[" + big + "," + big + "," + Req("sum", "[1]") + "]";
    const std::optional<std::string> reply = table.Handle(batch);
    BOOST_REQUIRE(reply);
    BOOST_CHECK_LT(reply->size(), 1024u + 600u);
    rapidjson::Document d = Parse(*reply);
    BOOST_REQUIRE_EQUAL(d.Size(), 3u);
    BOOST_CHECK(d[0].HasMember("result"));
    BOOST_CHECK_EQUAL(d[1]["error"]["code"].GetInt(), kRpcReplyTooLarge);
    BOOST_CHECK_EQUAL(d[2]["error"]["code"].GetInt(), kRpcReplyTooLarge);
    BOOST_CHECK_MESSAGE(Contains(d[1]["error"]["message"].GetString(), "another batch"),
                        ToJson(d[1]));
}

BOOST_AUTO_TEST_CASE(error_code_table) {
    BOOST_CHECK_EQUAL(RpcErrorCodeName(kRpcParseError), "ParseError");
    BOOST_CHECK_EQUAL(RpcErrorCodeName(kRpcTxRejected), "TxRejected");
    BOOST_CHECK_EQUAL(RpcErrorCodeName(kRpcNotFound), "NotFound");
    BOOST_CHECK_EQUAL(RpcErrorCodeName(12345), "");
    // Application codes stay out of the JSON-RPC reserved range and are distinct.
    const std::vector<int> app{
        kRpcMisc,       kRpcTypeError,        kRpcInvalidAddress,       kRpcInsufficientFunds,
        kRpcNotFound,   kRpcInvalidParameter, kRpcDeserializationError, kRpcVerifyError,
        kRpcTxRejected, kRpcTxAlreadyKnown,   kRpcReplyTooLarge};
    for (int c : app) {
        BOOST_CHECK_GT(c, -32000);
        BOOST_CHECK_LT(c, 0);
        BOOST_CHECK_EQUAL(std::count(app.begin(), app.end(), c), 1);
        BOOST_CHECK(!RpcErrorCodeName(c).empty());
    }
}

BOOST_AUTO_TEST_SUITE_END()
