// HttpServer: the RPC transport. A libevent evhttp server that accepts
// authenticated POST requests and hands their bodies to a handler on a pool
// of worker threads. It knows nothing of JSON-RPC or of the chain.
//
// Request flow (all libevent calls happen on the one event-loop thread):
//  1. libevent reads the request; a body over max_body_bytes -> 413 (the rest
//     of the body is read and discarded first, so the client sees the reply).
//  2. Peer address outside every allow_ips subnet -> 403, and the connection is
//     closed (before anything else is looked at, credentials included). Not
//     POST -> 405 with "Allow: POST". Authorizer refuses the
//     "Authorization" header -> 401 with `WWW-Authenticate: Basic
//     realm="jsonrpc"`, sent after kAuthFailureDelay by a libevent timer, so
//     that guessing is slow while other clients are served meanwhile.
//     Shutting down -> 503. Work queue already holding work_queue_depth
//     requests -> 503.
//  3. Otherwise the body is copied and queued; a worker thread calls the
//     handler, then hands the reply back to the loop thread (mutex-guarded
//     done-queue + event_active on a wake-up event, which libevent makes
//     thread-safe after evthread_use_pthreads()). The loop thread sends it:
//     200 application/json with the returned text, or 204 for nullopt; a
//     handler that throws gets 500.
//  Connections are HTTP/1.1 keep-alive; idle_timeout_seconds closes idle or
//  stalled ones. Headers and body are read by the loop thread without blocking,
//  so a slow or stalled client holds a connection, never a worker thread.
//
// Stop(): (a) the loop thread closes the listening sockets; (b) workers finish
// every queued request and are joined; (c) the loop thread sends the replies,
// waits (at most kStopGraceSeconds) until every request received has been
// answered or its connection closed, then exits and is joined; (d) evhttp and
// the event base are freed. Requests arriving on open connections after (a)
// get 503.
//
// Thread-safety: Start, Stop and the destructor are called from one
// controlling thread (not from a handler). The handler and the authorizer are
// called concurrently from worker threads and the loop thread respectively and
// must be thread-safe. Port() is safe after Start() returned.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "util/result.h"

struct event;
struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_connection;
struct evhttp_request;
struct sockaddr;

namespace maillon {

inline constexpr std::chrono::milliseconds kAuthFailureDelay{250};
inline constexpr int kStopGraceSeconds = 5;

// One entry of the RPC allow list: an IPv4 or an IPv6 subnet.
class IpSubnet {
public:
    // Parses "ADDR" (one host: /32 or /128) or "ADDR/PREFIX": ADDR a numeric
    // IPv4 or IPv6 address (no host names, brackets or zone ids), PREFIX a
    // decimal length 0..32 (IPv4) or 0..128 (IPv6). Address bits past the prefix
    // are ignored ("192.168.1.7/24" is 192.168.1.0/24), as in Bitcoin Core's
    // -rpcallowip. An IPv4-mapped IPv6 entry ("::ffff:10.0.0.0/104") is stored
    // as the IPv4 subnet it denotes. Error code "rpc-config", naming the entry.
    static Result<IpSubnet> Parse(std::string_view text);

    // Whether a peer address (AF_INET or AF_INET6; anything else or nullptr
    // never matches) lies in the subnet. An IPv4-mapped IPv6 peer address is
    // matched as the IPv4 address it carries. IPv4 subnets never match IPv6
    // addresses and vice versa (so "::/0" allows all IPv6 peers, no IPv4 one).
    bool Contains(const sockaddr* addr) const;
    // Same for a numeric address text; false when it is not one.
    bool Contains(std::string_view numeric_address) const;

    bool IsIpv6() const { return m_ipv6; }
    unsigned PrefixLength() const { return m_prefix; }
    // Canonical "network/prefix", e.g. "192.168.1.0/24", "::1/128".
    std::string ToString() const;

private:
    bool m_ipv6{false};
    std::array<uint8_t, 16> m_network{};  // IPv4: the first 4 bytes; bits past m_prefix are 0
    unsigned m_prefix{0};
};

struct HttpServerOptions {
    // Numeric IPv4/IPv6 addresses. An IPv6 address the host cannot bind
    // (no IPv6 support / address not available) is skipped when another
    // address was bound, so the default works on IPv4-only hosts; any other
    // bind failure is an error.
    std::vector<std::string> bind_addresses{"127.0.0.1", "::1"};
    uint16_t port{18443};  // 0: an ephemeral port (tests), see Port()
    size_t worker_threads{4};
    size_t work_queue_depth{64};
    size_t max_body_bytes{1 << 20};
    int idle_timeout_seconds{30};
    // Peers allowed to send requests: subnets or single addresses, IPv4 or
    // IPv6, in IpSubnet::Parse syntax ("192.168.1.0/24", "10.0.0.5", "::1").
    // Any other peer gets 403 before its credentials are checked. The list
    // replaces the default: keep "127.0.0.0/8" and "::1" in it for local
    // tools. Checked by Start() (a bad entry or an empty list -> "rpc-config").
    std::vector<std::string> allow_ips{"127.0.0.0/8", "::1"};
};

// Receives a request body, returns the reply body or nullopt (-> 204).
using HttpHandler = std::function<std::optional<std::string>(std::string_view body)>;
// Receives the "Authorization" header value ("" when absent); true = allowed.
using HttpAuthorizer = std::function<bool(std::string_view authorization)>;

class HttpServer {
public:
    HttpServer(HttpServerOptions options, HttpAuthorizer authorizer, HttpHandler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Parses allow_ips, binds, starts the loop thread and the workers. Error
    // codes: "rpc-bind" (message names the address and port, and says when the
    // port is in use), "rpc-config" (names a bad allow_ips or bind entry),
    // "rpc-libevent". On error nothing is left running.
    Status Start();
    // Idempotent; see the file comment.
    void Stop();

    // The port actually bound (differs from options.port when that was 0).
    uint16_t Port() const { return m_port; }
    // The addresses actually bound ("::1" may be missing, see above).
    const std::vector<std::string>& BoundAddresses() const { return m_bound; }

private:
    struct Work {
        evhttp_request* req;
        std::string body;
    };
    struct Done {
        evhttp_request* req;
        int status;
        std::optional<std::string> body;
    };
    struct DelayedReject;

    static void OnRequest(evhttp_request* req, void* arg);
    static void OnWake(int fd, short what, void* arg);
    static void OnRejectTimer(int fd, short what, void* arg);
    static void OnRequestComplete(evhttp_request* req, void* arg);
    static void OnConnectionClose(evhttp_connection* conn, void* arg);
    static void OnStopDeadline(int fd, short what, void* arg);

    Status Bind();
    bool PeerAllowed(evhttp_request* req) const;
    void HandleRequest(evhttp_request* req);
    void ProcessWake();
    void SendReply(evhttp_request* req, int status, const std::string* body);
    void SendError(evhttp_request* req, int status, std::string_view text);
    void Track(evhttp_request* req);
    void Untrack(evhttp_connection* conn, bool whole_connection);
    void MaybeExitLoop();
    void WorkerLoop();
    void Wake();
    void FreeLibevent();

    const HttpServerOptions m_options;
    const HttpAuthorizer m_authorizer;
    const HttpHandler m_handler;

    uint16_t m_port{0};
    std::vector<std::string> m_bound;
    std::vector<IpSubnet> m_allow;  // set by Start() before the loop thread runs
    std::vector<int> m_listen_fds;  // before they are handed to evhttp

    event_base* m_base{nullptr};
    evhttp* m_http{nullptr};
    event* m_wake{nullptr};
    event* m_stop_deadline{nullptr};
    std::vector<evhttp_bound_socket*> m_sockets;
    std::thread m_loop_thread;
    std::vector<std::thread> m_workers;
    bool m_running{false};  // controlling thread only

    // Loop thread only.
    std::map<evhttp_connection*, size_t> m_open_requests;
    std::vector<std::unique_ptr<DelayedReject>> m_delayed;
    bool m_accept_closed{false};
    bool m_exiting{false};

    // Guarded by m_mutex.
    std::mutex m_mutex;
    std::condition_variable m_work_cv;     // workers wait for work / close
    std::condition_variable m_control_cv;  // Stop() waits for the loop thread
    std::deque<Work> m_work;
    std::deque<Done> m_done;
    bool m_queue_closed{false};    // workers exit once m_work is empty
    bool m_stop_accepting{false};  // request to the loop thread: step (a)
    bool m_accepting_stopped{false};
    bool m_exit_requested{false};  // request to the loop thread: step (c)
};

}  // namespace maillon
