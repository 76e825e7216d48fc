#include "rpc/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

namespace maillon {

namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr int kEphemeralBindAttempts = 8;

void EnableLibeventThreads() {
    static std::once_flag once;
    std::call_once(once, [] { evthread_use_pthreads(); });
}

Error BindError(const std::string& addr, uint16_t port, const std::string& what, int err) {
    const std::string where = (addr.find(':') != std::string::npos ? "[" + addr + "]" : addr) +
                              ":" + std::to_string(port);
    if (err == EADDRINUSE) {
        return MakeError("rpc-bind", "cannot listen for RPC on " + where +
                                         ": port already in use (is another maillond running? "
                                         "otherwise choose another RPC port)");
    }
    return MakeError("rpc-bind",
                     "cannot listen for RPC on " + where + ": " + what + ": " + std::strerror(err));
}

bool PrefixEqual(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b,
                 unsigned prefix) {
    for (unsigned i = 0; i < prefix / 8; ++i) {
        if (a[i] != b[i]) return false;
    }
    if (prefix % 8 == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - prefix % 8));
    return (a[prefix / 8] & mask) == (b[prefix / 8] & mask);
}

bool IsV4Mapped(const uint8_t* a) {
    static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(a, kPrefix, sizeof(kPrefix)) == 0;
}

}  // namespace

// --- IpSubnet ---------------------------------------------------------------

Result<IpSubnet> IpSubnet::Parse(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return MakeError("rpc-config", "RPC allow-list entry \"" + std::string(text) + "\" " + why +
                                           " (expected an IPv4 or IPv6 address or subnet, "
                                           "e.g. 192.168.1.0/24, 10.0.0.5, fd00::/8, ::1)");
    };
    const size_t slash = text.find('/');
    const std::string addr(text.substr(0, slash));
    if (addr.find('\0') != std::string::npos) return bad("contains a NUL character");

    IpSubnet s;
    unsigned max_prefix = 0;
    in_addr v4{};
    in6_addr v6{};
    if (::inet_pton(AF_INET, addr.c_str(), &v4) == 1) {
        std::memcpy(s.m_network.data(), &v4, 4);
        max_prefix = 32;
    } else if (::inet_pton(AF_INET6, addr.c_str(), &v6) == 1) {
        s.m_ipv6 = true;
        std::memcpy(s.m_network.data(), &v6, 16);
        max_prefix = 128;
    } else {
        return bad("is not a numeric address");
    }
    s.m_prefix = max_prefix;
    if (slash != std::string_view::npos) {
        const std::string_view len = text.substr(slash + 1);
        const bool digits =
            !len.empty() && len.size() <= 3 &&
            std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; });
        unsigned value = 0;
        for (char c : len)
            value = value * 10 + static_cast<unsigned>(c - '0');
        if (!digits || value > max_prefix) {
            return bad("has a bad prefix length (after '/': 0 to " + std::to_string(max_prefix) +
                       ")");
        }
        s.m_prefix = value;
    }
    if (s.m_ipv6 && s.m_prefix >= 96 && IsV4Mapped(s.m_network.data())) {
        // "::ffff:a.b.c.d/n" denotes IPv4 peers, which are matched as IPv4.
        std::memmove(s.m_network.data(), s.m_network.data() + 12, 4);
        s.m_ipv6 = false;
        s.m_prefix -= 96;
    }
    const size_t used = s.m_ipv6 ? 16 : 4;
    for (size_t i = 0; i < s.m_network.size(); ++i) {
        const unsigned first_bit = static_cast<unsigned>(i) * 8;
        if (i >= used || first_bit >= s.m_prefix) {
            s.m_network[i] = 0;
        } else if (s.m_prefix - first_bit < 8) {
            s.m_network[i] &= static_cast<uint8_t>(0xff << (8 - (s.m_prefix - first_bit)));
        }
    }
    return s;
}

bool IpSubnet::Contains(const sockaddr* addr) const {
    if (addr == nullptr) return false;
    std::array<uint8_t, 16> bytes{};
    bool ipv6 = false;
    if (addr->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof(in));
        std::memcpy(bytes.data(), &in.sin_addr, 4);
    } else if (addr->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof(in6));
        const auto* raw = reinterpret_cast<const uint8_t*>(&in6.sin6_addr);
        if (IsV4Mapped(raw)) {
            std::memcpy(bytes.data(), raw + 12, 4);
        } else {
            std::memcpy(bytes.data(), raw, 16);
            ipv6 = true;
        }
    } else {
        return false;
    }
    return ipv6 == m_ipv6 && PrefixEqual(bytes, m_network, m_prefix);
}

bool IpSubnet::Contains(std::string_view numeric_address) const {
    const std::string text(numeric_address);
    if (text.find('\0') != std::string::npos) return false;
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    if (::inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        return Contains(reinterpret_cast<const sockaddr*>(&v4));
    }
    if (::inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        return Contains(reinterpret_cast<const sockaddr*>(&v6));
    }
    return false;
}

std::string IpSubnet::ToString() const {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(m_ipv6 ? AF_INET6 : AF_INET, m_network.data(), buf, sizeof(buf));
    return std::string(buf) + "/" + std::to_string(m_prefix);
}

// --- HttpServer -------------------------------------------------------------

struct HttpServer::DelayedReject {
    HttpServer* server;
    evhttp_request* req;
    event* timer;
};

HttpServer::HttpServer(HttpServerOptions options, HttpAuthorizer authorizer, HttpHandler handler)
    : m_options(std::move(options)),
      m_authorizer(std::move(authorizer)),
      m_handler(std::move(handler)) {}

HttpServer::~HttpServer() {
    Stop();
}

Status HttpServer::Bind() {
    for (int attempt = 0; attempt < kEphemeralBindAttempts; ++attempt) {
        for (int fd : m_listen_fds)
            ::close(fd);
        m_listen_fds.clear();
        m_bound.clear();
        m_port = m_options.port;
        bool retry = false;
        std::optional<Error> ipv6_unavailable;

        for (const std::string& addr : m_options.bind_addresses) {
            sockaddr_storage ss{};
            socklen_t len = 0;
            auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
            auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
            if (::inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
                v4->sin_family = AF_INET;
                v4->sin_port = htons(m_port);
                len = sizeof(*v4);
            } else if (::inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
                v6->sin6_family = AF_INET6;
                v6->sin6_port = htons(m_port);
                len = sizeof(*v6);
            } else {
                return MakeError("rpc-config", "RPC bind address \"" + addr +
                                                   "\" is not a numeric IPv4 or IPv6 address");
            }
            const bool is_v6 = ss.ss_family == AF_INET6;

            const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                const int err = errno;
                if (is_v6 && err == EAFNOSUPPORT) {
                    ipv6_unavailable = BindError(addr, m_port, "no IPv6 support", err);
                    continue;
                }
                return BindError(addr, m_port, "socket", err);
            }
            const int one = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (is_v6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
            if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
                const int err = errno;
                ::close(fd);
                if (is_v6 && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) {
                    ipv6_unavailable = BindError(addr, m_port, "bind", err);
                    continue;
                }
                if (err == EADDRINUSE && m_options.port == 0 && !m_listen_fds.empty()) {
                    retry = true;  // the ephemeral port of the first address is taken here
                    break;
                }
                return BindError(addr, m_port, "bind", err);
            }
            if (::listen(fd, SOMAXCONN) != 0) {
                const int err = errno;
                ::close(fd);
                return BindError(addr, m_port, "listen", err);
            }
            if (m_port == 0) {
                sockaddr_storage actual{};
                socklen_t actual_len = sizeof(actual);
                if (::getsockname(fd, reinterpret_cast<sockaddr*>(&actual), &actual_len) != 0) {
                    const int err = errno;
                    ::close(fd);
                    return BindError(addr, m_port, "getsockname", err);
                }
                m_port = ntohs(actual.ss_family == AF_INET6
                                   ? reinterpret_cast<sockaddr_in6*>(&actual)->sin6_port
                                   : reinterpret_cast<sockaddr_in*>(&actual)->sin_port);
            }
            m_listen_fds.push_back(fd);
            m_bound.push_back(addr);
        }
        if (retry) continue;
        if (m_listen_fds.empty()) {
            if (ipv6_unavailable) return *ipv6_unavailable;
            return MakeError("rpc-config", "no RPC bind address configured");
        }
        return Status::Ok();
    }
    return MakeError("rpc-bind", "cannot find a free ephemeral port for every RPC bind address");
}

Status HttpServer::Start() {
    if (m_running) return MakeError("rpc-config", "RPC server already started");
    if (!m_authorizer || !m_handler) {
        return MakeError("rpc-config", "RPC server needs an authorizer and a handler");
    }
    if (m_options.worker_threads == 0 || m_options.work_queue_depth == 0 ||
        m_options.max_body_bytes == 0 || m_options.idle_timeout_seconds <= 0) {
        return MakeError("rpc-config",
                         "RPC worker threads, work queue depth, maximum body size and timeout "
                         "must all be positive");
    }
    m_allow.clear();
    for (const std::string& entry : m_options.allow_ips) {
        auto subnet = IpSubnet::Parse(entry);
        if (!subnet) return subnet.error();
        m_allow.push_back(*subnet);
    }
    if (m_allow.empty()) {
        return MakeError("rpc-config",
                         "the RPC allow list is empty, so no client could connect (allow at "
                         "least 127.0.0.0/8 and ::1)");
    }
    EnableLibeventThreads();

    if (Status st = Bind(); !st) {
        for (int fd : m_listen_fds)
            ::close(fd);
        m_listen_fds.clear();
        m_bound.clear();
        return st;
    }

    m_base = event_base_new();
    m_http = m_base ? evhttp_new(m_base) : nullptr;
    m_wake = m_base ? event_new(m_base, -1, 0, &HttpServer::OnWake, this) : nullptr;
    if (m_http == nullptr || m_wake == nullptr) {
        FreeLibevent();
        return MakeError("rpc-libevent", "cannot create the libevent HTTP server");
    }
    evhttp_set_timeout(m_http, m_options.idle_timeout_seconds);
    evhttp_set_max_body_size(m_http, static_cast<ev_ssize_t>(m_options.max_body_bytes));
    evhttp_set_max_headers_size(m_http, kMaxHeaderBytes);
    // Read (and drop) an oversized body before answering 413, so that the
    // client is not reset while still sending and does see the reply.
    evhttp_set_flags(m_http, EVHTTP_SERVER_LINGERING_CLOSE);
    // Let every method reach OnRequest, which answers 405 itself.
    evhttp_set_allowed_methods(m_http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                           EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                           EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
                                           EVHTTP_REQ_PATCH);
    evhttp_set_gencb(m_http, &HttpServer::OnRequest, this);

    for (size_t i = 0; i < m_listen_fds.size(); ++i) {
        evhttp_bound_socket* sock = evhttp_accept_socket_with_handle(m_http, m_listen_fds[i]);
        if (sock == nullptr) {
            const std::string addr = m_bound[i];
            // Descriptors before i belong to evhttp now; FreeLibevent closes the rest.
            m_listen_fds.erase(m_listen_fds.begin(), m_listen_fds.begin() + i);
            FreeLibevent();
            return MakeError("rpc-libevent", "libevent cannot accept on " + addr);
        }
        m_sockets.push_back(sock);  // evhttp owns the descriptor from here on
    }
    m_listen_fds.clear();

    m_queue_closed = m_stop_accepting = m_accepting_stopped = m_exit_requested = false;
    m_accept_closed = m_exiting = false;
    m_loop_thread = std::thread([this] { event_base_loop(m_base, EVLOOP_NO_EXIT_ON_EMPTY); });
    for (size_t i = 0; i < m_options.worker_threads; ++i) {
        m_workers.emplace_back([this] { WorkerLoop(); });
    }
    m_running = true;
    return Status::Ok();
}

void HttpServer::Stop() {
    if (!m_running) return;
    {
        std::unique_lock lock(m_mutex);
        m_stop_accepting = true;
    }
    Wake();
    {
        std::unique_lock lock(m_mutex);
        m_control_cv.wait(lock, [this] { return m_accepting_stopped; });
        m_queue_closed = true;
    }
    m_work_cv.notify_all();
    for (std::thread& t : m_workers)
        t.join();
    m_workers.clear();
    {
        std::unique_lock lock(m_mutex);
        m_exit_requested = true;
    }
    Wake();
    m_loop_thread.join();
    FreeLibevent();
    m_running = false;
}

void HttpServer::FreeLibevent() {
    // The loop thread is not running here. Pending rejects only exist if the
    // stop deadline expired; their requests belong to connections that
    // evhttp_free releases, so they are not touched.
    for (auto& d : m_delayed)
        event_free(d->timer);
    m_delayed.clear();
    if (m_stop_deadline != nullptr) event_free(m_stop_deadline);
    m_stop_deadline = nullptr;
    if (m_wake != nullptr) event_free(m_wake);
    m_wake = nullptr;
    if (m_http != nullptr) evhttp_free(m_http);  // closes listeners and connections
    m_http = nullptr;
    m_sockets.clear();
    if (m_base != nullptr) event_base_free(m_base);
    m_base = nullptr;
    m_open_requests.clear();
    for (int fd : m_listen_fds)
        ::close(fd);  // bound but never handed to evhttp
    m_listen_fds.clear();
    std::unique_lock lock(m_mutex);
    m_work.clear();
    m_done.clear();
}

void HttpServer::Wake() {
    // Thread-safe: event_active takes the base lock and wakes the loop.
    event_active(m_wake, EV_TIMEOUT, 0);
}

// --- loop thread ------------------------------------------------------------

void HttpServer::OnRequest(evhttp_request* req, void* arg) {
    static_cast<HttpServer*>(arg)->HandleRequest(req);
}

void HttpServer::OnWake(int, short, void* arg) {
    static_cast<HttpServer*>(arg)->ProcessWake();
}

void HttpServer::OnRequestComplete(evhttp_request* req, void* arg) {
    static_cast<HttpServer*>(arg)->Untrack(evhttp_request_get_connection(req), false);
}

void HttpServer::OnConnectionClose(evhttp_connection* conn, void* arg) {
    static_cast<HttpServer*>(arg)->Untrack(conn, true);
}

void HttpServer::OnStopDeadline(int, short, void* arg) {
    event_base_loopbreak(static_cast<HttpServer*>(arg)->m_base);
}

void HttpServer::OnRejectTimer(int, short, void* arg) {
    auto* d = static_cast<DelayedReject*>(arg);
    HttpServer* self = d->server;
    evhttp_add_header(evhttp_request_get_output_headers(d->req), "WWW-Authenticate",
                      "Basic realm=\"jsonrpc\"");
    evhttp_send_reply(d->req, 401, nullptr, nullptr);
    event_free(d->timer);
    auto& v = self->m_delayed;
    v.erase(std::find_if(v.begin(), v.end(), [d](const auto& p) { return p.get() == d; }));
    self->MaybeExitLoop();
}

void HttpServer::Track(evhttp_request* req) {
    evhttp_connection* conn = evhttp_request_get_connection(req);
    ++m_open_requests[conn];
    // Whichever comes first: the reply fully written, or the connection gone.
    evhttp_connection_set_closecb(conn, &HttpServer::OnConnectionClose, this);
    evhttp_request_set_on_complete_cb(req, &HttpServer::OnRequestComplete, this);
}

void HttpServer::Untrack(evhttp_connection* conn, bool whole_connection) {
    auto it = m_open_requests.find(conn);
    if (it != m_open_requests.end() && (whole_connection || --it->second == 0)) {
        m_open_requests.erase(it);
    }
    MaybeExitLoop();
}

void HttpServer::MaybeExitLoop() {
    if (m_exiting && m_open_requests.empty() && m_delayed.empty()) event_base_loopbreak(m_base);
}

bool HttpServer::PeerAllowed(evhttp_request* req) const {
    const sockaddr* peer = evhttp_connection_get_addr(evhttp_request_get_connection(req));
    return std::any_of(m_allow.begin(), m_allow.end(),
                       [peer](const IpSubnet& s) { return s.Contains(peer); });
}

void HttpServer::HandleRequest(evhttp_request* req) {
    Track(req);
    if (!PeerAllowed(req)) {
        // Name the address as the server sees it, so that the operator knows
        // what to add to the allow list (NAT and proxies change it).
        char* peer = nullptr;
        uint16_t peer_port = 0;
        evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &peer_port);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        SendError(req, 403,
                  "client address " + std::string(peer != nullptr ? peer : "(unknown)") +
                      " is not in the RPC allow list");
        return;
    }
    if (m_accept_closed) {
        SendError(req, 503, "RPC server is shutting down");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
        SendError(req, 405, "JSON-RPC requests must use POST");
        return;
    }
    const char* auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    bool allowed = false;
    try {
        allowed = m_authorizer(auth != nullptr ? std::string_view(auth) : std::string_view());
    } catch (const std::exception&) {
        allowed = false;
    }
    if (!allowed) {
        auto d = std::make_unique<DelayedReject>(DelayedReject{this, req, nullptr});
        d->timer = evtimer_new(m_base, &HttpServer::OnRejectTimer, d.get());
        const auto ms = kAuthFailureDelay.count();
        const timeval tv{static_cast<time_t>(ms / 1000),
                         static_cast<suseconds_t>(ms % 1000 * 1000)};
        if (d->timer == nullptr || evtimer_add(d->timer, &tv) != 0) {
            if (d->timer != nullptr) event_free(d->timer);
            evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                              "Basic realm=\"jsonrpc\"");
            evhttp_send_reply(req, 401, nullptr, nullptr);
            return;
        }
        m_delayed.push_back(std::move(d));
        return;
    }

    evbuffer* in = evhttp_request_get_input_buffer(req);
    std::string body(evbuffer_get_length(in), '\0');
    if (!body.empty()) evbuffer_copyout(in, body.data(), body.size());
    {
        std::unique_lock lock(m_mutex);
        if (m_work.size() < m_options.work_queue_depth) {
            m_work.push_back(Work{req, std::move(body)});
            lock.unlock();
            m_work_cv.notify_one();
            return;
        }
    }
    SendError(req, 503, "RPC work queue is full, retry later");
}

void HttpServer::ProcessWake() {
    std::deque<Done> done;
    bool stop_accepting = false;
    bool exit_requested = false;
    {
        std::unique_lock lock(m_mutex);
        done.swap(m_done);
        stop_accepting = m_stop_accepting && !m_accepting_stopped;
        exit_requested = m_exit_requested;
    }
    for (Done& d : done) {
        if (d.status == 500) {
            SendError(d.req, 500, d.body ? *d.body : "internal error");
        } else {
            SendReply(d.req, d.status, d.body ? &*d.body : nullptr);
        }
    }
    if (stop_accepting) {
        for (evhttp_bound_socket* s : m_sockets)
            evhttp_del_accept_socket(m_http, s);
        m_sockets.clear();
        m_accept_closed = true;
        {
            std::unique_lock lock(m_mutex);
            m_accepting_stopped = true;
        }
        m_control_cv.notify_all();
    }
    if (exit_requested && !m_exiting) {
        m_exiting = true;
        m_stop_deadline = evtimer_new(m_base, &HttpServer::OnStopDeadline, this);
        const timeval tv{kStopGraceSeconds, 0};
        if (m_stop_deadline == nullptr || evtimer_add(m_stop_deadline, &tv) != 0) {
            event_base_loopbreak(m_base);
            return;
        }
        MaybeExitLoop();
    }
}

void HttpServer::SendReply(evhttp_request* req, int status, const std::string* body) {
    if (body != nullptr) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                          "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(req), body->data(), body->size());
    }
    evhttp_send_reply(req, status, nullptr, nullptr);
}

void HttpServer::SendError(evhttp_request* req, int status, std::string_view text) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; charset=utf-8");
    evbuffer* out = evhttp_request_get_output_buffer(req);
    evbuffer_add(out, text.data(), text.size());
    evbuffer_add(out, "\n", 1);
    evhttp_send_reply(req, status, nullptr, nullptr);
}

// --- worker threads ---------------------------------------------------------

void HttpServer::WorkerLoop() {
    for (;;) {
        Work work{nullptr, {}};
        {
            std::unique_lock lock(m_mutex);
            m_work_cv.wait(lock, [this] { return !m_work.empty() || m_queue_closed; });
            if (m_work.empty()) return;
            work = std::move(m_work.front());
            m_work.pop_front();
        }
        Done done{work.req, 200, std::nullopt};
        try {
            done.body = m_handler(work.body);
            done.status = done.body ? 200 : 204;
        } catch (const std::exception& e) {
            done.status = 500;
            done.body = std::string("internal error: ") + e.what();
        } catch (...) {
            done.status = 500;
            done.body = "internal error";
        }
        {
            std::unique_lock lock(m_mutex);
            m_done.push_back(std::move(done));
        }
        Wake();
    }
}

}  // namespace maillon
