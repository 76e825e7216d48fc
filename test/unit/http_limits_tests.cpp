// Tests of the RPC HTTP server's (rpc/http_server.h) resistance to slow
// clients and to many connections: a client that sends part of a request and
// then nothing holds a connection, never a worker thread, and
// idle_timeout_seconds closes it; one that trickles its request meets
// request_timeout_seconds; connections past the caps are closed at once.
// No fixed sleeps: every wait is for a reply or for the server closing a socket.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "rpc/auth.h"
#include "rpc/http_server.h"
#include "test/util/setup.h"

using namespace maillon;
using Clock = std::chrono::steady_clock;

namespace {

using test::RawResponse;
using test::ReadResponse;
using test::SendAll;

constexpr int kTimeoutSeconds = 10;
constexpr const char* kCall = R"({"jsonrpc":"2.0","method":"echo","id":7})";
constexpr const char* kReply = R"({"jsonrpc":"2.0","result":"ok","id":7})";

// A server with one worker thread and a one-deep queue.
struct OneWorkerServer {
    RpcAuthenticator auth;
    std::atomic<int> handled{0};
    std::unique_ptr<HttpServer> server;
    std::string authorization = MakeBasicAuthHeader("user", "pass");
    uint16_t port{0};

    explicit OneWorkerServer(int idle_timeout_seconds, int request_timeout_seconds = 30,
                             size_t max_connections = 256, size_t max_connections_per_ip = 64) {
        auth.AddUser("user", "pass");
        HttpServerOptions o;
        o.request_timeout_seconds = request_timeout_seconds;
        o.max_connections = max_connections;
        o.max_connections_per_ip = max_connections_per_ip;
        o.bind_addresses = {"127.0.0.1"};
        o.port = 0;
        o.worker_threads = 1;
        o.work_queue_depth = 1;
        o.idle_timeout_seconds = idle_timeout_seconds;
        server = std::make_unique<HttpServer>(
            o, [this](std::string_view h) { return auth.Authenticate(h).has_value(); },
            [this](std::string_view) -> std::optional<std::string> {
                ++handled;
                return std::string(kReply);
            });
        Status st = server->Start();
        BOOST_REQUIRE_MESSAGE(st.ok(), test::ErrorText(st));
        port = server->Port();
    }

    void CheckServed() {
        auto r = HttpPost("127.0.0.1", port, "/", kCall, authorization, kTimeoutSeconds);
        BOOST_REQUIRE_MESSAGE(r.ok(), test::ErrorText(r));
        BOOST_CHECK_EQUAL(r->status, 200);
        BOOST_CHECK_EQUAL(r->body, kReply);
    }

    // A blocking socket connected to the server, reads bounded by kTimeoutSeconds.
    int Connect() const { return test::ConnectRaw(port, kTimeoutSeconds); }
};

// The first half of a request's header block.
std::string HalfHeaders() {
    return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl";
}

// Complete headers announcing 100 body bytes, followed by only 10.
std::string HalfBody(const std::string& authorization) {
    return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization +
           "\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"";
}

// Whether nothing at all has arrived on fd yet (the server neither answered
// nor closed).
bool NothingReceived(int fd) {
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// A blocking socket connected to 127.0.0.1:port from `source` (any address of
// 127.0.0.0/8, so that one test can be several clients).
int ConnectFrom(const char* source, uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    const timeval tv{kTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) == 0);
    BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0);
    return fd;
}

// Sends `request` one byte per `pace` until the server closes the connection
// (true) or the request is all sent (false). The pace is the client's
// behaviour under test, each pause also a wait for the close.
bool TrickleUntilClosed(int fd, const std::string& request, std::chrono::milliseconds pace) {
    for (char c : request) {
        if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) return true;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(pace.count())) == 1) {
            char byte;
            if (::recv(fd, &byte, 1, MSG_PEEK) <= 0) return true;
        }
    }
    return false;
}

// One complete exchange on fd: true when it was answered with 200.
bool Served(int fd, const std::string& authorization) {
    SendAll(fd, test::RawPost(authorization, kCall));
    std::string buffer;
    return ReadResponse(fd, buffer).status == 200;
}

struct Closed {
    bool closed{false};  // false: our own receive timeout expired first
    std::string data;    // whatever the server sent before closing
    long long ms{0};
};

// Blocks until the server closes the connection; ms counts from `since`.
Closed WaitForClose(int fd, Clock::time_point since) {
    Closed c;
    c.closed = test::ReadUntilClosed(fd, c.data);
    c.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_limits_tests)

BOOST_AUTO_TEST_CASE(stalled_clients_do_not_pin_the_worker) {
    OneWorkerServer s(/*idle_timeout_seconds=*/30);  // no timeout during the test
    // More stalled clients than worker threads plus queue slots, stalled in
    // the headers and in the body.
    std::vector<int> stalled;
    for (int i = 0; i < 3; ++i) {
        stalled.push_back(s.Connect());
        SendAll(stalled.back(), HalfHeaders());
        stalled.push_back(s.Connect());
        SendAll(stalled.back(), HalfBody(s.authorization));
    }
    // Other clients are served meanwhile, one after another and on a
    // keep-alive connection of their own.
    for (int i = 0; i < 5; ++i)
        s.CheckServed();
    BOOST_CHECK_EQUAL(s.handled, 5);
    for (int fd : stalled) {
        BOOST_CHECK(NothingReceived(fd));  // still waiting for the rest of their request
    }

    // A stalled client that finally completes its request is answered.
    SendAll(stalled[1], std::string(90, ' '));
    std::string buffer;
    const RawResponse reply = ReadResponse(stalled[1], buffer);
    // The body is `{"jsonrpc"` and 90 spaces, which the echo handler ignores.
    BOOST_CHECK_MESSAGE(reply.status == 200, "status " << reply.status << ": " << reply.headers);
    BOOST_CHECK_EQUAL(reply.body, kReply);
    for (int fd : stalled)
        ::close(fd);
    s.CheckServed();
}

BOOST_AUTO_TEST_CASE(idle_timeout_closes_stalled_connections) {
    OneWorkerServer s(/*idle_timeout_seconds=*/1);
    const auto t0 = Clock::now();
    const int in_headers = s.Connect();
    SendAll(in_headers, HalfHeaders());
    const int in_body = s.Connect();
    SendAll(in_body, HalfBody(s.authorization));
    // An idle keep-alive connection after a complete exchange.
    const int idle = s.Connect();
    SendAll(idle, test::RawPost(s.authorization, kCall));
    std::string buffer;
    const RawResponse reply = ReadResponse(idle, buffer);
    BOOST_CHECK_MESSAGE(reply.status == 200, "status " << reply.status << ": " << reply.headers);
    BOOST_CHECK_EQUAL(reply.body, kReply);

    // Served while the others stall.
    s.CheckServed();

    for (int fd : {in_headers, in_body, idle}) {
        const Closed c = WaitForClose(fd, t0);
        ::close(fd);
        BOOST_TEST_CONTEXT((fd == in_headers ? "headers" : fd == in_body ? "body" : "idle")) {
            BOOST_CHECK_MESSAGE(c.closed, "still open after " << c.ms << " ms");
            // Closed by the 1 s timeout: not at once, and well within our own
            // receive timeout.
            BOOST_CHECK_GE(c.ms, 900);
            BOOST_CHECK_LT(c.ms, (kTimeoutSeconds - 2) * 1000);
            // Nothing more for the idle one; at most an error status for the
            // others, whose requests never reached the handler.
            if (fd == idle) {
                BOOST_CHECK_MESSAGE(c.data.empty(), c.data);
            } else {
                BOOST_CHECK_MESSAGE(c.data.empty() || c.data.rfind("HTTP/1.1 4", 0) == 0, c.data);
            }
        }
    }
    BOOST_CHECK_EQUAL(s.handled, 2);  // CheckServed and `idle`
    s.CheckServed();
}

BOOST_AUTO_TEST_CASE(request_deadline_closes_trickling_clients) {
    // Idle timeout far away: only the whole-request deadline can close them.
    OneWorkerServer s(/*idle_timeout_seconds=*/30, /*request_timeout_seconds=*/1);
    // A keep-alive connection idle between requests is no slow request.
    const int idle = s.Connect();
    BOOST_REQUIRE(Served(idle, s.authorization));
    const std::string request = test::RawPost(s.authorization, kCall);
    const size_t headers_end = request.find("\r\n\r\n") + 4;
    for (const std::string& part : {request.substr(0, headers_end),  // in the headers
                                    request}) {                      // headers at once, body slowly
        const int fd = s.Connect();
        const bool in_body = part.size() == request.size();
        if (in_body) SendAll(fd, request.substr(0, headers_end));
        const auto t0 = Clock::now();
        const bool closed = TrickleUntilClosed(fd, in_body ? request.substr(headers_end) : part,
                                               std::chrono::milliseconds(100));
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        ::close(fd);
        BOOST_TEST_CONTEXT((in_body ? "body" : "headers")) {
            BOOST_CHECK_MESSAGE(closed, "the whole request was accepted after " << ms << " ms");
            BOOST_CHECK_GE(ms, 800);
            BOOST_CHECK_LT(ms, 5000);
        }
    }
    BOOST_CHECK_EQUAL(s.handled, 1);
    // The idle connection outlived the deadline and still serves.
    BOOST_CHECK(NothingReceived(idle));
    BOOST_CHECK(Served(idle, s.authorization));
    ::close(idle);
}

BOOST_AUTO_TEST_CASE(connections_past_the_caps_are_closed) {
    OneWorkerServer s(/*idle_timeout_seconds=*/30, /*request_timeout_seconds=*/30,
                      /*max_connections=*/3, /*max_connections_per_ip=*/2);
    std::vector<int> open{ConnectFrom("127.0.0.1", s.port), ConnectFrom("127.0.0.1", s.port)};
    for (int fd : open)
        BOOST_CHECK(Served(fd, s.authorization));
    // A third from the same address: closed before it is read.
    const int third = ConnectFrom("127.0.0.1", s.port);
    Closed c = WaitForClose(third, Clock::now());
    ::close(third);
    BOOST_CHECK_MESSAGE(c.closed && c.data.empty(), c.data);
    // Another address may connect, up to the total.
    open.push_back(ConnectFrom("127.0.0.2", s.port));
    BOOST_CHECK(Served(open.back(), s.authorization));
    const int over_total = ConnectFrom("127.0.0.3", s.port);
    c = WaitForClose(over_total, Clock::now());
    ::close(over_total);
    BOOST_CHECK_MESSAGE(c.closed && c.data.empty(), c.data);
    // Once one closes, its address may connect again.
    ::close(open[0]);
    open.erase(open.begin());
    bool served = false;
    for (int attempt = 0; attempt < 200 && !served; ++attempt) {
        const int fd = ConnectFrom("127.0.0.1", s.port);
        try {
            served = Served(fd, s.authorization);
        } catch (const std::exception&) {  // closed while we were sending
        }
        if (served) {
            open.push_back(fd);
        } else {
            ::close(fd);
        }
    }
    BOOST_CHECK(served);
    for (int fd : open)
        ::close(fd);
}

BOOST_AUTO_TEST_SUITE_END()
