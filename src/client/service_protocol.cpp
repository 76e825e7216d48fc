#include "client/service_protocol.h"

#include <algorithm>
#include <cstdio>
#include <type_traits>

#include "consensus/chunk_tree.h"
#include "consensus/transaction.h"
#include "serialize/codec.h"

namespace maillon {

namespace {

// The varint of a length or count up to n: at most this many bytes.
constexpr uint32_t VarIntSize(uint64_t n) {
    uint32_t size = 1;
    while (n >= 0x80) {
        n >>= 7;
        ++size;
    }
    return size;
}

constexpr uint32_t kMaxChunkListSize =
    VarIntSize(kMaxChunksPerMessage) +
    kMaxChunksPerMessage * (VarIntSize(kMaxChunkSize) + kMaxChunkSize);
constexpr uint32_t kMaxTxBytesSize = VarIntSize(kMaxTxSize) + kMaxTxSize;

struct TypeInfo {
    ServiceMsg type;
    const char* name;
    ServicePeer from;
    uint32_t max_body;
};

// In the order of ServiceMessage's alternatives.
constexpr std::array<TypeInfo, 13> kTypes = {{
    {ServiceMsg::kInfo, "INFO", ServicePeer::kClient, 0},
    {ServiceMsg::kInfoReply, "INFO_REPLY", ServicePeer::kAgent, 4 + 4 + 32 + 8 + 4 + 8},
    {ServiceMsg::kPutChunks, "PUT_CHUNKS", ServicePeer::kClient,
     32 + 8 + 4 + 8 + kMaxChunkListSize},
    {ServiceMsg::kOk, "OK", ServicePeer::kAgent, 8 + 1},
    {ServiceMsg::kSignDeal, "SIGN_DEAL", ServicePeer::kClient, kMaxTxBytesSize},
    {ServiceMsg::kSigned, "SIGNED", ServicePeer::kAgent, kMaxTxBytesSize},
    {ServiceMsg::kGetChunks, "GET_CHUNKS", ServicePeer::kClient, 32 + 8 + 4},
    {ServiceMsg::kChunks, "CHUNKS", ServicePeer::kAgent, 8 + 4 + 8 + kMaxChunkListSize},
    {ServiceMsg::kBandwidth, "BANDWIDTH", ServicePeer::kClient, 32 + 32 + 8},
    {ServiceMsg::kData, "DATA", ServicePeer::kAgent, VarIntSize(kMaxDataBytes) + kMaxDataBytes},
    {ServiceMsg::kReceipt, "RECEIPT", ServicePeer::kClient, kMaxTxBytesSize},
    {ServiceMsg::kEnd, "END", ServicePeer::kAgent, 8 + 8 + 1 + kMaxErrorCodeSize},
    {ServiceMsg::kError, "ERROR", ServicePeer::kAgent,
     1 + kMaxErrorCodeSize + VarIntSize(kMaxErrorMessageSize) + kMaxErrorMessageSize},
}};
static_assert(kTypes.size() == std::variant_size_v<ServiceMessage>);

const TypeInfo* FindType(uint8_t type) {
    auto it = std::find_if(kTypes.begin(), kTypes.end(), [type](const TypeInfo& t) {
        return static_cast<uint8_t>(t.type) == type;
    });
    return it == kTypes.end() ? nullptr : &*it;
}

// --- the bodies -------------------------------------------------------------
//
// Each message's fields are listed once, in Fields(): with Out they are
// written, with In read and checked against their bounds.

// Writes; every check is the reader's.
struct Out {
    Writer& w;
    bool U8Bool(const bool& v, const char*) { return w.U8(v ? 1 : 0), true; }
    bool U32(const uint32_t& v, const char*, uint64_t = 0, uint64_t = 0) { return w.U32(v), true; }
    bool U64(const uint64_t& v, const char*, uint64_t = 0, uint64_t = 0) { return w.U64(v), true; }
    bool Key(const std::array<uint8_t, 32>& v, const char*) { return w.Raw(v), true; }
    bool Bytes(const std::vector<uint8_t>& v, const char*, size_t, bool) {
        return w.Bytes(v), true;
    }
    bool Text(const std::string& v, const char*, size_t, bool) {
        return w.Bytes({reinterpret_cast<const uint8_t*>(v.data()), v.size()}), true;
    }
    bool List(const ChunkList& v, const char*) {
        w.VarInt(v.size());
        for (const auto& chunk : v)
            w.Bytes(chunk);
        return true;
    }
};

// Reads, failing at the first field out of its bounds (the offset is the
// field's first byte).
struct In {
    Reader& r;
    bool U8Bool(bool& v, const char* field) {
        const size_t at = r.Position();
        uint8_t b = 0;
        if (!r.U8(b, field)) return false;
        if (b > 1) return r.FailAt(at, field, "not 0 or 1");
        v = b == 1;
        return true;
    }
    // lo..hi, unless both are 0 (any value).
    template <class T>
    bool InRange(T& v, const char* field, uint64_t lo, uint64_t hi, size_t at) {
        if ((lo == 0 && hi == 0) || (v >= lo && v <= hi)) return true;
        return r.FailAt(
            at, field,
            std::to_string(v) + " is not " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    bool U32(uint32_t& v, const char* field, uint64_t lo = 0, uint64_t hi = 0) {
        const size_t at = r.Position();
        return r.U32(v, field) && InRange(v, field, lo, hi, at);
    }
    bool U64(uint64_t& v, const char* field, uint64_t lo = 0, uint64_t hi = 0) {
        const size_t at = r.Position();
        return r.U64(v, field) && InRange(v, field, lo, hi, at);
    }
    bool Key(std::array<uint8_t, 32>& v, const char* field) { return r.Array(v, field); }
    bool Bytes(std::vector<uint8_t>& v, const char* field, size_t max, bool nonempty) {
        const size_t at = r.Position();
        if (!r.Bytes(v, max, field)) return false;
        return !(nonempty && v.empty()) || r.FailAt(at, field, "empty");
    }
    bool Text(std::string& v, const char* field, size_t max, bool nonempty) {
        std::vector<uint8_t> bytes;
        if (!Bytes(bytes, field, max, nonempty)) return false;
        v.assign(bytes.begin(), bytes.end());
        return true;
    }
    // 1..kMaxChunksPerMessage chunks of 1..kMaxChunkSize bytes.
    bool List(ChunkList& v, const char* field) {
        const size_t at = r.Position();
        uint64_t count = 0;
        if (!r.Count(count, kMaxChunksPerMessage, field)) return false;
        if (count == 0) return r.FailAt(at, field, "no chunks");
        v.resize(count);
        for (auto& chunk : v) {
            if (!Bytes(chunk, field, kMaxChunkSize, true)) return false;
        }
        return true;
    }
};

// M is T or const T: one Fields() serves writing and reading.
template <class M, class T>
concept Of = std::is_same_v<std::remove_const_t<M>, T>;

template <class IO, Of<InfoRequest> M>
bool Fields(IO&, M&) {
    return true;
}
template <class IO, Of<InfoReply> M>
bool Fields(IO& io, M& m) {
    return io.U32(m.version, "info_reply.version") && io.U32(m.chain_id, "info_reply.chain_id") &&
           io.Key(m.device, "info_reply.device") && io.U64(m.min_price, "info_reply.min_price") &&
           io.U32(m.max_deal_epochs, "info_reply.max_deal_epochs") &&
           io.U64(m.storage_free, "info_reply.storage_free");
}
template <class IO, Of<PutChunks> M>
bool Fields(IO& io, M& m) {
    return io.Key(m.data_root, "put_chunks.data_root") && io.U64(m.size, "put_chunks.size") &&
           io.U32(m.chunk_size, "put_chunks.chunk_size") &&
           io.U64(m.first_index, "put_chunks.first_index") &&
           io.List(m.chunks, "put_chunks.chunks");
}
template <class IO, Of<PutOk> M>
bool Fields(IO& io, M& m) {
    return io.U64(m.held, "ok.held") && io.U8Bool(m.complete, "ok.complete");
}
// The messages that carry one transaction's encoding.
template <class M>
concept CarriesTx = Of<M, SignDeal> || Of<M, SignedDeal> || Of<M, Receipt>;
template <class IO, CarriesTx M>
bool Fields(IO& io, M& m) {
    const char* field = Of<M, SignDeal>     ? "sign_deal.tx"
                        : Of<M, SignedDeal> ? "signed.tx"
                                            : "receipt.tx";
    return io.Bytes(m.tx, field, kMaxTxSize, true);
}
template <class IO, Of<GetChunks> M>
bool Fields(IO& io, M& m) {
    return io.Key(m.data_root, "get_chunks.data_root") &&
           io.U64(m.first_index, "get_chunks.first_index") &&
           io.U32(m.count, "get_chunks.count", 1, kMaxChunksPerMessage);
}
template <class IO, Of<Chunks> M>
bool Fields(IO& io, M& m) {
    return io.U64(m.size, "chunks.size") && io.U32(m.chunk_size, "chunks.chunk_size") &&
           io.U64(m.first_index, "chunks.first_index") && io.List(m.chunks, "chunks.chunks");
}
template <class IO, Of<BandwidthRequest> M>
bool Fields(IO& io, M& m) {
    return io.Key(m.session, "bandwidth.session") && io.Key(m.consumer, "bandwidth.consumer") &&
           io.U64(m.bytes_wanted, "bandwidth.bytes_wanted", 1, kMaxBandwidthBytes);
}
template <class IO, Of<Data> M>
bool Fields(IO& io, M& m) {
    return io.Bytes(m.bytes, "data.bytes", kMaxDataBytes, true);
}
template <class IO, Of<End> M>
bool Fields(IO& io, M& m) {
    return io.U64(m.bytes_sent, "end.bytes_sent") &&
           io.U64(m.bytes_receipted, "end.bytes_receipted") &&
           io.Text(m.reason, "end.reason", kMaxErrorCodeSize, true);
}
template <class IO, Of<ErrorReply> M>
bool Fields(IO& io, M& m) {
    return io.Text(m.code, "error.code", kMaxErrorCodeSize, true) &&
           io.Text(m.message, "error.message", kMaxErrorMessageSize, false);
}

// The alternative of ServiceMessage at `index`, read from r.
template <size_t I = 0>
bool ReadAlternative(size_t index, Reader& r, ServiceMessage& out) {
    if constexpr (I < std::variant_size_v<ServiceMessage>) {
        if (index != I) return ReadAlternative<I + 1>(index, r, out);
        std::variant_alternative_t<I, ServiceMessage> m{};
        In in{r};
        if (!Fields(in, m)) return false;
        out = std::move(m);
        return true;
    } else {
        return false;
    }
}

std::string Cut(const std::string& s, size_t max) {
    return s.size() <= max ? s : s.substr(0, max);
}

}  // namespace

ServiceMsg TypeOf(const ServiceMessage& message) {
    return kTypes[message.index()].type;
}

std::string ServiceMsgName(uint8_t type) {
    if (const TypeInfo* t = FindType(type)) return t->name;
    char hex[8];
    std::snprintf(hex, sizeof(hex), "0x%02x", type);
    return hex;
}

uint32_t MaxBodySize(ServiceMsg type) {
    const TypeInfo* t = FindType(static_cast<uint8_t>(type));
    return t == nullptr ? 0 : t->max_body;
}

std::vector<uint8_t> EncodeFrame(const ServiceMessage& message) {
    Writer body;
    Out out{body};
    std::visit([&out](const auto& m) { Fields(out, m); }, message);
    Writer frame;
    frame.U32(static_cast<uint32_t>(body.Data().size()));
    frame.U8(static_cast<uint8_t>(TypeOf(message)));
    frame.Raw(body.Data());
    return frame.Take();
}

ErrorReply MakeErrorReply(const Error& error) {
    return ErrorReply{Cut(error.code, kMaxErrorCodeSize), Cut(error.message, kMaxErrorMessageSize)};
}

Result<FrameHeader> ParseFrameHeader(std::span<const uint8_t, kFrameHeaderSize> header,
                                     ServicePeer from) {
    FrameHeader h;
    h.length = static_cast<uint32_t>(header[0]) | static_cast<uint32_t>(header[1]) << 8 |
               static_cast<uint32_t>(header[2]) << 16 | static_cast<uint32_t>(header[3]) << 24;
    const TypeInfo* t = FindType(header[4]);
    if (t == nullptr) {
        return MakeError("unknown-message-type", "message type " + ServiceMsgName(header[4]) +
                                                     " is not one of the protocol's");
    }
    if (t->from != from) {
        return MakeError("unexpected-message-type",
                         std::string(t->name) + " is sent by the " +
                             (t->from == ServicePeer::kAgent ? "agent" : "client") + ", not the " +
                             (from == ServicePeer::kAgent ? "agent" : "client"));
    }
    if (h.length > t->max_body || h.length > kMaxFrameBody) {
        return MakeError("frame-too-large",
                         std::string("the ") + t->name + " body of " + std::to_string(h.length) +
                             " bytes is over its limit of " + std::to_string(t->max_body));
    }
    h.type = t->type;
    return h;
}

Result<ServiceMessage> DecodeBody(ServiceMsg type, std::span<const uint8_t> body) {
    const TypeInfo* t = FindType(static_cast<uint8_t>(type));
    if (t == nullptr) return MakeError("unknown-message-type", "not a message type");
    Reader r(body);
    ServiceMessage out;
    ReadAlternative(static_cast<size_t>(t - kTypes.data()), r, out);
    if (!r.Finish(t->name)) return r.GetError();
    return out;
}

Result<ServiceMessage> DecodeFrame(std::span<const uint8_t> frame, ServicePeer from) {
    if (frame.size() < kFrameHeaderSize) {
        return MakeError("frame-truncated",
                         std::to_string(frame.size()) + " bytes are not a frame header (5 bytes)");
    }
    auto header = ParseFrameHeader(frame.first<kFrameHeaderSize>(), from);
    if (!header) return header.error();
    const size_t body = frame.size() - kFrameHeaderSize;
    if (body < header->length) {
        return MakeError("frame-truncated", "the header says " + std::to_string(header->length) +
                                                " body bytes, " + std::to_string(body) +
                                                " are there");
    }
    if (body > header->length) {
        return MakeError("frame-trailing-bytes",
                         std::to_string(body - header->length) + " bytes after the frame's " +
                             std::to_string(header->length) + " body bytes");
    }
    return DecodeBody(header->type, frame.subspan(kFrameHeaderSize));
}

}  // namespace maillon
