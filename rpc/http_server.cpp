#include "rpc/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "eventloop/support.h"
#include "util/strencodings.h"
#include "util/throttled_log.h"

namespace maillon {

namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr int kEphemeralBindAttempts = 8;

// The client's address as the server sees it (NAT and proxies change it).
std::string PeerName(evhttp_request* req) {
    char* peer = nullptr;
    uint16_t peer_port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &peer_port);
    return peer != nullptr ? peer : "(unknown)";
}

// An authorizer's verdict; an absent one, or one that throws, refuses.
bool Allows(const HttpAuthorizer& authorizer, std::string_view authorization) {
    try {
        return authorizer && authorizer(authorization);
    } catch (const std::exception&) {
        return false;
    }
}

Error BindError(const std::string& addr, uint16_t port, const std::string& what, int err) {
    const std::string where = HostPortText(addr, port);
    if (err == EADDRINUSE) {
        return MakeError("rpc-bind", "cannot listen for RPC on " + where +
                                         ": port already in use (is another maillond running? "
                                         "otherwise choose another RPC port)");
    }
    return MakeError("rpc-bind",
                     "cannot listen for RPC on " + where + ": " + what + ": " + std::strerror(err));
}

}  // namespace

// --- shared state -----------------------------------------------------------

struct HttpServer::Shared {
    struct Work {
        Loop* loop;
        evhttp_request* req;
        std::string body;
    };

    Shared(const HttpServerOptions& o, const HttpAuthorizer& a, const HttpHandler& h,
           const HttpQuickHandler& q, const HttpAuthorizer& r)
        : options(o), authorizer(a), handler(h), quick_handler(q), remembered(r) {}

    const HttpServerOptions& options;
    const HttpAuthorizer& authorizer;
    const HttpHandler& handler;
    const HttpQuickHandler& quick_handler;
    const HttpAuthorizer& remembered;
    std::vector<IpSubnet> allow;

    // Counts connections against max_connections and max_connections_per_ip;
    // false (nothing counted) when `address` may not open one more.
    bool Admit(const std::string& address);
    void Release(const std::string& address);
    std::mutex connections_mutex;
    size_t connections{0};                      // guarded by connections_mutex
    std::map<std::string, size_t> per_address;  // guarded by connections_mutex
    // Set while accepting is paused for want of file descriptors.
    std::atomic<bool> accept_paused{false};

    ThrottledLog failed_logins{"rpc", "failed logins"};
    ThrottledLog refused_connections{"rpc", "refused connections"};
    ThrottledLog timed_out_requests{"rpc", "timed-out requests"};
    ThrottledLog accept_failures{"rpc", "times out of descriptors"};

    // Declared after what the loops use: their destruction closes connections.
    std::vector<std::unique_ptr<Loop>> loops;
    std::vector<std::thread> workers;
    std::atomic<bool> shutting_down{false};  // step (a) of Stop() has begun
    // 401s waiting out kAuthFailureDelay, over all loops (see RejectLater).
    std::atomic<size_t> delayed_rejects{0};

    std::mutex mutex;
    std::condition_variable work_cv;
    std::deque<Work> work;     // guarded by mutex
    bool queue_closed{false};  // guarded by mutex; workers exit once `work` is empty

    void WorkerLoop();
};

bool HttpServer::Shared::Admit(const std::string& address) {
    std::unique_lock lock(connections_mutex);
    size_t& mine = per_address[address];
    if (connections >= options.max_connections || mine >= options.max_connections_per_ip) {
        if (mine == 0) per_address.erase(address);
        return false;
    }
    ++connections;
    ++mine;
    return true;
}

void HttpServer::Shared::Release(const std::string& address) {
    std::unique_lock lock(connections_mutex);
    --connections;
    auto it = per_address.find(address);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
}

// --- one event loop -----------------------------------------------------------

class HttpServer::Loop {
public:
    explicit Loop(Shared& shared) : m_shared(shared) {}
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    // Creates the event base and the evhttp, accepting on a dup() of each
    // listening socket (the caller keeps its own descriptors).
    // `next` takes the turn to accept after this loop; only the first loop of
    // the ring starts with it (`accepting`).
    Status Init(const std::vector<int>& listen_fds, Loop* next, bool accepting);
    Status StartThread();
    void Join();

    // Thread-safe, from any thread.
    // Hands this loop the turn to accept the next connection.
    void PassTurn();
    void PostReply(evhttp_request* req, int status, std::optional<std::string> body);
    // Steps (a) and (c) of Stop(); StopAccepting returns once the listeners
    // are closed.
    void StopAccepting();
    void RequestExit();

private:
    struct Done {
        evhttp_request* req;
        int status;
        std::optional<std::string> body;
    };
    struct DelayedReject {
        Loop* loop;
        evhttp_request* req;
        event* timer;
    };
    // A connection counted by Shared::Admit, until evhttp closes it.
    struct Connection {
        Loop* loop;
        evhttp_connection* conn;
        std::string address;
        event* deadline;      // request_timeout_seconds from a request's first byte
        bool reading{false};  // a request has begun and is not complete yet
    };

    static bufferevent* OnNewConnection(event_base* base, void* arg);
    static void OnAccepted(evutil_socket_t fd, short what, void* arg);
    static void OnAcceptError(evconnlistener* listener, void* arg);
    static void OnAcceptPauseEnd(evutil_socket_t fd, short what, void* arg);
    static void OnInput(evbuffer* buffer, const evbuffer_cb_info* info, void* arg);
    static void OnRequestDeadline(evutil_socket_t fd, short what, void* arg);
    static void OnRequest(evhttp_request* req, void* arg);
    static void OnWake(evutil_socket_t fd, short what, void* arg);
    static void OnRejectTimer(evutil_socket_t fd, short what, void* arg);
    static void OnRequestComplete(evhttp_request* req, void* arg);
    static void OnConnectionClose(evhttp_connection* conn, void* arg);
    static void OnStopDeadline(evutil_socket_t fd, short what, void* arg);

    void AdmitAccepted();
    void PauseAccepting(int error);
    void Forget(evhttp_connection* conn);
    bool PeerAllowed(evhttp_request* req) const;
    void HandleRequest(evhttp_request* req);
    void RejectLater(evhttp_request* req);
    void ProcessWake();
    void SendReply(evhttp_request* req, int status, const std::optional<std::string>& body);
    void SendError(evhttp_request* req, int status, std::string_view text);
    void Track(evhttp_request* req);
    void Untrack(evhttp_connection* conn, bool whole_connection);
    void MaybeExitLoop();
    void Wake();

    // The loop whose thread this is (null on other threads): libevent calls a
    // listener's error callback with evhttp's argument, not ours.
    static thread_local Loop* t_current;

    Shared& m_shared;
    event_base* m_base{nullptr};
    evhttp* m_http{nullptr};
    event* m_wake{nullptr};
    event* m_stop_deadline{nullptr};
    event* m_accepted_event{nullptr};  // runs AdmitAccepted
    event* m_accept_pause{nullptr};    // ends a pause of accepting
    std::vector<evhttp_bound_socket*> m_sockets;
    Loop* m_next{this};  // takes the turn to accept after this one
    std::thread m_thread;

    // Loop thread only.
    std::map<evhttp_connection*, size_t> m_open_requests;
    std::vector<bufferevent*> m_accepted;  // given to evhttp, not admitted yet
    std::map<evhttp_connection*, std::unique_ptr<Connection>> m_connections;
    std::vector<std::unique_ptr<DelayedReject>> m_delayed;
    bool m_exiting{false};

    // Guarded by m_mutex.
    std::mutex m_mutex;
    std::condition_variable m_control_cv;  // StopAccepting waits for the loop thread
    std::deque<Done> m_done;
    bool m_turn{false};            // request to the loop thread: enable the listeners
    bool m_stop_accepting{false};  // request to the loop thread: step (a)
    bool m_accepting_stopped{false};
    bool m_exit_requested{false};  // request to the loop thread: step (c)
};

thread_local HttpServer::Loop* HttpServer::Loop::t_current = nullptr;

HttpServer::Loop::~Loop() {
    // The loop thread is not running here. Pending rejects only exist if the
    // stop deadline expired; their requests belong to connections that
    // evhttp_free releases, so they are not touched.
    for (auto& d : m_delayed)
        event_free(d->timer);
    if (m_stop_deadline != nullptr) event_free(m_stop_deadline);
    if (m_wake != nullptr) event_free(m_wake);
    if (m_http != nullptr) evhttp_free(m_http);  // closes listeners and connections (Forget)
    if (m_accepted_event != nullptr) event_free(m_accepted_event);
    if (m_accept_pause != nullptr) event_free(m_accept_pause);
    if (m_base != nullptr) event_base_free(m_base);
}

Status HttpServer::Loop::Init(const std::vector<int>& listen_fds, Loop* next, bool accepting) {
    m_next = next;
    // Coalesce the event changes evhttp makes for each request (read off,
    // write on, write off, read on) into one epoll_ctl per loop iteration:
    // half of its syscalls. The documented hazard of this flag, descriptors
    // that are dup()s of each other in one base, does not arise: each base
    // holds one duplicate of each listening socket.
    event_config* config = event_config_new();
    if (config != nullptr) {
        event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        m_base = event_base_new_with_config(config);
        event_config_free(config);
    }
    m_http = m_base ? evhttp_new(m_base) : nullptr;
    m_wake = m_base ? event_new(m_base, -1, 0, &Loop::OnWake, this) : nullptr;
    m_accepted_event = m_base ? event_new(m_base, -1, 0, &Loop::OnAccepted, this) : nullptr;
    m_accept_pause = m_base ? evtimer_new(m_base, &Loop::OnAcceptPauseEnd, this) : nullptr;
    if (m_http == nullptr || m_wake == nullptr || m_accepted_event == nullptr ||
        m_accept_pause == nullptr) {
        return MakeError("rpc-libevent", "cannot create the libevent HTTP server");
    }
    const HttpServerOptions& o = m_shared.options;
    evhttp_set_timeout(m_http, o.idle_timeout_seconds);
    evhttp_set_max_body_size(m_http, static_cast<ev_ssize_t>(o.max_body_bytes));
    evhttp_set_max_headers_size(m_http, kMaxHeaderBytes);
    // Read (and drop) an oversized body before answering 413, so that the
    // client is not reset while still sending and does see the reply.
    evhttp_set_flags(m_http, EVHTTP_SERVER_LINGERING_CLOSE);
    // Let every method reach OnRequest, which answers 405 itself.
    evhttp_set_allowed_methods(m_http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                           EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                           EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
                                           EVHTTP_REQ_PATCH);
    evhttp_set_gencb(m_http, &Loop::OnRequest, this);
    evhttp_set_bevcb(m_http, &Loop::OnNewConnection, this);
    for (int fd : listen_fds) {
        // Every loop's evhttp accepts on the same socket; the kernel hands
        // each new connection to one of them.
        const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (own < 0) {
            return MakeError("rpc-libevent", std::string("cannot duplicate the RPC socket: ") +
                                                 std::strerror(errno));
        }
        evhttp_bound_socket* sock = evhttp_accept_socket_with_handle(m_http, own);
        if (sock == nullptr) {
            ::close(own);
            return MakeError("rpc-libevent", "libevent cannot accept on the RPC socket");
        }
        m_sockets.push_back(sock);  // evhttp owns `own` from here on
        evconnlistener* listener = evhttp_bound_socket_get_listener(sock);
        // Without an error callback, libevent logs every failed accept() and
        // retries at once: out of descriptors, that spins and floods stderr.
        evconnlistener_set_error_cb(listener, &Loop::OnAcceptError);
        if (!accepting) evconnlistener_disable(listener);
    }
    return Status::Ok();
}

Status HttpServer::Loop::StartThread() {
    try {
        m_thread = std::thread([this] {
            t_current = this;
            event_base_loop(m_base, EVLOOP_NO_EXIT_ON_EMPTY);
        });
    } catch (const std::system_error& e) {
        return MakeError("rpc-libevent", std::string("cannot start an RPC thread: ") + e.what());
    }
    return Status::Ok();
}

void HttpServer::Loop::Join() {
    if (m_thread.joinable()) m_thread.join();
}

void HttpServer::Loop::Wake() {
    // Thread-safe: event_active takes the base lock and wakes the loop.
    event_active(m_wake, EV_TIMEOUT, 0);
}

void HttpServer::Loop::PassTurn() {
    {
        std::unique_lock lock(m_mutex);
        m_turn = true;
    }
    Wake();
}

void HttpServer::Loop::PostReply(evhttp_request* req, int status, std::optional<std::string> body) {
    {
        std::unique_lock lock(m_mutex);
        m_done.push_back(Done{req, status, std::move(body)});
    }
    Wake();
}

void HttpServer::Loop::StopAccepting() {
    if (!m_thread.joinable()) return;
    {
        std::unique_lock lock(m_mutex);
        m_stop_accepting = true;
    }
    Wake();
    std::unique_lock lock(m_mutex);
    m_control_cv.wait(lock, [this] { return m_accepting_stopped; });
}

void HttpServer::Loop::RequestExit() {
    {
        std::unique_lock lock(m_mutex);
        m_exit_requested = true;
    }
    Wake();
}

bufferevent* HttpServer::Loop::OnNewConnection(event_base* base, void* arg) {
    // Called by evhttp for each connection this loop accepts. The loops take
    // turns, so that connections (keep-alive: the load) spread evenly; with
    // all of them accepting, whichever woke first would take a whole burst.
    // The listener stops its accept loop once disabled here; connections
    // arriving before the next loop's listener is enabled wait in the backlog.
    auto* self = static_cast<Loop*>(arg);
    if (self->m_next != self) {
        for (evhttp_bound_socket* s : self->m_sockets)
            evconnlistener_disable(evhttp_bound_socket_get_listener(s));
        self->m_next->PassTurn();
    }
    self->m_shared.accept_paused = false;  // an episode of failed accept() ends
    bufferevent* bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    // evhttp sets the connection up once this returns, before the loop
    // polls again; AdmitAccepted then counts it (or closes it).
    if (bev != nullptr) {
        self->m_accepted.push_back(bev);
        event_active(self->m_accepted_event, EV_TIMEOUT, 0);
    }
    return bev;
}

void HttpServer::Loop::OnAccepted(evutil_socket_t, short, void* arg) {
    static_cast<Loop*>(arg)->AdmitAccepted();
}

void HttpServer::Loop::AdmitAccepted() {
    const HttpServerOptions& o = m_shared.options;
    for (bufferevent* bev : std::exchange(m_accepted, {})) {
        // evhttp reads through the bufferevent with its connection as the
        // callback argument (libevent 2.1 and later): the only way to reach a
        // connection before its first request.
        bufferevent_data_cb read_cb = nullptr;
        bufferevent_data_cb write_cb = nullptr;
        bufferevent_event_cb event_cb = nullptr;
        void* cb_arg = nullptr;
        bufferevent_getcb(bev, &read_cb, &write_cb, &event_cb, &cb_arg);
        auto* conn = static_cast<evhttp_connection*>(cb_arg);
        if (read_cb == nullptr || conn == nullptr) continue;
        std::string address = AddressText(evhttp_connection_get_addr(conn));
        if (!m_shared.Admit(address)) {
            m_shared.refused_connections.Print(
                "refused an RPC connection from " + address + ": " +
                std::to_string(o.max_connections) + " connections in all (-rpcmaxconnections) or " +
                std::to_string(o.max_connections_per_ip) +
                " from one address (-rpcmaxconnectionsperip) are open");
            evhttp_connection_free(conn);
            continue;
        }
        auto c = std::make_unique<Connection>(
            Connection{this, conn, std::move(address), nullptr, false});
        c->deadline = evtimer_new(m_base, &Loop::OnRequestDeadline, c.get());
        if (c->deadline == nullptr) {
            m_shared.Release(c->address);
            evhttp_connection_free(conn);
            continue;
        }
        evbuffer_add_cb(bufferevent_get_input(bev), &Loop::OnInput, c.get());
        evhttp_connection_set_closecb(conn, &Loop::OnConnectionClose, this);
        m_connections.emplace(conn, std::move(c));
    }
}

void HttpServer::Loop::OnInput(evbuffer*, const evbuffer_cb_info* info, void* arg) {
    // The deadline runs from the first byte of a request (not from the end
    // of the previous one: waiting between requests is idleness, which
    // idle_timeout_seconds bounds) until its headers and body are in.
    auto* c = static_cast<Connection*>(arg);
    if (info->n_added == 0 || c->reading) return;
    c->reading = true;
    const timeval tv{c->loop->m_shared.options.request_timeout_seconds, 0};
    evtimer_add(c->deadline, &tv);
}

void HttpServer::Loop::OnRequestDeadline(evutil_socket_t, short, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    Loop* self = c->loop;
    // A request that is complete is being answered; closing now would free it
    // under a worker. The bytes that armed the deadline were the next one's.
    if (self->m_open_requests.count(c->conn) != 0) {
        c->reading = false;
        return;
    }
    self->m_shared.timed_out_requests.Print(
        "closed the RPC connection of " + c->address + ": its request was not complete after " +
        std::to_string(self->m_shared.options.request_timeout_seconds) + " s (-rpcrequesttimeout)");
    evhttp_connection_free(c->conn);  // calls OnConnectionClose, which frees `c`
}

void HttpServer::Loop::OnAcceptError(evconnlistener*, void*) {
    // The listener's own argument is evhttp's; this runs on the loop thread.
    const int error = EVUTIL_SOCKET_ERROR();
    if (t_current != nullptr) t_current->PauseAccepting(error);
}

void HttpServer::Loop::PauseAccepting(int error) {
    // accept() failed for a reason that retrying at once cannot fix (out of
    // descriptors, mostly): the pending connections wait in the backlog for
    // kAcceptPause while connections close, and the log says so once until
    // an accept succeeds (and at most once a second even if some do).
    for (evhttp_bound_socket* s : m_sockets)
        evconnlistener_disable(evhttp_bound_socket_get_listener(s));
    const timeval tv = ToTimeval(kAcceptPause);
    evtimer_add(m_accept_pause, &tv);
    if (m_shared.accept_paused.exchange(true)) return;
    size_t open = 0;
    {
        std::unique_lock lock(m_shared.connections_mutex);
        open = m_shared.connections;
    }
    m_shared.accept_failures.Print(
        "cannot accept RPC connections: " + std::string(std::strerror(error)) + " (" +
        std::to_string(open) +
        " open); pausing accept() until connections close (if descriptors run "
        "out, raise the limit, ulimit -n, or lower -rpcmaxconnections)");
}

void HttpServer::Loop::OnAcceptPauseEnd(evutil_socket_t, short, void* arg) {
    // Still this loop's turn: only a loop whose listeners are enabled accepts.
    for (evhttp_bound_socket* s : static_cast<Loop*>(arg)->m_sockets)
        evconnlistener_enable(evhttp_bound_socket_get_listener(s));
}

void HttpServer::Loop::Forget(evhttp_connection* conn) {
    auto it = m_connections.find(conn);
    if (it == m_connections.end()) return;
    Connection& c = *it->second;
    evbuffer_remove_cb(bufferevent_get_input(evhttp_connection_get_bufferevent(conn)),
                       &Loop::OnInput, &c);
    event_free(c.deadline);
    m_shared.Release(c.address);
    m_connections.erase(it);
}

void HttpServer::Loop::OnRequest(evhttp_request* req, void* arg) {
    static_cast<Loop*>(arg)->HandleRequest(req);
}

void HttpServer::Loop::OnWake(evutil_socket_t, short, void* arg) {
    static_cast<Loop*>(arg)->ProcessWake();
}

void HttpServer::Loop::OnRequestComplete(evhttp_request* req, void* arg) {
    static_cast<Loop*>(arg)->Untrack(evhttp_request_get_connection(req), false);
}

void HttpServer::Loop::OnConnectionClose(evhttp_connection* conn, void* arg) {
    auto* self = static_cast<Loop*>(arg);
    self->Forget(conn);
    self->Untrack(conn, true);
}

void HttpServer::Loop::OnStopDeadline(evutil_socket_t, short, void* arg) {
    event_base_loopbreak(static_cast<Loop*>(arg)->m_base);
}

void HttpServer::Loop::OnRejectTimer(evutil_socket_t, short, void* arg) {
    auto* d = static_cast<DelayedReject*>(arg);
    Loop* self = d->loop;
    evhttp_add_header(evhttp_request_get_output_headers(d->req), "WWW-Authenticate",
                      "Basic realm=\"jsonrpc\"");
    evhttp_send_reply(d->req, 401, nullptr, nullptr);
    event_free(d->timer);
    --self->m_shared.delayed_rejects;
    auto& v = self->m_delayed;
    v.erase(std::find_if(v.begin(), v.end(), [d](const auto& p) { return p.get() == d; }));
    self->MaybeExitLoop();
}

void HttpServer::Loop::Track(evhttp_request* req) {
    evhttp_connection* conn = evhttp_request_get_connection(req);
    ++m_open_requests[conn];
    // The request is in: its deadline is met.
    if (auto it = m_connections.find(conn); it != m_connections.end()) {
        it->second->reading = false;
        evtimer_del(it->second->deadline);
    }
    // Whichever comes first: the reply fully written, or the connection gone
    // (OnConnectionClose, set when the connection was admitted).
    evhttp_request_set_on_complete_cb(req, &Loop::OnRequestComplete, this);
}

void HttpServer::Loop::Untrack(evhttp_connection* conn, bool whole_connection) {
    auto it = m_open_requests.find(conn);
    if (it != m_open_requests.end() && (whole_connection || --it->second == 0)) {
        m_open_requests.erase(it);
    }
    MaybeExitLoop();
}

void HttpServer::Loop::MaybeExitLoop() {
    if (m_exiting && m_open_requests.empty() && m_delayed.empty()) event_base_loopbreak(m_base);
}

bool HttpServer::Loop::PeerAllowed(evhttp_request* req) const {
    const sockaddr* peer = evhttp_connection_get_addr(evhttp_request_get_connection(req));
    return std::any_of(m_shared.allow.begin(), m_shared.allow.end(),
                       [peer](const IpSubnet& s) { return s.Contains(peer); });
}

void HttpServer::Loop::HandleRequest(evhttp_request* req) {
    Track(req);
    if (!PeerAllowed(req)) {
        // Name the address as the server sees it, so that the operator knows
        // what to add to the allow list.
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        SendError(req, 403, "client address " + PeerName(req) + " is not in the RPC allow list");
        return;
    }
    if (m_shared.shutting_down) {
        SendError(req, 503, "RPC server is shutting down");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
        SendError(req, 405, "JSON-RPC requests must use POST");
        return;
    }
    const char* auth_header =
        evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    const std::string_view auth = auth_header != nullptr ? auth_header : std::string_view();
    // While kMaxDelayedRejects failed logins wait out their delay, no new
    // credentials are checked: that bounds guessing to that many tries per
    // kAuthFailureDelay, however many connections a client opens. Headers
    // that were accepted before are still served.
    if (m_shared.delayed_rejects.load() >= kMaxDelayedRejects) {
        if (!Allows(m_shared.remembered, auth)) {
            SendError(req, 503,
                      "too many failed RPC logins in progress; retry in a second, with the right "
                      "credentials");
            return;
        }
    } else if (!Allows(m_shared.authorizer, auth)) {
        m_shared.failed_logins.Print("incorrect or missing RPC credentials from " + PeerName(req));
        RejectLater(req);
        return;
    }
    // JSON-RPC lives at "/" only (a query string is ignored), so that a
    // mistyped endpoint is an error rather than silently the same thing.
    const std::string_view uri = evhttp_request_get_uri(req);
    const std::string_view path = uri.substr(0, uri.find('?'));
    if (path != "/") {
        SendError(req, 404, "no such endpoint " + QuoteEcho(path) + "; JSON-RPC is served at /");
        return;
    }

    evbuffer* in = evhttp_request_get_input_buffer(req);
    const size_t size = evbuffer_get_length(in);
    // One contiguous view of the body, without a copy when it arrived in one piece.
    const auto* data = reinterpret_cast<const char*>(evbuffer_pullup(in, -1));
    const std::string_view body(data, data != nullptr ? size : 0);
    if (m_shared.quick_handler) {
        std::optional<std::string> reply;
        bool answered = false;
        try {
            answered = m_shared.quick_handler(body, reply);
        } catch (const std::exception& e) {
            SendError(req, 500, std::string("internal error: ") + e.what());
            return;
        } catch (...) {
            SendError(req, 500, "internal error");
            return;
        }
        if (answered) {
            SendReply(req, reply ? 200 : 204, reply);
            return;
        }
    }
    {
        std::unique_lock lock(m_shared.mutex);
        if (m_shared.work.size() < m_shared.options.work_queue_depth) {
            m_shared.work.push_back(Shared::Work{this, req, std::string(body)});
            lock.unlock();
            m_shared.work_cv.notify_one();
            return;
        }
    }
    SendError(req, 503, "RPC work queue is full, retry later");
}

void HttpServer::Loop::RejectLater(evhttp_request* req) {
    auto d = std::make_unique<DelayedReject>(DelayedReject{this, req, nullptr});
    d->timer = evtimer_new(m_base, &Loop::OnRejectTimer, d.get());
    const timeval tv = ToTimeval(kAuthFailureDelay);
    if (d->timer == nullptr || evtimer_add(d->timer, &tv) != 0) {
        if (d->timer != nullptr) event_free(d->timer);
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                          "Basic realm=\"jsonrpc\"");
        evhttp_send_reply(req, 401, nullptr, nullptr);
        return;
    }
    m_delayed.push_back(std::move(d));
    ++m_shared.delayed_rejects;
}

void HttpServer::Loop::ProcessWake() {
    std::deque<Done> done;
    bool turn = false;
    bool stop_accepting = false;
    bool exit_requested = false;
    {
        std::unique_lock lock(m_mutex);
        done.swap(m_done);
        turn = std::exchange(m_turn, false);
        stop_accepting = m_stop_accepting && !m_accepting_stopped;
        exit_requested = m_exit_requested;
    }
    for (Done& d : done)
        SendReply(d.req, d.status, d.body);
    if (turn) {
        for (evhttp_bound_socket* s : m_sockets)
            evconnlistener_enable(evhttp_bound_socket_get_listener(s));
    }
    if (stop_accepting) {
        for (evhttp_bound_socket* s : m_sockets)
            evhttp_del_accept_socket(m_http, s);
        m_sockets.clear();
        {
            std::unique_lock lock(m_mutex);
            m_accepting_stopped = true;
        }
        m_control_cv.notify_all();
    }
    if (exit_requested && !m_exiting) {
        m_exiting = true;
        m_stop_deadline = evtimer_new(m_base, &Loop::OnStopDeadline, this);
        const timeval tv{kStopGraceSeconds, 0};
        if (m_stop_deadline == nullptr || evtimer_add(m_stop_deadline, &tv) != 0) {
            event_base_loopbreak(m_base);
            return;
        }
        MaybeExitLoop();
    }
}

void HttpServer::Loop::SendReply(evhttp_request* req, int status,
                                 const std::optional<std::string>& body) {
    if (status == 500) {
        SendError(req, 500, body ? *body : "internal error");
        return;
    }
    if (body) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                          "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(req), body->data(), body->size());
    }
    evhttp_send_reply(req, status, nullptr, nullptr);
}

void HttpServer::Loop::SendError(evhttp_request* req, int status, std::string_view text) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; charset=utf-8");
    evbuffer* out = evhttp_request_get_output_buffer(req);
    evbuffer_add(out, text.data(), text.size());
    evbuffer_add(out, "\n", 1);
    evhttp_send_reply(req, status, nullptr, nullptr);
}

// --- workers ----------------------------------------------------------------

void HttpServer::Shared::WorkerLoop() {
    for (;;) {
        Work w{nullptr, nullptr, {}};
        {
            std::unique_lock lock(mutex);
            work_cv.wait(lock, [this] { return !work.empty() || queue_closed; });
            if (work.empty()) return;
            w = std::move(work.front());
            work.pop_front();
        }
        int status = 200;
        std::optional<std::string> body;
        try {
            body = handler(w.body);
            status = body ? 200 : 204;
        } catch (const std::exception& e) {
            status = 500;
            body = std::string("internal error: ") + e.what();
        } catch (...) {
            status = 500;
            body = "internal error";
        }
        w.loop->PostReply(w.req, status, std::move(body));
    }
}

// --- HttpServer -------------------------------------------------------------

HttpServer::HttpServer(HttpServerOptions options, HttpAuthorizer authorizer, HttpHandler handler,
                       HttpQuickHandler quick_handler, HttpAuthorizer remembered)
    : m_options(std::move(options)),
      m_authorizer(std::move(authorizer)),
      m_handler(std::move(handler)),
      m_quick_handler(std::move(quick_handler)),
      m_remembered(std::move(remembered)) {}

HttpServer::~HttpServer() {
    Stop();
    for (int fd : m_listen_fds)  // bound, never started
        ::close(fd);
}

Status HttpServer::CheckOptions() const {
    if (!m_authorizer || !m_handler) {
        return MakeError("rpc-config", "RPC server needs an authorizer and a handler");
    }
    if (m_options.io_threads == 0 || m_options.worker_threads == 0 ||
        m_options.work_queue_depth == 0 || m_options.max_body_bytes == 0 ||
        m_options.idle_timeout_seconds <= 0 || m_options.request_timeout_seconds <= 0 ||
        m_options.max_connections == 0 || m_options.max_connections_per_ip == 0) {
        return MakeError("rpc-config",
                         "RPC I/O threads, worker threads, work queue depth, maximum body size, "
                         "timeouts and connection limits must all be positive");
    }
    for (const std::string& entry : m_options.allow_ips) {
        auto subnet = IpSubnet::Parse(entry);
        if (!subnet) return subnet.error();
    }
    if (m_options.allow_ips.empty()) {
        return MakeError("rpc-config",
                         "the RPC allow list is empty, so no client could connect (allow at "
                         "least 127.0.0.0/8 and ::1)");
    }
    return Status::Ok();
}

Status HttpServer::Bind() {
    if (m_shared) return MakeError("rpc-config", "RPC server already started");
    if (!m_listen_fds.empty()) return Status::Ok();
    Status st = CheckOptions();
    if (!st) return st;
    return BindSockets();
}

Status HttpServer::BindSockets() {
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
    if (m_shared) return MakeError("rpc-config", "RPC server already started");
    Status st = CheckOptions();
    if (!st) return st;
    // A client that resets its connection before its reply is written would
    // otherwise kill the process with SIGPIPE from inside libevent's writev.
    std::signal(SIGPIPE, SIG_IGN);
    auto shared =
        std::make_unique<Shared>(m_options, m_authorizer, m_handler, m_quick_handler, m_remembered);
    for (const std::string& entry : m_options.allow_ips)
        shared->allow.push_back(*IpSubnet::Parse(entry));  // CheckOptions parsed each
    EnableLibeventThreads();
    if (m_listen_fds.empty()) st = BindSockets();
    for (size_t i = 0; i < m_options.io_threads; ++i)
        shared->loops.push_back(std::make_unique<Loop>(*shared));
    for (size_t i = 0; st && i < m_options.io_threads; ++i) {
        Loop* next = shared->loops[(i + 1) % m_options.io_threads].get();
        st = shared->loops[i]->Init(m_listen_fds, next, i == 0);
    }
    // Each loop accepts on its own duplicate.
    for (int fd : m_listen_fds)
        ::close(fd);
    m_listen_fds.clear();
    if (!st) {
        m_bound.clear();
        return st;
    }
    m_shared = std::move(shared);
    for (auto& loop : m_shared->loops) {
        if (st) st = loop->StartThread();
    }
    try {
        for (size_t i = 0; st && i < m_options.worker_threads; ++i)
            m_shared->workers.emplace_back([s = m_shared.get()] { s->WorkerLoop(); });
    } catch (const std::system_error& e) {
        st = MakeError("rpc-libevent", std::string("cannot start an RPC thread: ") + e.what());
    }
    if (!st) {
        Stop();
        m_bound.clear();
    }
    return st;
}

void HttpServer::Stop() {
    if (!m_shared) return;
    Shared& s = *m_shared;
    s.shutting_down = true;
    for (auto& loop : s.loops)
        loop->StopAccepting();
    {
        std::unique_lock lock(s.mutex);
        s.queue_closed = true;
    }
    s.work_cv.notify_all();
    for (std::thread& t : s.workers)
        t.join();
    for (auto& loop : s.loops)
        loop->RequestExit();
    for (auto& loop : s.loops)
        loop->Join();
    m_shared.reset();
}

}  // namespace maillon
