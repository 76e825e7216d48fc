// Tests of the RPC HTTP server (rpc/http_server.h) through the real client
// (src/client/http_client.h) and raw sockets: status codes, authentication
// with a real cookie, limits, keep-alive, concurrency and shutdown.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <rapidjson/document.h>

#include "client/http_client.h"
#include "rpc/auth.h"
#include "rpc/http_server.h"
#include "rpc/json_rpc.h"
#include "test/util/setup.h"

using namespace maillon;
using Clock = std::chrono::steady_clock;

namespace {

using maillon::test::ErrorText;
using maillon::test::RawPost;
using maillon::test::RawResponse;
using maillon::test::ReadResponse;
using maillon::test::SendAll;
using maillon::test::TempDir;

constexpr int kTimeout = 10;

rapidjson::Document ParseJson(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());
    BOOST_REQUIRE_MESSAGE(!d.HasParseError(), "not JSON: " << text);
    return d;
}

long long MillisSince(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string Call(std::string_view method, std::string_view params, int id = 1) {
    return R"({"jsonrpc":"2.0","method":")" + std::string(method) + R"(","params":)" +
           std::string(params) + R"(,"id":)" + std::to_string(id) + "}";
}

// A running server with a real cookie, a JSON-RPC table and test methods.
struct ServerFixture {
    TempDir dir;  // declared first: removed after everything else
    std::filesystem::path cookie_path = dir.path / ".cookie";
    RpcAuthenticator auth;
    RpcTable table;
    std::unique_ptr<HttpServer> server;
    std::string good_auth;
    uint16_t port{0};

    // For "block": the handler waits until released.
    std::mutex mutex;
    std::condition_variable cv;
    bool released{false};
    std::atomic<int> blocked{0};
    std::atomic<int> started{0};

    explicit ServerFixture(HttpServerOptions options = DefaultOptions()) {
        auto creds = GenerateAuthCookie(cookie_path);
        BOOST_REQUIRE_MESSAGE(creds.ok(), ErrorText(creds));
        auth.AddUser(creds->user, creds->password);
        auto cookie = ReadAuthCookie(cookie_path);  // as maillon-cli does
        BOOST_REQUIRE_MESSAGE(cookie.ok(), ErrorText(cookie));
        good_auth = MakeBasicAuthHeader(cookie->user, cookie->password);

        table.Register(RpcMethod{
            "echo",
            "test",
            "",
            {{"value", RpcType::kAny, true, ""}},
            {},
            [](const RpcRequest& req, rapidjson::Document& result) -> std::optional<RpcError> {
                result.CopyFrom(req.Param(0), result.GetAllocator());
                return std::nullopt;
            }});
        table.Register(RpcMethod{
            "sleep",
            "test",
            "",
            {{"ms", RpcType::kUInt64, true, ""}},
            {},
            [this](const RpcRequest& req, rapidjson::Document& result) -> std::optional<RpcError> {
                ++started;
                std::this_thread::sleep_for(std::chrono::milliseconds(req.GetUInt64(0)));
                result.SetUint64(req.GetUInt64(0));
                return std::nullopt;
            }});
        table.Register(RpcMethod{
            "block",
            "test",
            "",
            {},
            {},
            [this](const RpcRequest&, rapidjson::Document& result) -> std::optional<RpcError> {
                ++blocked;
                std::unique_lock lock(mutex);
                cv.wait(lock, [this] { return released; });
                result.SetBool(true);
                return std::nullopt;
            }});
        server = std::make_unique<HttpServer>(
            std::move(options),
            [this](std::string_view header) { return auth.Authenticate(header).has_value(); },
            [this](std::string_view body) -> std::optional<std::string> {
                if (body == "throw") throw std::runtime_error("handler exploded");
                return table.Handle(body);
            },
            HttpQuickHandler{},
            [this](std::string_view header) {
                return auth.AuthenticateRemembered(header).has_value();
            });
        Status st = server->Start();
        BOOST_REQUIRE_MESSAGE(st.ok(), ErrorText(st));
        port = server->Port();
        BOOST_REQUIRE(port != 0);
    }

    ~ServerFixture() {
        Release();
        server.reset();
        (void)DeleteAuthCookie(cookie_path);
    }

    static HttpServerOptions DefaultOptions() {
        HttpServerOptions o;
        o.port = 0;
        // Some tests open many connections at once, all from loopback.
        o.max_connections_per_ip = o.max_connections;
        return o;
    }

    void Release() {
        {
            std::unique_lock lock(mutex);
            released = true;
        }
        cv.notify_all();
    }

    Result<HttpResponse> Post(const std::string& body, const std::string& authorization,
                              int timeout = kTimeout) {
        return HttpPost("127.0.0.1", port, "/", body, authorization, timeout);
    }

    // A request that must succeed: checks that the server still answers.
    void CheckAlive() {
        auto r = Post(Call("echo", "[\"alive\"]"), good_auth);
        BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
        BOOST_CHECK_EQUAL(r->status, 200);
        BOOST_CHECK_EQUAL(r->body, R"({"jsonrpc":"2.0","result":"alive","id":1})");
    }
};

struct SmallServer : ServerFixture {
    static HttpServerOptions Options() {
        HttpServerOptions o = DefaultOptions();
        o.worker_threads = 1;
        o.work_queue_depth = 1;
        o.max_body_bytes = 4096;
        return o;
    }
    SmallServer() : ServerFixture(Options()) {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(http_server_tests)

BOOST_FIXTURE_TEST_CASE(post_with_cookie_gets_200, ServerFixture) {
    auto r = Post(Call("echo", R"([{"a":[1,2,"x"]}])", 42), good_auth);
    BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
    BOOST_CHECK_EQUAL(r->status, 200);
    BOOST_CHECK_EQUAL(r->Header("content-type"), "application/json");
    BOOST_CHECK_EQUAL(r->body, R"({"jsonrpc":"2.0","result":{"a":[1,2,"x"]},"id":42})");

    // A batch and the 1.0 envelope go through unchanged.
    auto batch = Post("[" + Call("echo", "[1]", 1) + "," + Call("echo", "[2]", 2) + "]", good_auth);
    BOOST_REQUIRE(batch.ok());
    rapidjson::Document d = ParseJson(batch->body);
    BOOST_REQUIRE(d.IsArray());
    BOOST_CHECK_EQUAL(d.Size(), 2u);
    auto v1 = Post(R"({"method":"echo","params":[true],"id":"x"})", good_auth);
    BOOST_REQUIRE(v1.ok());
    BOOST_CHECK_EQUAL(v1->body, R"({"result":true,"error":null,"id":"x"})");
    // JSON-RPC errors are HTTP 200 too.
    auto err = Post("{", good_auth);
    BOOST_REQUIRE(err.ok());
    BOOST_CHECK_EQUAL(err->status, 200);
    BOOST_CHECK_EQUAL(ParseJson(err->body)["error"]["code"].GetInt(), kRpcParseError);
}

BOOST_FIXTURE_TEST_CASE(missing_credentials_get_401_after_a_delay, ServerFixture) {
    const auto t0 = Clock::now();
    auto r = Post(Call("echo", "[1]"), "");
    const auto elapsed = MillisSince(t0);
    BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
    BOOST_CHECK_EQUAL(r->status, 401);
    BOOST_CHECK_EQUAL(r->Header("WWW-Authenticate"), "Basic realm=\"jsonrpc\"");
    BOOST_CHECK_GE(elapsed, kAuthFailureDelay.count() - 10);
    BOOST_CHECK(started == 0);
    CheckAlive();
}

BOOST_FIXTURE_TEST_CASE(wrong_credentials_get_401, ServerFixture) {
    auto creds = ReadAuthCookie(cookie_path);
    BOOST_REQUIRE(creds.ok());
    std::string wrong_password = creds->password;
    wrong_password[0] = wrong_password[0] == 'a' ? 'b' : 'a';
    for (const std::string& header :
         {MakeBasicAuthHeader(creds->user, wrong_password),
          MakeBasicAuthHeader("alice", creds->password), MakeBasicAuthHeader(creds->user, ""),
          MakeBasicAuthHeader(creds->user, creds->password + "0"),
          std::string("Basic !!!notbase64"), std::string("Bearer ") + creds->password,
          std::string("Basic"), creds->user + ":" + creds->password}) {
        BOOST_TEST_CONTEXT(header) {
            auto r = Post(Call("echo", "[1]"), header);
            BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
            BOOST_CHECK_EQUAL(r->status, 401);
            BOOST_CHECK_EQUAL(r->Header("WWW-Authenticate"), "Basic realm=\"jsonrpc\"");
            BOOST_CHECK(r->body.find("alive") == std::string::npos);
        }
    }
    // Scheme is case-insensitive.
    auto lower = Post(Call("echo", "[\"ok\"]"), "basic " + good_auth.substr(6));
    BOOST_REQUIRE(lower.ok());
    BOOST_CHECK_EQUAL(lower->status, 200);
    CheckAlive();
}

BOOST_FIXTURE_TEST_CASE(auth_delay_does_not_stall_other_clients, ServerFixture) {
    std::atomic<long long> bad_done_at{-1};
    const auto t0 = Clock::now();
    std::thread bad([&] {
        auto r = Post(Call("echo", "[1]"), "");
        BOOST_CHECK(r.ok() && r->status == 401);
        bad_done_at = MillisSince(t0);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    auto good = Post(Call("echo", "[2]"), good_auth);
    const long long good_done_at = MillisSince(t0);
    bad.join();
    BOOST_REQUIRE(good.ok());
    BOOST_CHECK_EQUAL(good->status, 200);
    BOOST_CHECK_MESSAGE(good_done_at < bad_done_at, "good request answered at "
                                                        << good_done_at << " ms, the 401 at "
                                                        << bad_done_at << " ms");
}

BOOST_FIXTURE_TEST_CASE(failed_logins_are_throttled, ServerFixture) {
    // A client that logged in before the flood.
    CheckAlive();
    // More concurrent wrong logins than may wait out their delay at once: the
    // surplus is refused with 503 before its credentials are checked.
    const size_t clients = kMaxDelayedRejects + 36;
    std::vector<std::future<std::pair<int, std::string>>> replies;
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    for (size_t i = 0; i < clients; ++i) {
        replies.push_back(std::async(std::launch::async, [&, start] {
            start.wait();
            auto r = Post(Call("echo", "[1]"), "Basic d3Jvbmc6d3Jvbmc=");  // wrong:wrong
            return r.ok() ? std::make_pair(r->status, r->body) : std::make_pair(0, std::string());
        }));
    }
    const auto t0 = Clock::now();
    go.set_value();
    // The surplus is refused at once, the rest answered after the delay: once
    // a reply is in early, the throttle is on. A client already known is
    // still served; a header never seen before gets 503, even a right one.
    while (std::none_of(replies.begin(), replies.end(), [](auto& f) {
        return f.wait_for(std::chrono::milliseconds(1)) == std::future_status::ready;
    })) {
    }
    auto known = Post(Call("echo", "[\"alive\"]"), good_auth);
    const std::string fresh = "basic " + good_auth.substr(6);  // same credentials, new header
    auto unknown = Post(Call("echo", "[\"alive\"]"), fresh);
    // Only meaningful while no delayed 401 has gone out yet.
    const bool within_delay = MillisSince(t0) < kAuthFailureDelay.count() - 50;
    BOOST_REQUIRE(known.ok() && unknown.ok());
    BOOST_CHECK_EQUAL(known->status, 200);
    if (within_delay) BOOST_CHECK_EQUAL(unknown->status, 503);

    size_t unauthorized = 0;
    size_t throttled = 0;
    for (auto& f : replies) {
        const auto [status, body] = f.get();
        if (status == 401) ++unauthorized;
        if (status == 503) {
            ++throttled;
            BOOST_CHECK_MESSAGE(body.find("too many failed RPC logins") != std::string::npos, body);
        }
    }
    BOOST_CHECK_EQUAL(unauthorized + throttled, clients);
    BOOST_CHECK_GE(unauthorized, kMaxDelayedRejects);
    BOOST_CHECK_GT(throttled, 0u);
    BOOST_CHECK(started == 0);
    // Once the delays ran out, new headers are checked again.
    auto later = Post(Call("echo", "[\"alive\"]"), fresh);
    BOOST_REQUIRE(later.ok());
    BOOST_CHECK_EQUAL(later->status, 200);
}

BOOST_FIXTURE_TEST_CASE(only_the_root_path_serves_json_rpc, ServerFixture) {
    for (const char* path : {"/rpc", "/wallet/x", "//", "/?"}) {
        BOOST_TEST_CONTEXT(path) {
            auto r = HttpPost("127.0.0.1", port, path, Call("echo", "[1]"), good_auth, kTimeout);
            BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
            if (std::string_view(path) == "/?") {
                BOOST_CHECK_EQUAL(r->status, 200);  // a query string does not matter
                continue;
            }
            BOOST_CHECK_EQUAL(r->status, 404);
            BOOST_CHECK_MESSAGE(r->body.find("JSON-RPC is served at /") != std::string::npos,
                                r->body);
        }
    }
    // Without credentials, the path is not even looked at.
    auto anon = HttpPost("127.0.0.1", port, "/rpc", Call("echo", "[1]"), "", kTimeout);
    BOOST_REQUIRE(anon.ok());
    BOOST_CHECK_EQUAL(anon->status, 401);
}

BOOST_FIXTURE_TEST_CASE(get_gets_405, ServerFixture) {
    auto r = HttpGet("127.0.0.1", port, "/", good_auth, kTimeout);
    BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
    BOOST_CHECK_EQUAL(r->status, 405);
    BOOST_CHECK_EQUAL(r->Header("Allow"), "POST");
    BOOST_CHECK(started == 0);
    // Also without credentials, and for other methods sent raw.
    auto anon = HttpGet("127.0.0.1", port, "/", "", kTimeout);
    BOOST_REQUIRE(anon.ok());
    BOOST_CHECK_EQUAL(anon->status, 405);
    for (const char* method : {"PUT", "DELETE", "OPTIONS"}) {
        const int fd = test::ConnectRaw(port, kTimeout);
        SendAll(fd, std::string(method) +
                        " / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        std::string buffer;
        RawResponse raw = ReadResponse(fd, buffer);
        ::close(fd);
        BOOST_CHECK_MESSAGE(raw.status == 405, method << ": " << raw.headers);
        BOOST_CHECK(raw.headers.find("Allow: POST") != std::string::npos);
    }
    CheckAlive();
}

BOOST_FIXTURE_TEST_CASE(oversized_body_gets_413, ServerFixture) {
    const size_t limit = HttpServerOptions{}.max_body_bytes;
    BOOST_REQUIRE_EQUAL(limit, 1u << 20);
    // A request of exactly the limit is served.
    const std::string head = R"({"jsonrpc":"2.0","method":"echo","params":[")";
    const std::string tail = R"("],"id":1})";
    const std::string exact = head + std::string(limit - head.size() - tail.size(), 'x') + tail;
    BOOST_REQUIRE_EQUAL(exact.size(), limit);
    auto ok = Post(exact, good_auth);
    BOOST_REQUIRE_MESSAGE(ok.ok(), ErrorText(ok));
    BOOST_CHECK_EQUAL(ok->status, 200);
    BOOST_CHECK_GT(ok->body.size(), limit - 100);

    // One byte more is refused before any handler runs.
    const std::string over = head + std::string(limit + 1 - head.size() - tail.size(), 'x') + tail;
    BOOST_REQUIRE_EQUAL(over.size(), limit + 1);
    const int started_before = started;
    auto r = Post(over, good_auth);
    BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
    BOOST_CHECK_EQUAL(r->status, 413);
    BOOST_CHECK_EQUAL(started, started_before);
    CheckAlive();
}

BOOST_FIXTURE_TEST_CASE(oversized_body_gets_413_small_limit, SmallServer) {
    auto r = Post(std::string(4097, ' '), good_auth);
    BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
    BOOST_CHECK_EQUAL(r->status, 413);
    // Sent raw: the body is read and dropped, then the 413 is readable.
    const int fd = test::ConnectRaw(port, kTimeout);
    SendAll(fd, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + good_auth +
                    "\r\nContent-Length: 50000\r\n\r\n" + std::string(50000, ' '));
    std::string buffer;
    RawResponse raw = ReadResponse(fd, buffer);
    ::close(fd);
    BOOST_CHECK_EQUAL(raw.status, 413);
    CheckAlive();
}

BOOST_FIXTURE_TEST_CASE(notification_gets_204, ServerFixture) {
    auto r = Post(R"({"jsonrpc":"2.0","method":"sleep","params":[1]})", good_auth);
    BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
    BOOST_CHECK_EQUAL(r->status, 204);
    BOOST_CHECK(r->body.empty());
    BOOST_CHECK_EQUAL(started, 1);  // executed all the same
    auto batch = Post(R"([{"jsonrpc":"2.0","method":"sleep","params":[1]},
                          {"jsonrpc":"2.0","method":"sleep","params":[1]}])",
                      good_auth);
    BOOST_REQUIRE(batch.ok());
    BOOST_CHECK_EQUAL(batch->status, 204);
    BOOST_CHECK_EQUAL(started, 3);
    CheckAlive();
}

BOOST_FIXTURE_TEST_CASE(keep_alive_serves_several_requests_per_connection, ServerFixture) {
    const int fd = test::ConnectRaw(port, kTimeout);
    std::string buffer;
    for (int i = 1; i <= 3; ++i) {
        SendAll(fd, RawPost(good_auth, Call("echo", "[" + std::to_string(i) + "]", i)));
        RawResponse r = ReadResponse(fd, buffer);
        BOOST_CHECK_EQUAL(r.status, 200);
        BOOST_CHECK_EQUAL(r.body, R"({"jsonrpc":"2.0","result":)" + std::to_string(i) +
                                      R"(,"id":)" + std::to_string(i) + "}");
    }
    // Errors answered by the server itself keep the connection open too.
    SendAll(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_CHECK_EQUAL(ReadResponse(fd, buffer).status, 405);
    SendAll(fd, RawPost("Basic eDp5", Call("echo", "[1]")));
    BOOST_CHECK_EQUAL(ReadResponse(fd, buffer).status, 401);
    SendAll(fd, RawPost(good_auth, R"({"jsonrpc":"2.0","method":"echo","params":[0]})"));
    BOOST_CHECK_EQUAL(ReadResponse(fd, buffer).status, 204);
    SendAll(fd, RawPost(good_auth, Call("echo", "[9]", 9)));
    RawResponse last = ReadResponse(fd, buffer);
    BOOST_CHECK_EQUAL(last.status, 200);
    BOOST_CHECK_EQUAL(last.body, R"({"jsonrpc":"2.0","result":9,"id":9})");
    ::close(fd);
}

BOOST_FIXTURE_TEST_CASE(full_work_queue_gets_503, SmallServer) {
    // One worker, queue depth one: the first request occupies the worker, the
    // next waits in the queue, any further one is refused at once.
    auto first =
        std::async(std::launch::async, [&] { return Post(Call("block", "[]"), good_auth); });
    const auto t0 = Clock::now();
    while (blocked == 0 && MillisSince(t0) < 5000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BOOST_REQUIRE_EQUAL(blocked, 1);
    auto second =
        std::async(std::launch::async, [&] { return Post(Call("echo", "[2]"), good_auth); });
    auto third =
        std::async(std::launch::async, [&] { return Post(Call("echo", "[3]"), good_auth); });
    // Whichever of the two arrives last is refused without waiting.
    bool one_done = false;
    const auto t1 = Clock::now();
    while (!one_done && MillisSince(t1) < 5000) {
        one_done = second.wait_for(std::chrono::milliseconds(5)) == std::future_status::ready ||
                   third.wait_for(std::chrono::milliseconds(5)) == std::future_status::ready;
    }
    BOOST_CHECK(one_done);
    Release();
    auto r1 = first.get();
    auto r2 = second.get();
    auto r3 = third.get();
    BOOST_REQUIRE(r1.ok() && r2.ok() && r3.ok());
    BOOST_CHECK_EQUAL(r1->status, 200);
    BOOST_CHECK_EQUAL(std::min(r2->status, r3->status), 200);
    BOOST_CHECK_EQUAL(std::max(r2->status, r3->status), 503);
    CheckAlive();
}

BOOST_FIXTURE_TEST_CASE(handler_exception_gets_500, ServerFixture) {
    auto r = Post("throw", good_auth);
    BOOST_REQUIRE(r.ok());
    BOOST_CHECK_EQUAL(r->status, 500);
    BOOST_CHECK(r->body.find("handler exploded") != std::string::npos);
    CheckAlive();
}

BOOST_FIXTURE_TEST_CASE(stop_answers_requests_in_flight_then_refuses, ServerFixture) {
    auto pending =
        std::async(std::launch::async, [&] { return Post(Call("sleep", "[300]"), good_auth); });
    const auto t0 = Clock::now();
    while (started == 0 && MillisSince(t0) < 5000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BOOST_REQUIRE_EQUAL(started, 1);
    server->Stop();
    auto r = pending.get();
    BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
    BOOST_CHECK_EQUAL(r->status, 200);
    BOOST_CHECK_EQUAL(r->body, R"({"jsonrpc":"2.0","result":300,"id":1})");

    auto refused = Post(Call("echo", "[1]"), good_auth, 2);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK_EQUAL(refused.error().code, "http-connect");
    const std::string want =
        "could not connect to 127.0.0.1:" + std::to_string(port) + ": is maillond running?";
    BOOST_CHECK_MESSAGE(refused.error().message.find(want) == 0, refused.error().message);
    server->Stop();  // idempotent
}

BOOST_FIXTURE_TEST_CASE(stop_closes_idle_keep_alive_connections, ServerFixture) {
    const int fd = test::ConnectRaw(port, kTimeout);
    std::string buffer;
    SendAll(fd, RawPost(good_auth, Call("echo", "[1]")));
    BOOST_CHECK_EQUAL(ReadResponse(fd, buffer).status, 200);
    const auto t0 = Clock::now();
    server->Stop();
    BOOST_CHECK_LT(MillisSince(t0), 2000);  // does not wait for the idle timeout
    char c;
    BOOST_CHECK_LE(::recv(fd, &c, 1, 0), 0);  // closed by the server
    ::close(fd);
}

BOOST_FIXTURE_TEST_CASE(clients_that_hang_up_early_are_harmless, ServerFixture) {
    // Hang up while a worker runs the request, and while a 401 is delayed.
    const int busy = test::ConnectRaw(port, kTimeout);
    SendAll(busy, RawPost(good_auth, Call("sleep", "[200]")));
    const int unauth = test::ConnectRaw(port, kTimeout);
    SendAll(unauth, RawPost("Basic eDp5", Call("echo", "[1]")));
    const auto t0 = Clock::now();
    while (started == 0 && MillisSince(t0) < 5000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BOOST_REQUIRE_EQUAL(started, 1);
    ::close(busy);
    ::close(unauth);
    CheckAlive();
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // replies to closed sockets
    CheckAlive();
    // And while Stop() is waiting for them.
    const int again = test::ConnectRaw(port, kTimeout);
    SendAll(again, RawPost(good_auth, Call("sleep", "[200]")));
    while (started < 2 && MillisSince(t0) < 5000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::close(again);
    const auto t1 = Clock::now();
    server->Stop();
    BOOST_CHECK_LT(MillisSince(t1), 2000);
}

BOOST_FIXTURE_TEST_CASE(client_times_out, ServerFixture) {
    const auto t0 = Clock::now();
    auto r = Post(Call("sleep", "[2500]"), good_auth, 1);
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK_EQUAL(r.error().code, "http-timeout");
    BOOST_CHECK_LT(MillisSince(t0), 2400);
}

BOOST_FIXTURE_TEST_CASE(port_in_use_is_a_clear_error, ServerFixture) {
    HttpServerOptions o;
    o.bind_addresses = {"127.0.0.1"};
    o.port = port;
    HttpServer second(
        o, [](std::string_view) { return true; },
        [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
    Status st = second.Start();
    BOOST_REQUIRE(!st.ok());
    BOOST_CHECK_EQUAL(st.error().code, "rpc-bind");
    BOOST_CHECK_MESSAGE(
        st.error().message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos &&
            st.error().message.find("already in use") != std::string::npos,
        st.error().message);
    CheckAlive();  // the first server is unaffected
}

BOOST_AUTO_TEST_CASE(bad_configuration_is_refused) {
    auto allow = [](std::string_view) { return true; };
    auto handle = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    HttpServerOptions name;
    name.bind_addresses = {"localhost"};
    name.port = 0;
    Status st = HttpServer(name, allow, handle).Start();
    BOOST_REQUIRE(!st.ok());
    BOOST_CHECK_EQUAL(st.error().code, "rpc-config");
    BOOST_CHECK(st.error().message.find("localhost") != std::string::npos);

    HttpServerOptions zero;
    zero.port = 0;
    zero.worker_threads = 0;
    BOOST_CHECK(!HttpServer(zero, allow, handle).Start().ok());
    HttpServerOptions none;
    none.port = 0;
    none.bind_addresses.clear();
    BOOST_CHECK(!HttpServer(none, allow, handle).Start().ok());
    HttpServerOptions ok;
    ok.port = 0;
    BOOST_CHECK(!HttpServer(ok, nullptr, handle).Start().ok());
    HttpServer twice(ok, allow, handle);
    BOOST_REQUIRE(twice.Start().ok());
    BOOST_CHECK(!twice.Start().ok());
    twice.Stop();
    // Restart after Stop works.
    BOOST_CHECK(twice.Start().ok());
}

BOOST_FIXTURE_TEST_CASE(ipv6_loopback_when_available, ServerFixture) {
    const auto& bound = server->BoundAddresses();
    BOOST_REQUIRE(!bound.empty());
    BOOST_CHECK_EQUAL(bound[0], "127.0.0.1");
    if (std::find(bound.begin(), bound.end(), "::1") == bound.end()) {
        BOOST_TEST_MESSAGE("no IPv6 loopback on this host; skipped");
        return;
    }
    auto r = HttpPost("::1", port, "/", Call("echo", "[6]"), good_auth, kTimeout);
    BOOST_REQUIRE_MESSAGE(r.ok(), ErrorText(r));
    BOOST_CHECK_EQUAL(r->status, 200);
}

BOOST_AUTO_TEST_CASE(client_connection_refused_message) {
    // Find a port nobody listens on: bind, read the port, close.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    BOOST_REQUIRE_EQUAL(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const uint16_t free_port = ntohs(addr.sin_port);
    ::close(fd);

    auto r = HttpPost("127.0.0.1", free_port, "/", "{}", "", 5);
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK_EQUAL(r.error().code, "http-connect");
    BOOST_CHECK_MESSAGE(
        r.error().message.find("could not connect to 127.0.0.1:" + std::to_string(free_port) +
                               ": is maillond running?") == 0,
        r.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
