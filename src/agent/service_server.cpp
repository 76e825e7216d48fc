#include "agent/service_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <system_error>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "eventloop/support.h"
#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

// DATA is written while less than this waits in the socket's output, and
// more once it drains below kOutputLowWater.
constexpr size_t kOutputHighWater = 256 * 1024;
constexpr size_t kOutputLowWater = 64 * 1024;
constexpr std::chrono::milliseconds kAcceptPause{250};

}  // namespace

// --- one connection ---------------------------------------------------------

class ServiceServer::Connection {
public:
    Connection(ServiceServer& server, uint64_t id, bufferevent* bev, std::string peer);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool Start();
    // The server stops: a session in progress ends and is settled.
    void Shutdown();

private:
    static void OnRead(bufferevent* bev, void* arg);
    static void OnWrite(bufferevent* bev, void* arg);
    static void OnEvent(bufferevent* bev, short what, void* arg);
    static void OnReceiptWait(int fd, short what, void* arg);
    static void OnClose(int fd, short what, void* arg);

    void ReadFrames();
    bool ReadFrame();
    void Dispatch(const ServiceMessage& message);
    void DispatchInSession(const ServiceMessage& message);
    void StartSession(const BandwidthRequest& request);
    void Pump();
    void EndSession(const std::string& why, bool tell);
    void Send(const ServiceMessage& message);
    void Misbehaved(const Error& error);
    void CloseAfterFlush();
    void Closed();  // the peer is gone: frees this

    ServiceServer& m_server;
    const uint64_t m_id;
    bufferevent* m_bev;
    const std::string m_peer;
    event* m_receipt_wait = nullptr;
    event* m_close = nullptr;
    std::optional<BandwidthSession> m_session;
    bool m_closing = false;
};

ServiceServer::Connection::Connection(ServiceServer& server, uint64_t id, bufferevent* bev,
                                      std::string peer)
    : m_server(server), m_id(id), m_bev(bev), m_peer(std::move(peer)) {}

ServiceServer::Connection::~Connection() {
    if (m_receipt_wait != nullptr) event_free(m_receipt_wait);
    if (m_close != nullptr) event_free(m_close);
    bufferevent_free(m_bev);  // closes the socket
}

bool ServiceServer::Connection::Start() {
    event_base* base = bufferevent_get_base(m_bev);
    m_receipt_wait = evtimer_new(base, &Connection::OnReceiptWait, this);
    m_close = event_new(base, -1, 0, &Connection::OnClose, this);
    if (m_receipt_wait == nullptr || m_close == nullptr) return false;
    bufferevent_setcb(m_bev, &Connection::OnRead, &Connection::OnWrite, &Connection::OnEvent, this);
    // Reading stops once the largest frame is buffered.
    bufferevent_setwatermark(m_bev, EV_READ, 0, kFrameHeaderSize + kMaxFrameBody);
    bufferevent_setwatermark(m_bev, EV_WRITE, kOutputLowWater, 0);
    const timeval idle = ToTimeval(m_server.m_options.idle_timeout);
    bufferevent_set_timeouts(m_bev, &idle, &idle);
    return bufferevent_enable(m_bev, EV_READ | EV_WRITE) == 0;
}

void ServiceServer::Connection::OnRead(bufferevent*, void* arg) {
    static_cast<Connection*>(arg)->ReadFrames();
}

void ServiceServer::Connection::OnWrite(bufferevent*, void* arg) {
    auto* self = static_cast<Connection*>(arg);
    if (self->m_closing) {
        if (evbuffer_get_length(bufferevent_get_output(self->m_bev)) == 0)
            event_active(self->m_close, EV_TIMEOUT, 0);
        return;
    }
    self->Pump();
    self->ReadFrames();  // requests held back while replies waited
}

void ServiceServer::Connection::OnEvent(bufferevent*, short what, void* arg) {
    auto* self = static_cast<Connection*>(arg);
    if ((what & BEV_EVENT_TIMEOUT) && !self->m_closing) {
        self->m_server.m_refused.Print(
            "closed the service connection of " + self->m_peer +
            ": nothing arrived or could be sent for " +
            std::to_string(self->m_server.m_options.idle_timeout.count()) + " s");
    }
    self->Closed();  // EOF, an error, a timeout: the connection is over
}

void ServiceServer::Connection::OnReceiptWait(int, short, void* arg) {
    static_cast<Connection*>(arg)->EndSession("receipts-stopped", true);
}

void ServiceServer::Connection::OnClose(int, short, void* arg) {
    static_cast<Connection*>(arg)->Closed();
}

void ServiceServer::Connection::ReadFrames() {
    while (!m_closing && evbuffer_get_length(bufferevent_get_output(m_bev)) <= kMaxPendingOutput &&
           ReadFrame()) {
    }
}

// One whole frame from the input, dispatched; false when none is there yet
// (or the connection is closing).
bool ServiceServer::Connection::ReadFrame() {
    evbuffer* in = bufferevent_get_input(m_bev);
    std::array<uint8_t, kFrameHeaderSize> head;
    if (evbuffer_copyout(in, head.data(), head.size()) != static_cast<ev_ssize_t>(head.size()))
        return false;
    auto header = ParseFrameHeader(head, ServicePeer::kClient);
    if (!header) {
        Misbehaved(header.error());
        return false;
    }
    if (evbuffer_get_length(in) < kFrameHeaderSize + header->length) return false;
    evbuffer_drain(in, kFrameHeaderSize);
    std::vector<uint8_t> body(header->length);
    evbuffer_remove(in, body.data(), body.size());
    auto message = DecodeBody(header->type, body);
    if (!message) {
        Misbehaved(message.error());
        return false;
    }
    Dispatch(*message);
    return !m_closing;
}

void ServiceServer::Connection::Dispatch(const ServiceMessage& message) {
    if (m_session) return DispatchInSession(message);
    if (std::holds_alternative<Receipt>(message))
        return Misbehaved(MakeError("no-session", "a RECEIPT outside a bandwidth session"));
    if (const auto* request = std::get_if<BandwidthRequest>(&message))
        return StartSession(*request);
    Send(m_server.m_handler.Handle(m_id, message));
}

void ServiceServer::Connection::DispatchInSession(const ServiceMessage& message) {
    const auto* receipt = std::get_if<Receipt>(&message);
    if (receipt == nullptr) {
        return Misbehaved(MakeError("unexpected-message-type",
                                    "only RECEIPT may come during a bandwidth session, not " +
                                        ServiceMsgName(static_cast<uint8_t>(TypeOf(message)))));
    }
    if (Status st = m_server.m_handler.TakeReceipt(*m_session, *receipt); !st)
        return Misbehaved(st.error());
    const timeval wait = ToTimeval(m_server.m_options.receipt_wait);
    evtimer_add(m_receipt_wait, &wait);  // restarted by each good receipt
    Pump();
}

void ServiceServer::Connection::StartSession(const BandwidthRequest& request) {
    auto session = m_server.m_handler.StartSession(request);
    if (!session) return Send(MakeErrorReply(session.error()));
    m_session.emplace(std::move(*session));
    const timeval wait = ToTimeval(m_server.m_options.receipt_wait);
    evtimer_add(m_receipt_wait, &wait);
    Pump();
}

// DATA while the socket takes it and the session allows.
void ServiceServer::Connection::Pump() {
    if (!m_session || m_closing) return;
    evbuffer* out = bufferevent_get_output(m_bev);
    while (evbuffer_get_length(out) < kOutputHighWater) {
        const size_t n = m_session->NextFrameSize();
        if (n == 0) break;
        Send(Data{m_server.RandomBytes(n)});
        m_session->Sent(n);
    }
    if (m_session->Complete()) EndSession("complete", true);
}

// `tell`: END goes to the consumer and the connection closes after it.
void ServiceServer::Connection::EndSession(const std::string& why, bool tell) {
    if (!m_session) return;
    evtimer_del(m_receipt_wait);
    if (tell) Send(End{m_session->BytesSent(), m_session->BytesReceipted(), why});
    m_server.m_handler.EndSession(*m_session, why);
    m_session.reset();
    if (tell) CloseAfterFlush();
}

void ServiceServer::Connection::Send(const ServiceMessage& message) {
    const std::vector<uint8_t> frame = EncodeFrame(message);
    bufferevent_write(m_bev, frame.data(), frame.size());
}

void ServiceServer::Connection::Misbehaved(const Error& error) {
    m_server.m_refused.Print("disconnected service client " + m_peer + ": " + error.code + ": " +
                             error.message);
    Send(MakeErrorReply(error));
    EndSession("disconnected: " + error.code, false);
    CloseAfterFlush();
}

// Nothing more is read; the connection closes once its output is sent.
void ServiceServer::Connection::CloseAfterFlush() {
    if (m_closing) return;
    m_closing = true;
    bufferevent_disable(m_bev, EV_READ);
    bufferevent_setwatermark(m_bev, EV_WRITE, 0, 0);
    // Freed from the loop, never from inside the call that got here.
    if (evbuffer_get_length(bufferevent_get_output(m_bev)) == 0)
        event_active(m_close, EV_TIMEOUT, 0);
}

void ServiceServer::Connection::Closed() {
    EndSession("closed", false);
    m_server.m_handler.Closed(m_id);
    m_server.Forget(this);  // deletes this
}

void ServiceServer::Connection::Shutdown() {
    EndSession("agent stopping", false);
    m_server.m_handler.Closed(m_id);
}

// --- the server -------------------------------------------------------------

ServiceServer::ServiceServer(ServiceServerOptions options, ServiceHandler& handler)
    : m_options(std::move(options)), m_handler(handler), m_random(std::random_device{}()) {}

ServiceServer::~ServiceServer() {
    Stop();
}

Status ServiceServer::Start() {
    if (m_base != nullptr) return Status::Ok();
    EnableLibeventThreads();
    // libevent writes with writev, which raises SIGPIPE on a reset connection.
    std::signal(SIGPIPE, SIG_IGN);
    m_base = event_base_new();
    m_accept_pause = m_base ? evtimer_new(m_base, &ServiceServer::OnAcceptPauseEnd, this) : nullptr;
    if (m_accept_pause == nullptr) {
        Free();
        return MakeError("service-libevent", "cannot create the service event loop");
    }
    if (Status st = Bind(); !st) {
        Free();
        return st;
    }
    try {
        m_thread = std::thread([this] { event_base_loop(m_base, EVLOOP_NO_EXIT_ON_EMPTY); });
    } catch (const std::system_error& e) {
        Free();
        return MakeError("service-libevent", std::string("cannot start its thread: ") + e.what());
    }
    return Status::Ok();
}

Status ServiceServer::Bind() {
    const std::string where = HostPortText(m_options.bind_address, m_options.port);
    auto address = SocketAddress(m_options.bind_address, m_options.port);
    if (!address) {
        return MakeError("service-config", "-servicebind " + QuoteEcho(m_options.bind_address) +
                                               " is not a numeric IPv4 or IPv6 address");
    }
    m_listener = evconnlistener_new_bind(
        m_base, &ServiceServer::OnAccept, this,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 16,
        reinterpret_cast<const sockaddr*>(&address->first), static_cast<int>(address->second));
    if (m_listener == nullptr) {
        const int err = errno;
        return MakeError(
            "service-bind",
            "cannot listen for device services on " + where + ": " +
                (err == EADDRINUSE ? "port already in use (choose another -serviceport)"
                                   : std::string(std::strerror(err))));
    }
    evconnlistener_set_error_cb(m_listener, &ServiceServer::OnAcceptError);
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(evconnlistener_get_fd(m_listener), reinterpret_cast<sockaddr*>(&bound), &len);
    m_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return Status::Ok();
}

void ServiceServer::Stop() {
    if (m_base == nullptr) return;
    if (m_thread.joinable()) {
        event_base_loopexit(m_base, nullptr);
        m_thread.join();
    }
    for (auto& [raw, connection] : m_connections)
        connection->Shutdown();
    m_connections.clear();
    Free();
}

void ServiceServer::Free() {
    if (m_listener != nullptr) evconnlistener_free(m_listener);
    if (m_accept_pause != nullptr) event_free(m_accept_pause);
    if (m_base != nullptr) event_base_free(m_base);
    m_listener = nullptr;
    m_accept_pause = nullptr;
    m_base = nullptr;
}

void ServiceServer::OnAccept(evconnlistener*, int fd, sockaddr* addr, int, void* arg) {
    static_cast<ServiceServer*>(arg)->Accept(fd, addr);
}

void ServiceServer::Accept(int fd, const sockaddr* addr) {
    const std::string peer = PeerText(addr);
    if (m_connections.size() >= m_options.max_connections) {
        m_refused.Print("refused a service connection from " + peer + ": " +
                        std::to_string(m_options.max_connections) + " are open");
        ::close(fd);
        return;
    }
    bufferevent* bev = bufferevent_socket_new(m_base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == nullptr) {
        ::close(fd);
        return;
    }
    auto connection = std::make_unique<Connection>(*this, m_next_id++, bev, peer);
    Connection* raw = connection.get();
    m_connections.emplace(raw, std::move(connection));
    if (!raw->Start()) Forget(raw);
}

void ServiceServer::OnAcceptError(evconnlistener* listener, void* arg) {
    // Out of descriptors, mostly: retrying at once would spin.
    auto* self = static_cast<ServiceServer*>(arg);
    const int err = EVUTIL_SOCKET_ERROR();
    self->m_refused.Print(std::string("cannot accept service connections: ") + std::strerror(err) +
                          "; pausing");
    evconnlistener_disable(listener);
    const timeval pause = ToTimeval(kAcceptPause);
    evtimer_add(self->m_accept_pause, &pause);
}

void ServiceServer::OnAcceptPauseEnd(int, short, void* arg) {
    evconnlistener_enable(static_cast<ServiceServer*>(arg)->m_listener);
}

void ServiceServer::Forget(Connection* connection) {
    m_connections.erase(connection);
}

std::vector<uint8_t> ServiceServer::RandomBytes(size_t n) {
    std::vector<uint8_t> out(n);
    for (size_t i = 0; i < n; i += 8) {
        const uint64_t v = m_random();
        for (size_t b = 0; b < 8 && i + b < n; ++b)
            out[i + b] = static_cast<uint8_t>(v >> (8 * b));
    }
    return out;
}

}  // namespace maillon
