// HttpServer: the RPC transport. libevent's evhttp, run on io_threads event
// loops, each with its own event_base and evhttp accepting on the same
// listening sockets, plus a pool of worker threads. It knows nothing of
// JSON-RPC or of the chain.
//
// Connections: each accepted connection is counted, over all loops, against
// max_connections and, by client address (IPv4 or IPv6, without the port),
// against max_connections_per_ip; one over either cap is closed at once,
// before it is read, and a log line (at most one a second) says which cap.
// When accept() fails (out of file descriptors, mostly), the loop stops
// accepting for kAcceptPause and never retries in a busy loop; meanwhile new
// connections wait in the listening socket's backlog. That is logged once
// until an accept succeeds again, and at most once a second.
//
// Request flow (libevent calls for a request happen on the loop thread whose
// evhttp accepted its connection):
//  0. From its first byte, a request has request_timeout_seconds to arrive
//     whole (headers and body), however slowly it trickles in; otherwise the
//     connection is closed (logged as above).
//  1. libevent reads the request; a body over max_body_bytes -> 413 (the rest
//     of the body is read and discarded first, so the client sees the reply).
//  2. Peer address outside every allow_ips subnet -> 403, and the connection is
//     closed (before anything else is looked at, credentials included). Not
//     POST -> 405 with "Allow: POST". Authorizer refuses the
//     "Authorization" header -> 401 with `WWW-Authenticate: Basic
//     realm="jsonrpc"`, sent after kAuthFailureDelay by a libevent timer, so
//     that guessing is slow while other clients are served meanwhile. While
//     kMaxDelayedRejects such 401s are pending, no credentials are checked:
//     a header the `remembered` authorizer knows is served, any other gets
//     503. Shutting down -> 503. A path other than "/"
//     (after authentication) -> 404.
//  3. The quick handler, when there is one, may answer the body at once on
//     the loop thread. Otherwise the body is copied and queued (a queue already
//     holding work_queue_depth requests -> 503); a worker thread calls the
//     handler, then hands the reply back to the request's loop (mutex-guarded
//     done-queue + event_active on a wake-up event, which libevent makes
//     thread-safe after evthread_use_pthreads()). The loop sends it: 200
//     application/json with the returned text, or 204 for nullopt; a handler
//     that throws gets 500.
//  Connections are HTTP/1.1 keep-alive; idle_timeout_seconds closes one on
//  which nothing arrives for that long (idle between requests, or stalled),
//  and step 0 one that trickles. Headers and body are read by the loop thread
//  without blocking, so a slow client holds a connection, never a worker
//  thread, and only until its deadline.
//
// Stop(): (a) every loop closes its listening sockets; (b) workers finish
// every queued request and are joined; (c) each loop sends its replies, waits
// (at most kStopGraceSeconds) until every request it received has been
// answered or its connection closed, then exits and is joined; (d) evhttp and
// the event bases are freed. Requests arriving on open connections after (a)
// get 503.
//
// Thread-safety: Start, Stop and the destructor are called from one
// controlling thread (not from a handler). The authorizer and the quick
// handler are called concurrently from the loop threads, the handler from the
// workers: all must be thread-safe, and the first two must not block. Port()
// and BoundAddresses() are safe after Start() returned.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/ip_subnet.h"
#include "util/result.h"

namespace maillon {

inline constexpr std::chrono::milliseconds kAuthFailureDelay{250};
inline constexpr size_t kMaxDelayedRejects = 64;
inline constexpr int kStopGraceSeconds = 5;
inline constexpr std::chrono::milliseconds kAcceptPause{250};

struct HttpServerOptions {
    // Numeric IPv4/IPv6 addresses. An IPv6 address the host cannot bind
    // (no IPv6 support / address not available) is skipped when another
    // address was bound, so the default works on IPv4-only hosts; any other
    // bind failure is an error.
    std::vector<std::string> bind_addresses{"127.0.0.1", "::1"};
    uint16_t port{18443};  // 0: an ephemeral port (tests), see Port()
    size_t io_threads{2};
    size_t worker_threads{4};
    size_t work_queue_depth{64};
    size_t max_body_bytes{1 << 20};
    int idle_timeout_seconds{30};
    // The whole of a request, from its first byte until its headers and body
    // are in (see the file comment); separate from idle_timeout_seconds,
    // which each byte restarts.
    int request_timeout_seconds{30};
    // Open connections in all, and from one client address. A connection
    // costs a file descriptor: keep max_connections below the process's limit.
    size_t max_connections{256};
    size_t max_connections_per_ip{64};
    // Peers allowed to send requests: subnets or single addresses, IPv4 or
    // IPv6, in IpSubnet::Parse syntax ("192.168.1.0/24", "10.0.0.5", "::1").
    // Any other peer gets 403 before its credentials are checked. The list
    // replaces the default: keep "127.0.0.0/8" and "::1" in it for local
    // tools. Checked by Start() (a bad entry or an empty list -> "rpc-config").
    std::vector<std::string> allow_ips{"127.0.0.0/8", "::1"};
};

// Receives a request body, returns the reply body or nullopt (-> 204).
using HttpHandler = std::function<std::optional<std::string>(std::string_view body)>;
// Optional fast path, tried on the loop thread first: returns true after
// setting `reply` (as HttpHandler would return it) when it answered the body
// itself, which it must do in microseconds; false to queue it for a worker.
using HttpQuickHandler =
    std::function<bool(std::string_view body, std::optional<std::string>& reply)>;
// Receives the "Authorization" header value ("" when absent); true = allowed.
using HttpAuthorizer = std::function<bool(std::string_view authorization)>;

class HttpServer {
public:
    // `remembered` (optional) accepts only headers that `authorizer` accepted
    // before, checking nothing new: while failed logins are throttled it
    // stands in for `authorizer`, so that clients already known keep being
    // served and nothing can be guessed.
    HttpServer(HttpServerOptions options, HttpAuthorizer authorizer, HttpHandler handler,
               HttpQuickHandler quick_handler = {}, HttpAuthorizer remembered = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Checks the options and binds the listening sockets, without serving
    // anything yet: so that a program can find out that its port is taken
    // before it changes anything on disk. Error codes as Start()'s.
    // Idempotent; Start() binds itself when Bind() was not called.
    Status Bind();
    // Parses allow_ips, binds, starts the loops and the workers, and sets
    // SIGPIPE to ignored for the whole process (libevent writes with writev,
    // which raises it on a reset connection). Error codes:
    // "rpc-bind" (message names the address and port, and says when the port
    // is in use), "rpc-config" (names a bad allow_ips or bind entry, or a
    // limit or timeout that is zero), "rpc-libevent" (libevent or thread set-up failed). On error
    // nothing is left running.
    Status Start();
    // Idempotent; see the file comment.
    void Stop();

    // The port actually bound (differs from options.port when that was 0).
    uint16_t Port() const { return m_port; }
    // The addresses actually bound ("::1" may be missing, see above).
    const std::vector<std::string>& BoundAddresses() const { return m_bound; }

private:
    class Loop;     // one event loop thread with its evhttp
    struct Shared;  // what the loops and the workers share

    Status CheckOptions() const;
    Status BindSockets();

    const HttpServerOptions m_options;
    const HttpAuthorizer m_authorizer;
    const HttpHandler m_handler;
    const HttpQuickHandler m_quick_handler;
    const HttpAuthorizer m_remembered;

    uint16_t m_port{0};
    std::vector<std::string> m_bound;
    std::vector<int> m_listen_fds;     // bound; each loop accepts on its own dup()
    std::unique_ptr<Shared> m_shared;  // non-null while running
};

}  // namespace maillon
