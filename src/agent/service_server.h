// ServiceServer: the agent's service port (doc/agent.md, "The device service
// protocol"): TCP on one address, with libevent bufferevents on one event
// base and its own thread. It frames and decodes what clients send
// (client/service_protocol.h), lets ServiceHandler answer, and drives the
// stream of bandwidth sessions.
//
// Per connection:
//  - a frame is checked from its five-byte header (its type, and its length
//    against the type's bound) before its body is read; the input buffered
//    is bounded by the largest frame;
//  - a frame that is malformed, or not one a client sends in that state,
//    gets an ERROR naming what is wrong, the reason is logged (at most a
//    line a second: ThrottledLog), and the connection is closed once the
//    ERROR is sent. A request that is well formed but cannot be done gets
//    an ERROR and the connection stays;
//  - replies are written in order; while more than kMaxPendingOutput bytes
//    wait to be sent, no further request is read (a client that never reads
//    cannot make the agent buffer without bound);
//  - in a bandwidth session, DATA frames are written as the socket drains;
//    the session ends (END, then the connection closes) when all the bytes
//    asked for are sent and receipted, or when no good receipt has come for
//    receipt_wait ("receipts-stopped"). A session whose connection closes,
//    or sends something bad, ends too. Each ended session is handed to
//    ServiceHandler::EndSession, which settles its last receipt;
//  - nothing arriving for idle_timeout closes the connection.
// At most max_connections are open; one more is closed at once (logged).
//
// Threads: Start and Stop on one controlling thread; everything else on the
// server's own. Stop ends the sessions in progress (so their receipts are
// settled) and closes every connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agent/service_handler.h"
#include "util/result.h"
#include "util/throttled_log.h"

struct event_base;
struct event;
struct evconnlistener;
struct sockaddr;

namespace maillon {

inline constexpr size_t kMaxPendingOutput = 4 * 1024 * 1024;

struct ServiceServerOptions {
    std::string bind_address = "127.0.0.1";  // numeric IPv4 or IPv6
    uint16_t port = 0;                       // 0: an ephemeral port (tests), see Port()
    size_t max_connections = 64;
    std::chrono::seconds idle_timeout{60};
    std::chrono::milliseconds receipt_wait{5000};
};

class ServiceServer {
public:
    ServiceServer(ServiceServerOptions options, ServiceHandler& handler);
    ~ServiceServer();
    ServiceServer(const ServiceServer&) = delete;
    ServiceServer& operator=(const ServiceServer&) = delete;

    // Binds and starts the thread. Errors: "service-bind" (names the address
    // and port, and says when the port is taken), "service-config" (not a
    // numeric address), "service-libevent". On error nothing runs.
    Status Start();
    // Idempotent.
    void Stop();
    uint16_t Port() const { return m_port; }

private:
    class Connection;

    static void OnAccept(evconnlistener* listener, int fd, sockaddr* addr, int len, void* arg);
    static void OnAcceptError(evconnlistener* listener, void* arg);
    static void OnAcceptPauseEnd(int fd, short what, void* arg);
    Status Bind();
    void Accept(int fd, const sockaddr* addr);
    void Forget(Connection* connection);
    std::vector<uint8_t> RandomBytes(size_t n);
    void Free();

    const ServiceServerOptions m_options;
    ServiceHandler& m_handler;
    event_base* m_base = nullptr;
    evconnlistener* m_listener = nullptr;
    event* m_accept_pause = nullptr;
    std::thread m_thread;
    uint16_t m_port = 0;

    // The server's thread only (Stop's after the thread ended).
    std::map<Connection*, std::unique_ptr<Connection>> m_connections;
    uint64_t m_next_id = 1;
    std::mt19937_64 m_random;
    ThrottledLog m_refused{"service", "refused or misbehaving clients"};
};

}  // namespace maillon
