#include "net/messages.h"

#include <algorithm>

#include "consensus/transaction.h"
#include "crypto/hash_tags.h"
#include "serialize/codec.h"

namespace maillon {

namespace {

struct TypeInfo {
    P2PType type;
    const char* name;
    uint32_t max_payload;
};

constexpr std::array<TypeInfo, 7> kTypes = {{
    {P2PType::kVersion, "version", 4 + 4 + 32 + 8 + 8 + 4 + 1 + kMaxUserAgent},
    {P2PType::kVerack, "verack", 0},
    {P2PType::kPing, "ping", 8},
    {P2PType::kPong, "pong", 8},
    {P2PType::kTx, "tx", 3 + kMaxTxSize},
    {P2PType::kGetAddr, "getaddr", 0},
    {P2PType::kAddr, "addr", 3 + kMaxAddrs*(16 + 4)},
}};

const TypeInfo* Find(uint8_t type) {
    for (const TypeInfo& t : kTypes) {
        if (static_cast<uint8_t>(t.type) == type) return &t;
    }
    return nullptr;
}

std::array<uint8_t, 4> Checksum(std::span<const uint8_t> payload) {
    const Hash256 h = TaggedHash(Tag::kP2P, payload);
    return {h[0], h[1], h[2], h[3]};
}

void WritePayload(Writer& w, const P2PMessage& m) {
    std::visit(
        [&](const auto& msg) {
            using M = std::decay_t<decltype(msg)>;
            if constexpr (std::is_same_v<M, VersionMsg>) {
                w.U32(msg.version);
                w.U32(msg.chain_id);
                w.Raw(msg.genesis);
                w.U64(msg.height);
                w.U64(msg.nonce);
                w.U32(msg.listen_port);
                w.Bytes(std::span(reinterpret_cast<const uint8_t*>(msg.user_agent.data()),
                                  msg.user_agent.size()));
            } else if constexpr (std::is_same_v<M, PingMsg> || std::is_same_v<M, PongMsg>) {
                w.U64(msg.nonce);
            } else if constexpr (std::is_same_v<M, TxMsg>) {
                w.Bytes(msg.tx);
            } else if constexpr (std::is_same_v<M, AddrMsg>) {
                w.VarInt(msg.addrs.size());
                for (const PeerAddr& a : msg.addrs) {
                    w.Raw(a.ip);
                    w.U32(a.port);
                }
            }
        },
        m);
}

Result<P2PMessage> ReadVersion(Reader& r) {
    VersionMsg v;
    uint32_t port = 0;
    std::vector<uint8_t> agent;
    r.U32(v.version, "version.version");
    r.U32(v.chain_id, "version.chain_id");
    r.Array(v.genesis, "version.genesis");
    r.U64(v.height, "version.height");
    r.U64(v.nonce, "version.nonce");
    r.U32(port, "version.listen_port");
    if (r.ok() && port > 65'535) r.Fail("version.listen_port", "above 65535");
    r.Bytes(agent, kMaxUserAgent, "version.user_agent");
    if (r.ok() &&
        !std::all_of(agent.begin(), agent.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; })) {
        r.Fail("version.user_agent", "not printable ASCII");
    }
    if (!r.Finish()) return r.GetError();
    v.listen_port = static_cast<uint16_t>(port);
    v.user_agent.assign(agent.begin(), agent.end());
    return P2PMessage(v);
}

Result<P2PMessage> ReadAddr(Reader& r) {
    AddrMsg a;
    uint64_t count = 0;
    if (r.Count(count, kMaxAddrs, "addr.count")) a.addrs.resize(count);
    for (PeerAddr& p : a.addrs) {
        uint32_t port = 0;
        r.Array(p.ip, "addr.ip");
        r.U32(port, "addr.port");
        if (r.ok() && (port == 0 || port > 65'535)) r.Fail("addr.port", "not a port");
        p.port = static_cast<uint16_t>(port);
    }
    if (!r.Finish()) return r.GetError();
    return P2PMessage(a);
}

}  // namespace

P2PType TypeOf(const P2PMessage& message) {
    return kTypes[message.index()].type;
}

std::string P2PTypeName(uint8_t type) {
    const TypeInfo* t = Find(type);
    return t ? t->name : "type " + std::to_string(type);
}

uint32_t MaxPayload(P2PType type) {
    return Find(static_cast<uint8_t>(type))->max_payload;
}

std::vector<uint8_t> EncodeP2P(uint32_t chain_id, const P2PMessage& message) {
    Writer payload;
    WritePayload(payload, message);
    Writer w;
    w.U32(chain_id);
    w.U8(static_cast<uint8_t>(TypeOf(message)));
    w.U32(static_cast<uint32_t>(payload.Data().size()));
    w.Raw(Checksum(payload.Data()));
    w.Raw(payload.Data());
    return w.Take();
}

Result<P2PHeader> DecodeP2PHeader(std::span<const uint8_t, kP2PHeaderSize> header,
                                  uint32_t chain_id) {
    Reader r(header);
    uint32_t chain = 0, length = 0;
    uint8_t type = 0;
    P2PHeader h{};
    r.U32(chain, "p2p.chain_id");
    r.U8(type, "p2p.type");
    r.U32(length, "p2p.length");
    r.Array(h.checksum, "p2p.checksum");
    if (!r.Finish()) return r.GetError();
    if (chain != chain_id) {
        return MakeError("p2p-wrong-chain", "a frame of chain " + std::to_string(chain) + ", not " +
                                                std::to_string(chain_id));
    }
    const TypeInfo* t = Find(type);
    if (t == nullptr)
        return MakeError("p2p-unknown-type", "unknown message type " + std::to_string(type));
    if (length > t->max_payload) {
        return MakeError("p2p-oversized", std::string(t->name) + " of " + std::to_string(length) +
                                              " bytes, over its limit of " +
                                              std::to_string(t->max_payload));
    }
    h.type = t->type;
    h.length = length;
    return h;
}

Result<P2PMessage> DecodeP2PPayload(const P2PHeader& header, std::span<const uint8_t> payload) {
    if (payload.size() != header.length)
        return MakeError("p2p-truncated", "the payload is not the header's length");
    if (Checksum(payload) != header.checksum)
        return MakeError("p2p-bad-checksum", "the payload does not match its checksum");
    Reader r(payload);
    switch (header.type) {
        case P2PType::kVersion:
            return ReadVersion(r);
        case P2PType::kAddr:
            return ReadAddr(r);
        case P2PType::kPing:
        case P2PType::kPong: {
            uint64_t nonce = 0;
            r.U64(nonce, header.type == P2PType::kPing ? "ping.nonce" : "pong.nonce");
            if (!r.Finish()) return r.GetError();
            if (header.type == P2PType::kPing) return P2PMessage(PingMsg{nonce});
            return P2PMessage(PongMsg{nonce});
        }
        case P2PType::kTx: {
            TxMsg t;
            r.Bytes(t.tx, kMaxTxSize, "tx.bytes");
            if (!r.Finish()) return r.GetError();
            return P2PMessage(std::move(t));
        }
        case P2PType::kVerack:
        case P2PType::kGetAddr:
            if (!r.Finish()) return r.GetError();
            return header.type == P2PType::kVerack ? P2PMessage(VerackMsg{})
                                                   : P2PMessage(GetAddrMsg{});
    }
    return MakeError("p2p-unknown-type", "unknown message type");
}

}  // namespace maillon
