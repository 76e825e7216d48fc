#include "net/connman.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <random>
#include <set>
#include <system_error>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "consensus/tx_verify.h"
#include "eventloop/support.h"
#include "util/log.h"
#include "util/time.h"

namespace maillon {

namespace {

uint64_t RandomNonce() {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) | rd();
}

// Replies wait in a peer's output up to this much; a peer that lets more
// pile up does not read, and is disconnected.
constexpr size_t kMaxPeerOutput = 4 * 1024 * 1024;
constexpr std::chrono::milliseconds kAcceptPause{250};
constexpr size_t kMaxScoredHosts = 4096;
constexpr int kMaxDialFailures = 3;

// The largest frame any type allows: what a connection may buffer.
size_t MaxFrame() {
    uint32_t most = 0;
    for (P2PType t : {P2PType::kVersion, P2PType::kTx, P2PType::kAddr})
        most = std::max(most, MaxPayload(t));
    return kP2PHeaderSize + most;
}

}  // namespace

// --- one peer ---------------------------------------------------------------

class Connman::Peer {
public:
    Peer(Connman& c, uint64_t id, bufferevent* bev, std::string address, std::string host,
         bool inbound)
        : m_c(c), m_bev(bev), m_address(std::move(address)), m_host(std::move(host)) {
        m_info.id = id;
        m_info.address = m_address;
        m_info.inbound = inbound;
        m_info.connected_ms = static_cast<int64_t>(NowMs());
    }
    ~Peer() {
        if (m_handshake_timer) event_free(m_handshake_timer);
        if (m_ping_timer) event_free(m_ping_timer);
        bufferevent_free(m_bev);
    }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    bool Start() {
        event_base* base = bufferevent_get_base(m_bev);
        m_handshake_timer = evtimer_new(base, &Peer::OnHandshakeTimeout, this);
        m_ping_timer = evtimer_new(base, &Peer::OnPingTimer, this);
        if (!m_handshake_timer || !m_ping_timer) return false;
        bufferevent_setcb(m_bev, &Peer::OnRead, nullptr, &Peer::OnEvent, this);
        bufferevent_setwatermark(m_bev, EV_READ, 0, MaxFrame());
        const timeval idle = ToTimeval(m_c.m_options.idle_timeout);
        bufferevent_set_timeouts(m_bev, &idle, &idle);
        const timeval handshake = ToTimeval(m_c.m_options.handshake_timeout);
        evtimer_add(m_handshake_timer, &handshake);
        if (!m_info.inbound) return true;  // sends its version once connected
        return bufferevent_enable(m_bev, EV_READ | EV_WRITE) == 0;
    }

    // Starts an outbound connection; Connected() follows.
    bool Connect(const sockaddr* sa, int len) {
        return bufferevent_socket_connect(m_bev, sa, len) == 0;
    }

    // An outbound connection was made: say who we are.
    void Connected() {
        bufferevent_enable(m_bev, EV_READ | EV_WRITE);
        SendVersion();
    }

    void Close(const std::string& why) {
        if (m_closing) return;
        m_closing = true;
        LogPrint("net", "peer " + m_address + " disconnected: " + why);
        bufferevent_setcb(m_bev, nullptr, nullptr, nullptr, nullptr);
        bufferevent_disable(m_bev, EV_READ | EV_WRITE);
        evtimer_del(m_handshake_timer);
        evtimer_del(m_ping_timer);
        Peer* self = this;
        m_c.Post([self, &c = m_c] { c.Forget(self); });
    }

    const std::string& Address() const { return m_address; }
    const std::string& Host() const { return m_host; }
    const PeerInfo& Info() const { return m_info; }
    bool Handshaked() const { return m_info.handshaked; }

private:
    static void OnRead(bufferevent*, void* arg) { static_cast<Peer*>(arg)->ReadFrames(); }
    static void OnEvent(bufferevent*, short what, void* arg) {
        auto* self = static_cast<Peer*>(arg);
        if (what & BEV_EVENT_CONNECTED) return self->Connected();
        self->Close(what & BEV_EVENT_TIMEOUT ? "nothing arrived in time"
                    : what & BEV_EVENT_EOF   ? "closed by the peer"
                                             : "connection error");
    }
    static void OnHandshakeTimeout(int, short, void* arg) {
        static_cast<Peer*>(arg)->Close("no handshake in time");
    }
    static void OnPingTimer(int, short, void* arg) { static_cast<Peer*>(arg)->Ping(); }

    void ReadFrames() {
        while (!m_closing && ReadFrame()) {
        }
    }

    bool ReadFrame() {
        evbuffer* in = bufferevent_get_input(m_bev);
        std::array<uint8_t, kP2PHeaderSize> head;
        if (evbuffer_copyout(in, head.data(), head.size()) != static_cast<ev_ssize_t>(head.size()))
            return false;
        auto header = DecodeP2PHeader(head, m_c.m_local.chain_id);
        if (!header) {
            Misbehaved(header.error());
            return false;
        }
        if (evbuffer_get_length(in) < kP2PHeaderSize + header->length) return false;
        evbuffer_drain(in, kP2PHeaderSize);
        std::vector<uint8_t> payload(header->length);
        evbuffer_remove(in, payload.data(), payload.size());
        m_info.bytes_received += kP2PHeaderSize + payload.size();
        auto message = DecodeP2PPayload(*header, payload);
        if (!message) {
            Misbehaved(message.error());
            return false;
        }
        Handle(*message);
        return !m_closing;
    }

    void Handle(const P2PMessage& m) {
        if (const auto* v = std::get_if<VersionMsg>(&m)) return OnVersion(*v);
        if (std::holds_alternative<VerackMsg>(m)) return OnVerack();
        if (!m_info.handshaked) {
            return Misbehaved(MakeError(
                "handshake-order",
                P2PTypeName(static_cast<uint8_t>(TypeOf(m))) + " before the handshake ended"));
        }
        if (const auto* p = std::get_if<PingMsg>(&m)) return Send(PongMsg{p->nonce});
        if (const auto* p = std::get_if<PongMsg>(&m)) {
            if (m_ping_nonce && p->nonce == *m_ping_nonce) {
                m_info.ping_ms = SteadyMs() - m_ping_sent_ms;
                m_ping_nonce.reset();
                m_c.Publish();
            }
            return;
        }
        if (std::holds_alternative<GetAddrMsg>(m)) {
            if (m_answered_getaddr) return;  // once per connection
            m_answered_getaddr = true;
            return Send(m_c.KnownAddrs(this));
        }
        if (const auto* t = std::get_if<TxMsg>(&m)) return OnTx(*t);
        if (const auto* a = std::get_if<AddrMsg>(&m)) {
            // Only the answer to our own getaddr: no peer fills the table unasked.
            if (m_info.inbound || !m_asked_addrs) return;
            m_asked_addrs = false;
            m_c.Learn(*a);
            if (m_seed) Close("a seed: its addresses received");
        }
    }

    void OnTx(const TxMsg& m) {
        auto tx = DecodeTransaction(m.tx);
        if (!tx) return Misbehaved(tx.error());
        Knows(tx->Id());
        if (!m_c.m_local.on_tx || !m_c.m_local.params) return;
        auto accepted = m_c.m_local.on_tx(*tx, m_info.id);
        if (accepted) return;
        const Error& e = accepted.error();
        // Only what no chain state could make valid is its sender's fault.
        if (e.code == "bad-signature" || !CheckTransaction(*tx, *m_c.m_local.params).ok())
            Misbehaved(MakeError("p2p-bad-tx", e.code + ": " + e.message));
    }

public:
    // Records that the peer has `id`; false when it had it already.
    bool Knows(const Hash256& id) {
        if (!m_known.insert(id).second) return false;
        m_known_order.push_back(id);
        if (m_known_order.size() > kMaxKnownTxs) {
            m_known.erase(m_known_order.front());
            m_known_order.pop_front();
        }
        return true;
    }
    void SendTx(const std::vector<uint8_t>& bytes) { Send(TxMsg{bytes}); }
    void SetDialed(uint16_t port, bool seed) {
        m_port = port;
        m_seed = seed;
    }
    uint16_t DialedPort() const { return m_port; }

private:
    void OnVersion(const VersionMsg& v) {
        if (m_info.version != 0)
            return Misbehaved(MakeError("handshake-order", "a second version"));
        if (v.version != kP2PVersion) {
            return Misbehaved(
                MakeError("handshake-version", "protocol version " + std::to_string(v.version) +
                                                   ", not " + std::to_string(kP2PVersion)));
        }
        if (v.chain_id != m_c.m_local.chain_id || v.genesis != m_c.m_local.genesis)
            return Misbehaved(MakeError("handshake-genesis", "another genesis block"));
        if (v.nonce == m_c.m_nonce) {
            // Only the side that reads the version learns it: the inbound one
            // marks the address the dialer used as best it can see it.
            m_c.MarkSelf(m_host, m_info.inbound ? v.listen_port : m_port);
            return Close("a connection to this node itself");
        }
        m_info.version = v.version;
        m_info.user_agent = v.user_agent;
        m_info.height = v.height;
        m_info.listen_port = v.listen_port;
        if (!m_sent_version) SendVersion();
        Send(VerackMsg{});
        MaybeHandshaked();
    }

    void OnVerack() {
        if (!m_sent_version || m_got_verack)
            return Misbehaved(MakeError("handshake-order", "an unexpected verack"));
        m_got_verack = true;
        MaybeHandshaked();
    }

    void MaybeHandshaked() {
        if (m_info.version == 0 || !m_got_verack || m_info.handshaked) return;
        m_info.handshaked = true;
        evtimer_del(m_handshake_timer);
        const timeval interval = ToTimeval(m_c.m_options.ping_interval);
        evtimer_add(m_ping_timer, &interval);
        LogPrint("net", "peer " + m_address + " connected (" +
                            (m_info.inbound ? "inbound" : "outbound") + ", " + m_info.user_agent +
                            ", height " + std::to_string(m_info.height) + ")");
        if (!m_info.inbound) {  // peer exchange
            Send(GetAddrMsg{});
            m_asked_addrs = true;
        }
        m_c.Publish();
    }

    void Ping() {
        if (m_ping_nonce) return Close("no pong within a ping interval");
        m_ping_nonce = RandomNonce();
        m_ping_sent_ms = SteadyMs();
        m_c.Publish();  // its byte counts, at least this often
        Send(PingMsg{*m_ping_nonce});
        const timeval interval = ToTimeval(m_c.m_options.ping_interval);
        evtimer_add(m_ping_timer, &interval);
    }

    void SendVersion() {
        VersionMsg v;
        v.chain_id = m_c.m_local.chain_id;
        v.genesis = m_c.m_local.genesis;
        v.height = m_c.m_local.height ? m_c.m_local.height() : 0;
        v.nonce = m_c.m_nonce;
        v.listen_port = m_c.m_options.listen ? m_c.m_port : 0;
        v.user_agent = m_c.m_local.user_agent.substr(0, kMaxUserAgent);
        Send(v);
        m_sent_version = true;
    }

    void Send(const P2PMessage& m) {
        if (m_closing) return;
        const std::vector<uint8_t> frame = EncodeP2P(m_c.m_local.chain_id, m);
        bufferevent_write(m_bev, frame.data(), frame.size());
        m_info.bytes_sent += frame.size();
        if (evbuffer_get_length(bufferevent_get_output(m_bev)) > kMaxPeerOutput)
            Close("more than 4 MiB of replies wait for it: it does not read");
    }

    void Misbehaved(const Error& e) {
        PeerScore& score = m_c.ScoreOf(m_host);
        const bool ban = score.Misbehaved(e.code);
        m_info.score = score.Points();
        if (ban) m_c.Ban(m_host, e.code);
        Close(e.code + ": " + e.message + (ban ? "; banned" : ""));
    }

    Connman& m_c;
    bufferevent* m_bev;
    const std::string m_address, m_host;
    PeerInfo m_info;
    event* m_handshake_timer = nullptr;
    event* m_ping_timer = nullptr;
    bool m_sent_version = false, m_got_verack = false, m_closing = false;
    bool m_answered_getaddr = false;
    bool m_seed = false;
    bool m_asked_addrs = false;
    uint16_t m_port = 0;        // outbound: the port dialed
    std::set<Hash256> m_known;  // transactions it sent or was sent
    std::deque<Hash256> m_known_order;
    std::optional<uint64_t> m_ping_nonce;
    int64_t m_ping_sent_ms = 0;
};

// --- the manager ------------------------------------------------------------

Connman::Connman(ConnmanOptions options, LocalNode local)
    : m_options(std::move(options)), m_local(std::move(local)), m_nonce(RandomNonce()) {}

Connman::~Connman() {
    Stop();
}

Status Connman::Start() {
    if (m_base != nullptr) return Status::Ok();
    EnableLibeventThreads();
    std::signal(SIGPIPE, SIG_IGN);  // writev on a reset connection
    m_base = event_base_new();
    if (m_base == nullptr) return MakeError("p2p-libevent", "cannot create the P2P event loop");
    if (m_options.listen) {
        auto address = SocketAddress(m_options.bind_address, m_options.port);
        if (!address) {
            Stop();
            return MakeError("p2p-config", "-bind " + m_options.bind_address +
                                               " is not a numeric IPv4 or IPv6 address");
        }
        m_listener = evconnlistener_new_bind(
            m_base, &Connman::OnAccept, this,
            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 16,
            reinterpret_cast<const sockaddr*>(&address->first), static_cast<int>(address->second));
        if (m_listener == nullptr) {
            const int err = errno;
            Stop();
            return MakeError("p2p-bind",
                             "cannot listen for peers on " +
                                 HostPortText(m_options.bind_address, m_options.port) + ": " +
                                 (err == EADDRINUSE ? "port already in use (choose another -port)"
                                                    : std::string(std::strerror(err))));
        }
        evconnlistener_set_error_cb(m_listener, &Connman::OnAcceptError);
        m_accept_pause = evtimer_new(m_base, &Connman::OnAcceptPauseEnd, this);
        sockaddr_storage bound{};
        socklen_t len = sizeof(bound);
        ::getsockname(evconnlistener_get_fd(m_listener), reinterpret_cast<sockaddr*>(&bound), &len);
        m_port =
            ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    m_dial_timer = evtimer_new(m_base, &Connman::OnDialTimer, this);
    if (m_dial_timer == nullptr) {
        Stop();
        return MakeError("p2p-libevent", "cannot create the dial timer");
    }
    const timeval first = ToTimeval(m_options.dial_interval);
    evtimer_add(m_dial_timer, &first);
    try {
        m_thread = std::thread([this] { event_base_loop(m_base, EVLOOP_NO_EXIT_ON_EMPTY); });
    } catch (const std::system_error& e) {
        Stop();
        return MakeError("p2p-libevent", std::string("cannot start its thread: ") + e.what());
    }
    return Status::Ok();
}

void Connman::Stop() {
    if (m_base == nullptr) return;
    if (m_thread.joinable()) {
        event_base_loopexit(m_base, nullptr);
        m_thread.join();
    }
    m_peers.clear();
    if (m_accept_pause != nullptr) event_free(m_accept_pause);
    if (m_dial_timer != nullptr) event_free(m_dial_timer);
    m_dial_timer = nullptr;
    if (m_listener != nullptr) evconnlistener_free(m_listener);
    m_accept_pause = nullptr;
    event_base_free(m_base);
    m_listener = nullptr;
    m_base = nullptr;
}

void Connman::OnAcceptError(evconnlistener* listener, void* arg) {
    // Out of descriptors, mostly: retrying at once would spin.
    auto* self = static_cast<Connman*>(arg);
    LogPrint("net", std::string("cannot accept P2P connections: ") +
                        std::strerror(EVUTIL_SOCKET_ERROR()) + "; pausing");
    evconnlistener_disable(listener);
    const timeval pause = ToTimeval(kAcceptPause);
    if (self->m_accept_pause) evtimer_add(self->m_accept_pause, &pause);
}

void Connman::OnAcceptPauseEnd(int, short, void* arg) {
    evconnlistener_enable(static_cast<Connman*>(arg)->m_listener);
}

void Connman::OnAccept(evconnlistener*, int fd, sockaddr* addr, int, void* arg) {
    static_cast<Connman*>(arg)->Accept(fd, addr);
}

void Connman::Accept(int fd, const sockaddr* addr) {
    const std::string host = AddressText(addr), address = PeerText(addr);
    size_t inbound = 0;
    for (const auto& [raw, peer] : m_peers)
        inbound += peer->Info().inbound;
    if (IsBanned(host) || inbound >= m_options.max_inbound) {
        LogPrint("net", "refused a connection from " + address +
                            (IsBanned(host) ? ": banned" : ": too many inbound connections"));
        ::close(fd);
        return;
    }
    Add(fd, address, host, /*inbound=*/true);
}

Connman::Peer* Connman::Add(int fd, const std::string& address, const std::string& host,
                            bool inbound) {
    bufferevent* bev = bufferevent_socket_new(m_base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == nullptr) {
        if (fd >= 0) ::close(fd);
        if (!inbound) ReleaseOutbound();
        return nullptr;
    }
    auto peer = std::make_unique<Peer>(*this, m_next_id++, bev, address, host, inbound);
    Peer* raw = peer.get();
    m_peers.emplace(raw, std::move(peer));
    if (!raw->Start()) {
        Forget(raw);
        return nullptr;
    }
    Publish();
    return raw;
}

void Connman::Forget(Peer* peer) {
    auto it = m_peers.find(peer);
    if (it == m_peers.end()) return;
    if (!peer->Info().inbound && !peer->Info().handshaked) {
        // A learned address that fails kMaxDialFailures times is dropped.
        auto learned = m_learned.find({peer->Host(), peer->DialedPort()});
        if (learned != m_learned.end() && ++learned->second.failures >= kMaxDialFailures)
            m_learned.erase(learned);
    }
    if (!peer->Info().inbound) ReleaseOutbound();
    m_peers.erase(it);
    Publish();
}

void Connman::Publish() {
    std::vector<PeerInfo> infos;
    for (const auto& [raw, peer] : m_peers)
        infos.push_back(peer->Info());
    std::sort(infos.begin(), infos.end(),
              [](const PeerInfo& a, const PeerInfo& b) { return a.id < b.id; });
    std::lock_guard lock(m_mutex);
    m_published = std::move(infos);
}

AddrMsg Connman::KnownAddrs(const Peer* asking) const {
    AddrMsg out;
    for (const auto& [raw, peer] : m_peers) {
        if (raw == asking) continue;  // it knows where it is
        const PeerInfo& info = peer->Info();
        if (!info.handshaked || info.listen_port == 0 || out.addrs.size() >= kMaxAddrs) continue;
        PeerAddr a;
        a.port = info.listen_port;
        in_addr v4{};
        if (::inet_pton(AF_INET, peer->Host().c_str(), &v4) == 1) {
            a.ip[10] = a.ip[11] = 0xff;
            std::memcpy(&a.ip[12], &v4, 4);
        } else if (::inet_pton(AF_INET6, peer->Host().c_str(), a.ip.data()) != 1) {
            continue;
        }
        out.addrs.push_back(a);
    }
    return out;
}

void Connman::ReleaseOutbound() {
    std::lock_guard lock(m_mutex);
    m_outbound -= 1;
}

bool Connman::Post(std::function<void()> fn) {
    auto* heap = new std::function<void()>(std::move(fn));
    const timeval now{0, 0};
    const int rc = event_base_once(
        m_base, -1, EV_TIMEOUT,
        [](int, short, void* arg) {
            auto* f = static_cast<std::function<void()>*>(arg);
            (*f)();
            delete f;
        },
        heap, &now);
    if (rc != 0) delete heap;
    return rc == 0;
}

bool Connman::IsBanned(const std::string& host) {
    std::lock_guard lock(m_mutex);
    return m_bans.IsBanned(host, static_cast<int64_t>(NowMs()) / 1000);
}

PeerScore& Connman::ScoreOf(const std::string& host) {
    // Kept per host, across its connections: reconnecting does not wipe a
    // score. Bounded: the oldest hosts by address order are forgotten.
    if (m_scores.size() >= kMaxScoredHosts && !m_scores.count(host))
        m_scores.erase(m_scores.begin());
    return m_scores[host];
}

void Connman::Ban(const std::string& host, const std::string& reason) {
    m_scores.erase(host);
    LogPrint("net", "banned " + host + " for " + std::to_string(m_options.ban_seconds) + " s (" +
                        reason + ")");
    std::lock_guard lock(m_mutex);
    m_bans.Ban(host, static_cast<int64_t>(NowMs()) / 1000, m_options.ban_seconds, reason);
}

Status Connman::AddNode(const std::string& host, uint16_t port, Dial how) {
    auto address = SocketAddress(host, port);
    if (!address) return MakeError("p2p-config", host + " is not a numeric IPv4 or IPv6 address");
    if (m_base == nullptr) return MakeError("p2p-config", "P2P is not running");
    if (IsBanned(host)) return MakeError("p2p-banned", host + " is banned");
    const std::string canonical = AddressText(reinterpret_cast<const sockaddr*>(&address->first));
    if (how == Dial::kPersistent)
        Post([this, canonical, port] { m_persistent.emplace(canonical, port); });
    if (!ReserveOutbound()) {
        return MakeError("p2p-limit", std::to_string(m_options.max_outbound) +
                                          " outbound connections are open already");
    }
    if (!Post([this, canonical, port, how] { Connect(canonical, port, how == Dial::kSeed); })) {
        ReleaseOutbound();
        return MakeError("p2p-libevent", "cannot reach the P2P event loop");
    }
    return Status::Ok();
}

bool Connman::ReserveOutbound() {
    std::lock_guard lock(m_mutex);
    if (m_outbound >= m_options.max_outbound) return false;
    m_outbound += 1;
    return true;
}

void Connman::Connect(const std::string& host, uint16_t port, bool seed) {
    if (ConnectedTo(host, port)) {
        ReleaseOutbound();
        return;
    }
    auto address = SocketAddress(host, port);
    Peer* peer = address ? Add(-1, HostPortText(host, port), host, /*inbound=*/false) : nullptr;
    if (peer == nullptr) {
        if (!address) ReleaseOutbound();
        return;
    }
    peer->SetDialed(port, seed);
    if (!peer->Connect(reinterpret_cast<const sockaddr*>(&address->first),
                       static_cast<int>(address->second)))
        peer->Close("cannot connect");
}

bool Connman::ConnectedTo(const std::string& host, uint16_t port) const {
    for (const auto& [raw, peer] : m_peers) {
        if (peer->Host() != host) continue;
        const PeerInfo& info = peer->Info();
        if ((!info.inbound && peer->DialedPort() == port) || info.listen_port == port) return true;
    }
    return false;
}

void Connman::OnDialTimer(int, short, void* arg) {
    auto* self = static_cast<Connman*>(arg);
    self->DialTurn();
    const timeval next = ToTimeval(self->m_options.dial_interval);
    evtimer_add(self->m_dial_timer, &next);
}

// Lost persistent peers first, then one learned address.
void Connman::DialTurn() {
    for (const auto& [host, port] : m_persistent) {
        if (ConnectedTo(host, port) || IsBanned(host) || m_self.count({host, port})) continue;
        if (!ReserveOutbound()) return;
        Connect(host, port, false);
    }
    if (m_options.only_added) return;
    // The learned address tried longest ago, so that none starves the others.
    auto best = m_learned.end();
    for (auto it = m_learned.begin(); it != m_learned.end(); ++it) {
        const auto& [host, port] = it->first;
        if (ConnectedTo(host, port) || IsBanned(host) || m_self.count(it->first)) continue;
        if (best == m_learned.end() || it->second.last_try_ms < best->second.last_try_ms) best = it;
    }
    if (best == m_learned.end() || !ReserveOutbound()) return;
    best->second.last_try_ms = SteadyMs();
    Connect(best->first.first, best->first.second, false);
}

void Connman::Learn(const AddrMsg& addrs) {
    for (const PeerAddr& a : addrs.addrs) {
        if (m_learned.size() >= kMaxAddrs) return;
        sockaddr_storage ss{};
        const bool v4 =
            a.ip[10] == 0xff && a.ip[11] == 0xff &&
            std::all_of(a.ip.begin(), a.ip.begin() + 10, [](uint8_t b) { return b == 0; });
        if (v4) {
            auto* in = reinterpret_cast<sockaddr_in*>(&ss);
            in->sin_family = AF_INET;
            std::memcpy(&in->sin_addr, &a.ip[12], 4);
        } else {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
            in6->sin6_family = AF_INET6;
            std::memcpy(&in6->sin6_addr, a.ip.data(), 16);
        }
        m_learned.emplace(std::pair(AddressText(reinterpret_cast<const sockaddr*>(&ss)), a.port),
                          LearnedAddr{});
    }
}

void Connman::MarkSelf(const std::string& host, uint16_t port) {
    m_self.emplace(host, port);
    m_learned.erase({host, port});
}

void Connman::RelayTx(const Transaction& tx, std::optional<uint64_t> except) {
    if (m_base == nullptr) return;
    Post([this, id = tx.Id(), bytes = tx.Serialize(), except] {
        for (const auto& [raw, peer] : m_peers) {
            if (!peer->Handshaked() || peer->Info().id == except) continue;
            if (peer->Knows(id)) peer->SendTx(bytes);
        }
    });
}

bool Connman::Disconnect(const std::string& address) {
    bool known = false;
    {
        std::lock_guard lock(m_mutex);
        for (const PeerInfo& p : m_published)
            known = known || p.address == address;
    }
    if (!known) return false;
    Post([this, address] {
        for (const auto& [raw, peer] : m_peers) {
            if (peer->Address() == address) {
                peer->Close("disconnectnode");
                return;
            }
        }
    });
    return true;
}

std::vector<PeerInfo> Connman::Peers() const {
    std::lock_guard lock(m_mutex);
    return m_published;
}

std::vector<BanEntry> Connman::Banned() {
    std::lock_guard lock(m_mutex);
    return m_bans.Entries(static_cast<int64_t>(NowMs()) / 1000);
}

bool Connman::Unban(const std::string& host) {
    std::lock_guard lock(m_mutex);
    return m_bans.Unban(host);
}

}  // namespace maillon
