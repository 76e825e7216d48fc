// JSON-RPC 2.0 conformance over the real transport: an HttpServer
// (rpc/http_server.h) on an ephemeral loopback port with cookie credentials,
// whose handler is a test-only RpcTable holding the methods of the JSON-RPC 2.0
// specification's examples (test::RegisterSpecExampleMethods, never in the
// node), driven by the client of src/client/http_client.h.
//
// - Every example of jsonrpc2/examples.json is sent as is; the reply must equal
//   the expected response as parsed JSON (batches as multisets), and where the
//   expected response is null the server must answer 204 with an empty body.
// - Every file of JSONTestSuite's test_parsing/ is sent as the raw request
//   body: n_* (invalid JSON) -> -32700; y_* (valid JSON, but not a request)
//   -> anything but -32700; i_* (implementation-defined) -> a well-formed
//   JSON-RPC reply. After each file the server must still answer a normal call.
//
// Nothing here sleeps: every wait is for a reply.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "client/http_client.h"
#include "rpc/auth.h"
#include "rpc/errors.h"
#include "rpc/http_server.h"
#include "rpc/json_rpc.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

constexpr int kTimeoutSeconds = 10;

std::string ReadFileBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Checks that `v` is one JSON-RPC 2.0 reply object: exactly "jsonrpc":"2.0",
// a valid "id" and one of "result" / "error" (the latter with an integer code
// and a string message). Returns the error code (0 for a result), or nullopt
// with `why` set.
std::optional<int> ReplyObjectCode(const rapidjson::Value& v, std::string& why) {
    if (!v.IsObject() || v.MemberCount() != 3) {
        why = "not an object of three members";
        return std::nullopt;
    }
    if (!v.HasMember("jsonrpc") || !v["jsonrpc"].IsString() ||
        std::string(v["jsonrpc"].GetString()) != "2.0") {
        why = "no \"jsonrpc\":\"2.0\"";
        return std::nullopt;
    }
    if (!v.HasMember("id") || !(v["id"].IsNull() || v["id"].IsString() || v["id"].IsNumber())) {
        why = "no valid \"id\"";
        return std::nullopt;
    }
    if (v.HasMember("result")) return 0;
    if (!v.HasMember("error")) {
        why = "neither \"result\" nor \"error\"";
        return std::nullopt;
    }
    const rapidjson::Value& e = v["error"];
    if (!e.IsObject() || !e.HasMember("code") || !e["code"].IsInt() || !e.HasMember("message") ||
        !e["message"].IsString()) {
        why = "\"error\" is not {code: integer, message: string}";
        return std::nullopt;
    }
    return e["code"].GetInt();
}

// Checks that an HTTP reply is a well-formed JSON-RPC reply (HTTP 200,
// application/json, one reply object or a non-empty array of them) and
// returns the codes of its entries; nullopt with `why` set otherwise.
std::optional<std::vector<int>> ReplyCodes(const HttpResponse& r, std::string& why) {
    if (r.status != 200) {
        why = "HTTP status " + std::to_string(r.status);
        return std::nullopt;
    }
    if (r.Header("Content-Type") != "application/json") {
        why = "Content-Type \"" + r.Header("Content-Type") + "\"";
        return std::nullopt;
    }
    rapidjson::Document d;
    d.Parse(r.body.data(), r.body.size());
    if (d.HasParseError()) {
        why = "reply is not JSON";
        return std::nullopt;
    }
    std::vector<int> codes;
    if (d.IsArray()) {
        if (d.Empty()) {
            why = "empty array";
            return std::nullopt;
        }
        for (const auto& e : d.GetArray()) {
            auto code = ReplyObjectCode(e, why);
            if (!code) return std::nullopt;
            codes.push_back(*code);
        }
        return codes;
    }
    auto code = ReplyObjectCode(d, why);
    if (!code) return std::nullopt;
    codes.push_back(*code);
    return codes;
}

// A real server on 127.0.0.1 (ephemeral port) with a fresh cookie, wired as
// maillond wires its own: the event loops try TryHandleQuick first (parse
// errors, malformed requests and unknown methods are answered there), the
// workers run the rest.
struct ConformanceServer {
    test::TempDir dir;
    RpcAuthenticator auth;
    RpcTable table;
    std::atomic<int> notified{0};  // calls of update, notify_hello and notify_sum
    std::unique_ptr<HttpServer> server;
    std::string authorization;
    uint16_t port{0};

    ConformanceServer() {
        const std::filesystem::path cookie = dir.path / ".cookie";
        auto creds = GenerateAuthCookie(cookie);
        BOOST_REQUIRE_MESSAGE(creds.ok(), test::ErrorText(creds));
        auth.AddUser(creds->user, creds->password);
        auto read = ReadAuthCookie(cookie);  // as maillon-cli does
        BOOST_REQUIRE_MESSAGE(read.ok(), test::ErrorText(read));
        authorization = MakeBasicAuthHeader(read->user, read->password);

        test::RegisterSpecExampleMethods(table, notified);
        HttpServerOptions options;
        options.bind_addresses = {"127.0.0.1"};
        options.port = 0;
        server = std::make_unique<HttpServer>(
            options, [this](std::string_view h) { return auth.Authenticate(h).has_value(); },
            [this](std::string_view body) { return table.Handle(body); },
            [this](std::string_view body, std::optional<std::string>& reply) {
                return table.TryHandleQuick(body, reply);
            });
        Status st = server->Start();
        BOOST_REQUIRE_MESSAGE(st.ok(), test::ErrorText(st));
        port = server->Port();
    }

    HttpResponse Post(const std::string& body) {
        auto r = HttpPost("127.0.0.1", port, "/", body, authorization, kTimeoutSeconds);
        BOOST_REQUIRE_MESSAGE(r.ok(), test::ErrorText(r));
        return std::move(*r);
    }

    // A normal call must still be answered correctly.
    void CheckAlive() {
        const HttpResponse r =
            Post(R"({"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":"alive"})");
        BOOST_REQUIRE_EQUAL(r.status, 200);
        BOOST_REQUIRE_EQUAL(r.body, R"({"jsonrpc":"2.0","result":19,"id":"alive"})");
    }
};

// Files of test_parsing/ by first letter, sorted by name.
std::map<char, std::vector<std::filesystem::path>> ParsingFiles() {
    const std::filesystem::path dir = test::VectorPath("jsontestsuite/test_parsing");
    BOOST_REQUIRE_MESSAGE(std::filesystem::is_directory(dir), "missing " << dir);
    std::map<char, std::vector<std::filesystem::path>> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        const std::string name = entry.path().filename().string();
        BOOST_REQUIRE_MESSAGE(name.size() > 2 && name[1] == '_', "unexpected file " << name);
        files[name[0]].push_back(entry.path());
    }
    for (auto& [kind, paths] : files)
        std::sort(paths.begin(), paths.end());
    return files;
}

using Clock = std::chrono::steady_clock;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(rpc_conformance_tests, ConformanceServer)

BOOST_AUTO_TEST_CASE(specification_examples_over_http) {
    const std::vector<test::SpecExample> examples = test::SpecExamples();
    BOOST_REQUIRE_EQUAL(examples.size(), 15u);

    // Notification methods run although nothing is sent back: how many of
    // them each example calls.
    const std::map<std::string, int> notifications = {
        {"a Notification (1)", 1},  // update
        {"rpc call Batch", 1},      // notify_hello
        {"rpc call Batch (all notifications)", 2},
    };
    size_t replayed = 0;
    for (const test::SpecExample& ex : examples) {
        BOOST_TEST_CONTEXT(ex.name) {
            const rapidjson::Value& expected = ex.response;
            const int notified_before = notified;
            const HttpResponse r = Post(ex.request);
            ++replayed;
            // The reply is sent after the handler returned, so the count is final.
            const auto n = notifications.find(ex.name);
            BOOST_CHECK_EQUAL(notified - notified_before, n == notifications.end() ? 0 : n->second);
            if (expected.IsNull()) {
                BOOST_CHECK_EQUAL(r.status, 204);
                BOOST_CHECK_MESSAGE(r.body.empty(), "unexpected body " << r.body);
                continue;
            }
            BOOST_CHECK_EQUAL(r.status, 200);
            BOOST_CHECK_EQUAL(r.Header("Content-Type"), "application/json");
            rapidjson::Document got;
            got.Parse(r.body.data(), r.body.size());
            BOOST_REQUIRE_MESSAGE(!got.HasParseError(), "reply is not JSON: " << r.body);
            test::DropErrorDetail(got, got.GetAllocator());
            // Batches are compared as multisets: the order of replies is free.
            const bool batch = expected.IsArray();
            BOOST_CHECK_EQUAL(test::CanonicalJson(got, batch),
                              test::CanonicalJson(expected, batch));
        }
    }
    BOOST_CHECK_EQUAL(replayed, 15u);
}

BOOST_AUTO_TEST_CASE(json_test_suite_bodies) {
    const auto files = ParsingFiles();
    const auto t0 = Clock::now();
    std::map<char, size_t> counts;
    std::vector<std::string> n_parsed;  // n_* files answered -32600
    for (const auto& [kind, paths] : files) {
        for (const std::filesystem::path& path : paths) {
            const std::string name = path.filename().string();
            BOOST_TEST_CONTEXT(name) {
                const HttpResponse r = Post(ReadFileBytes(path));
                std::string why;
                const auto codes = ReplyCodes(r, why);
                BOOST_CHECK_MESSAGE(codes.has_value(),
                                    "not a well-formed JSON-RPC reply (" << why << "): " << r.body);
                if (codes) {
                    const bool parse_error =
                        std::find(codes->begin(), codes->end(), kRpcParseError) != codes->end();
                    if (kind == 'n') {
                        // Invalid JSON: one parse error; -32600 only where the
                        // text was accepted by the parser after all.
                        BOOST_CHECK_EQUAL(codes->size(), 1u);
                        BOOST_CHECK_MESSAGE(codes->front() == kRpcParseError ||
                                                codes->front() == kRpcInvalidRequest,
                                            "code " << codes->front() << ": " << r.body);
                        if (codes->front() == kRpcInvalidRequest) n_parsed.push_back(name);
                    } else if (kind == 'y') {
                        // Valid JSON is never a parse error (none of it is a request).
                        BOOST_CHECK_MESSAGE(!parse_error, "parse error for valid JSON: " << r.body);
                        BOOST_CHECK_MESSAGE(
                            std::all_of(codes->begin(), codes->end(),
                                        [](int c) { return c == kRpcInvalidRequest; }),
                            "expected -32600 entries: " << r.body);
                    }
                }
                ++counts[kind];
                CheckAlive();
            }
        }
    }
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    BOOST_TEST_MESSAGE("JSONTestSuite: " << counts['y'] << " y, " << counts['n'] << " n, "
                                         << counts['i'] << " i files in " << elapsed << " ms");
    BOOST_CHECK_EQUAL(files.size(), 3u);
    BOOST_CHECK_EQUAL(counts['y'], 95u);
    BOOST_CHECK_EQUAL(counts['n'], 188u);
    BOOST_CHECK_EQUAL(counts['i'], 35u);
    // Every invalid text is a parse error; the dispatcher refuses NUL bytes and
    // byte-order marks itself, where RapidJSON alone would be lenient.
    std::string parsed_list;
    for (const std::string& name : n_parsed)
        parsed_list += " " + name;
    BOOST_CHECK_MESSAGE(n_parsed.empty(), n_parsed.size()
                                              << " n_* files answered -32600, not -32700:"
                                              << parsed_list);
}

BOOST_AUTO_TEST_SUITE_END()
