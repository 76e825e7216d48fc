// Network methods: the P2P peers, adding and dropping them, and the bans.
#include "common/host_port.h"
#include "node/rpc_util.h"

namespace maillon {

namespace {

using rapidjson::Document;
using T = RpcResult::Type;
using namespace rpc_result;

const RpcParam kPeerParam{"address", RpcType::kString, true,
                          "the peer as HOST:PORT (a numeric host; IPv6 in brackets)"};

RpcMethod GetPeerInfoMethod(const Rpc& rpc) {
    return {"getpeerinfo",
            "network",
            "Returns this node's P2P connections, handshaked or not.",
            {},
            Array(Object({Member("id", T::kUInt64), Member("address", T::kString),
                          Member("inbound", T::kBool), Member("handshaked", T::kBool),
                          Member("version", T::kUInt64, "0 until its version message came"),
                          Member("user_agent", T::kString),
                          Member("height", T::kUInt64, "its tip, as its version said"),
                          Member("listen_port", T::kUInt64, "0: it accepts no connections"),
                          Member("score", T::kUInt64, "misbehaviour points; 100 bans"),
                          Member("connected_ms", T::kUInt64, "since the Unix epoch"),
                          Member("bytes_sent", T::kUInt64), Member("bytes_received", T::kUInt64),
                          Nullable(Member("ping_ms", T::kUInt64, "the last round trip"))})),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                r.SetArray();
                for (const PeerInfo& p : rpc->node.connman->Peers()) {
                    rapidjson::Value v(rapidjson::kObjectType);
                    v.AddMember("id", p.id, a);
                    v.AddMember("address", JsonString(p.address, a), a);
                    v.AddMember("inbound", p.inbound, a);
                    v.AddMember("handshaked", p.handshaked, a);
                    v.AddMember("version", p.version, a);
                    v.AddMember("user_agent", JsonString(p.user_agent, a), a);
                    v.AddMember("height", p.height, a);
                    v.AddMember("listen_port", p.listen_port, a);
                    v.AddMember("score", static_cast<uint64_t>(p.score), a);
                    v.AddMember("connected_ms", static_cast<uint64_t>(p.connected_ms), a);
                    v.AddMember("bytes_sent", p.bytes_sent, a);
                    v.AddMember("bytes_received", p.bytes_received, a);
                    AddNullable(v, "ping_ms",
                                p.ping_ms ? std::optional<uint64_t>(*p.ping_ms) : std::nullopt, a);
                    r.PushBack(v, a);
                }
                return std::nullopt;
            }};
}

RpcMethod AddNodeMethod(const Rpc& rpc) {
    return {
        "addnode",
        "network",
        "Connects to a peer now (the connection is made in the background: see getpeerinfo).",
        {kPeerParam},
        Shape(T::kNull),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto where = ParseHostPort(req.GetString(0), "address");
            if (!where) return RpcError{kRpcInvalidParameter, where.error().message};
            Status st = rpc->node.connman->AddNode(where->host,
                                                   where->port.value_or(rpc->params.default_port));
            if (!st)
                return RpcError{kRpcInvalidParameter, st.error().code + ": " + st.error().message};
            r.SetNull();
            return std::nullopt;
        }};
}

RpcMethod DisconnectNodeMethod(const Rpc& rpc) {
    return {"disconnectnode",
            "network",
            "Closes the connection to a peer, by its address as getpeerinfo shows it.",
            {kPeerParam},
            Shape(T::kNull),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                if (!rpc->node.connman->Disconnect(req.GetString(0)))
                    return RpcError{kRpcNotFound, "no peer " + req.GetString(0)};
                r.SetNull();
                return std::nullopt;
            }};
}

RpcMethod ListBannedMethod(const Rpc& rpc) {
    return {"listbanned",
            "network",
            "Returns the addresses banned for misbehaving, until when and why.",
            {},
            Array(Object({Member("address", T::kString),
                          Member("banned_at", T::kUInt64, "seconds since the Unix epoch"),
                          Member("until", T::kUInt64, "seconds since the Unix epoch"),
                          Member("reason", T::kString, "the offence's reason code")})),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                r.SetArray();
                for (const BanEntry& b : rpc->node.connman->Banned()) {
                    rapidjson::Value v(rapidjson::kObjectType);
                    v.AddMember("address", JsonString(b.address, a), a);
                    v.AddMember("banned_at", static_cast<uint64_t>(b.banned_at), a);
                    v.AddMember("until", static_cast<uint64_t>(b.until), a);
                    v.AddMember("reason", JsonString(b.reason, a), a);
                    r.PushBack(v, a);
                }
                return std::nullopt;
            }};
}

}  // namespace

MethodList NetRpcMethods(const Rpc& rpc) {
    return {GetPeerInfoMethod(rpc), AddNodeMethod(rpc), DisconnectNodeMethod(rpc),
            ListBannedMethod(rpc)};
}

}  // namespace maillon
