// The P2P wire protocol (doc/protocol.md §12 is the normative text): how
// messages are framed on a TCP stream between nodes, and the payload of each
// message type, decoded by the codec of everything else (serialize/codec.h).
//
// Frame: chain_id u32 | type u8 | length u32 | checksum [4] | payload, where
// checksum = the first 4 bytes of TaggedHash("MaillonP2P", payload). The
// 13-byte header is checked first — the chain, a known type, a length
// within that type's bound — so that nothing longer than the bound is ever
// buffered; then the checksum and the payload. Every failure is an Error
// whose code says what was wrong ("p2p-wrong-chain", "p2p-unknown-type",
// "p2p-oversized", "p2p-bad-checksum", or the codec's "decode-error" naming
// the field): the peer that sent it is disconnected and scored
// (net/peer_score.h).
//
// Pure: no sockets, no clocks.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

inline constexpr uint32_t kP2PVersion = 1;
inline constexpr size_t kP2PHeaderSize = 13;
inline constexpr size_t kMaxUserAgent = 64;
inline constexpr size_t kMaxAddrs = 1'000;

enum class P2PType : uint8_t {
    kVersion = 0x01,
    kVerack = 0x02,
    kPing = 0x03,
    kPong = 0x04,
    kTx = 0x05,
    kGetAddr = 0x06,
    kAddr = 0x07,
};

// The first message each side sends. A peer is refused unless it speaks
// kP2PVersion, runs the same chain (chain id and genesis hash) and is not
// this node itself (its nonce is not ours).
struct VersionMsg {
    uint32_t version = kP2PVersion;
    uint32_t chain_id = 0;
    Hash256 genesis{};
    uint64_t height = 0;       // its tip
    uint64_t nonce = 0;        // random per node start, to detect a connection to itself
    uint16_t listen_port = 0;  // 0: does not accept connections
    std::string user_agent;    // printable ASCII, at most kMaxUserAgent bytes
    bool operator==(const VersionMsg&) const = default;
};
struct VerackMsg {
    bool operator==(const VerackMsg&) const = default;
};
struct PingMsg {
    uint64_t nonce = 0;
    bool operator==(const PingMsg&) const = default;
};
struct PongMsg {
    uint64_t nonce = 0;  // the ping's
    bool operator==(const PongMsg&) const = default;
};
struct TxMsg {
    std::vector<uint8_t> tx;  // one encoded transaction (checked by the mempool)
    bool operator==(const TxMsg&) const = default;
};
struct GetAddrMsg {
    bool operator==(const GetAddrMsg&) const = default;
};
struct PeerAddr {
    std::array<uint8_t, 16> ip{};  // IPv6, or IPv4-mapped (::ffff:a.b.c.d)
    uint16_t port = 0;
    bool operator==(const PeerAddr&) const = default;
    auto operator<=>(const PeerAddr&) const = default;
};
struct AddrMsg {
    std::vector<PeerAddr> addrs;  // at most kMaxAddrs
    bool operator==(const AddrMsg&) const = default;
};

using P2PMessage =
    std::variant<VersionMsg, VerackMsg, PingMsg, PongMsg, TxMsg, GetAddrMsg, AddrMsg>;

P2PType TypeOf(const P2PMessage& message);
std::string P2PTypeName(uint8_t type);
// The largest payload a type may have.
uint32_t MaxPayload(P2PType type);

std::vector<uint8_t> EncodeP2P(uint32_t chain_id, const P2PMessage& message);

struct P2PHeader {
    P2PType type;
    uint32_t length;
    std::array<uint8_t, 4> checksum;
};
// Checks a frame's header against `chain_id` and the type's bound.
Result<P2PHeader> DecodeP2PHeader(std::span<const uint8_t, kP2PHeaderSize> header,
                                  uint32_t chain_id);
// The payload of a header's message: the checksum, then the payload's
// canonical decoding (no trailing bytes).
Result<P2PMessage> DecodeP2PPayload(const P2PHeader& header, std::span<const uint8_t> payload);

}  // namespace maillon
