// Connman: this node's P2P connections (doc/protocol.md §12), on libevent
// bufferevents with one event loop on its own thread.
//
// Per connection: frames are read header first (net/messages.h), so that no
// more than a type's bound is ever buffered; the handshake (version, then
// verack) must come first and complete within handshake_timeout; a
// handshaked peer is pinged every ping_interval and closed when nothing
// arrives for idle_timeout. A peer that sends what the protocol forbids is
// disconnected, and scored (net/peer_score.h): at kBanScore its address is
// banned, its connections refused until the ban ends; the reason is logged.
// At most max_inbound accepted and max_outbound made connections are open.
//
// Misbehaviour points are kept per host across its connections, so that
// reconnecting does not wipe them.
//
// Transactions are gossiped: one a peer sends goes to LocalNode::on_tx;
// the node relays what it accepts (RelayTx) to the other peers, never twice
// to one peer. A transaction that does not decode, fails the stateless rules
// or a signature costs its sender points ("decode-error", "p2p-bad-tx"); one
// a stateful rule refuses (it may just be stale) does not.
//
// Threads: Start and Stop on the owner's thread; AddNode, Disconnect,
// Peers, Banned and Unban from any thread between them (they post work to
// the loop, or read what the loop publishes under a mutex): the owner stops
// its callers (the RPC server) before it calls Stop. Lock order: m_mutex
// only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/hash.h"
#include "net/messages.h"
#include "net/peer_score.h"
#include "util/result.h"

struct event;
struct event_base;
struct evconnlistener;
struct sockaddr;

namespace maillon {

inline constexpr size_t kMaxKnownTxs = 10'000;

struct ConnmanOptions {
    bool listen = true;
    std::string bind_address = "0.0.0.0";  // numeric IPv4 or IPv6
    uint16_t port = 0;                     // 0: an ephemeral port (tests)
    size_t max_inbound = 32;
    size_t max_outbound = 8;
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::milliseconds ping_interval{30'000};
    std::chrono::milliseconds idle_timeout{90'000};
    // How often the manager redials lost -addnode/-connect peers and dials
    // addresses peers told it of (one per turn, up to max_outbound).
    std::chrono::milliseconds dial_interval{2'000};
    // -connect: dial only the peers added with AddNode, never learned ones.
    bool only_added = false;
    int64_t ban_seconds = kDefaultBanSeconds;
};

// What this node says of itself in its version message.
struct LocalNode {
    const ChainParams* params = nullptr;  // must outlive the manager
    uint32_t chain_id = 0;
    Hash256 genesis{};
    std::function<uint64_t()> height;  // the tip; called on the loop's thread
    std::string user_agent = "maillond";
    // A transaction a peer sent, with the peer's id: the node's intake (which
    // relays it on when accepted). Called on the loop's thread.
    std::function<Result<Hash256>(const Transaction& tx, uint64_t peer)> on_tx;
};

struct PeerInfo {
    uint64_t id = 0;
    std::string address;  // host:port as connected
    bool inbound = false;
    bool handshaked = false;
    uint32_t version = 0;
    std::string user_agent;
    uint64_t height = 0;  // from its version message
    uint16_t listen_port = 0;
    int score = 0;
    int64_t connected_ms = 0;
    uint64_t bytes_sent = 0, bytes_received = 0;
    std::optional<int64_t> ping_ms;  // the last round trip
};

class Connman {
public:
    Connman(ConnmanOptions options, LocalNode local);
    ~Connman();
    Connman(const Connman&) = delete;
    Connman& operator=(const Connman&) = delete;

    // Binds (when listening) and starts the loop. Errors: "p2p-bind" (names
    // the address and says when the port is taken), "p2p-config",
    // "p2p-libevent".
    Status Start();
    void Stop();
    uint16_t Port() const { return m_port; }

    // Connects to a numeric host and port, now and again whenever the
    // connection is lost (`persistent`: -addnode, -connect), or once to
    // learn addresses and leave (`seed`: -seednode). Errors: "p2p-config"
    // (not a numeric address), "p2p-banned", "p2p-limit" (max_outbound
    // reached; a persistent peer is still dialed once a slot frees).
    enum class Dial { kOnce, kPersistent, kSeed };
    Status AddNode(const std::string& host, uint16_t port, Dial how = Dial::kOnce);
    // Closes the connection to `address` (host:port, as Peers shows it).
    bool Disconnect(const std::string& address);
    std::vector<PeerInfo> Peers() const;
    // Sends `tx` to every handshaked peer but `except` that has not sent or
    // been sent it (each peer remembers the last kMaxKnownTxs ids).
    void RelayTx(const Transaction& tx, std::optional<uint64_t> except);
    std::vector<BanEntry> Banned();
    bool Unban(const std::string& host);

private:
    class Peer;
    friend class Peer;
    static void OnAccept(evconnlistener*, int fd, sockaddr* addr, int len, void* arg);
    static void OnAcceptError(evconnlistener* listener, void* arg);
    static void OnAcceptPauseEnd(int fd, short what, void* arg);
    static void OnDialTimer(int fd, short what, void* arg);
    // On the loop's thread: connects to host:port, its outbound slot taken.
    void Connect(const std::string& host, uint16_t port, bool seed);
    bool ReserveOutbound();
    // Whether a connection to host:port (made, or the peer's listen port) is open.
    bool ConnectedTo(const std::string& host, uint16_t port) const;
    void DialTurn();
    // Addresses a peer sent (addr), kept for dialing; bounded.
    void Learn(const AddrMsg& addrs);
    // A connection reached this node itself: never dial that address again.
    void MarkSelf(const std::string& host, uint16_t port);
    void Accept(int fd, const sockaddr* addr);
    Peer* Add(int fd, const std::string& address, const std::string& host, bool inbound);
    void Forget(Peer* peer);
    void Publish();  // the peers' info, for Peers(); on the loop's thread
    // Runs `fn` on the loop's thread; false if it cannot be queued.
    bool Post(std::function<void()> fn);
    void ReleaseOutbound();
    PeerScore& ScoreOf(const std::string& host);  // the loop's thread
    bool IsBanned(const std::string& host);
    void Ban(const std::string& host, const std::string& reason);
    // The handshaked peers that listen, but `asking`, for its getaddr.
    AddrMsg KnownAddrs(const Peer* asking) const;

    const ConnmanOptions m_options;
    const LocalNode m_local;
    const uint64_t m_nonce;
    event_base* m_base = nullptr;
    evconnlistener* m_listener = nullptr;
    event* m_accept_pause = nullptr;
    event* m_dial_timer = nullptr;
    std::thread m_thread;
    uint16_t m_port = 0;
    uint64_t m_next_id = 1;
    std::map<Peer*, std::unique_ptr<Peer>> m_peers;  // the loop's thread only
    std::map<std::string, PeerScore> m_scores;       // by host; the loop's thread only
    // The loop's thread only: peers to keep, addresses learned, and
    // addresses that are this node itself.
    std::set<std::pair<std::string, uint16_t>> m_persistent, m_self;
    struct LearnedAddr {
        int64_t last_try_ms = 0;
        int failures = 0;  // dials that ended before a handshake
    };
    std::map<std::pair<std::string, uint16_t>, LearnedAddr> m_learned;

    mutable std::mutex m_mutex;
    std::vector<PeerInfo> m_published;  // guarded by m_mutex
    BanList m_bans;                     // guarded by m_mutex
    size_t m_outbound = 0;              // guarded by m_mutex
};

}  // namespace maillon
