// The device service protocol (doc/agent.md, "The device service protocol"):
// how a client (maillon-cli) asks a device's agent to store chunks, co-sign a
// storage deal, give chunks back and serve bandwidth. This file is the pure
// codec, with no sockets: the agent's server (agent/service_server.h) and
// the CLI's client (client/service_client.h) both frame and parse with it.
//
// A frame is
//     length u32 (little-endian; the body's, without this header) |
//     type u8 | body
// and the body is the type's fields in the encoding of serialize/codec.h,
// with no byte left over. Every type has its own bound on the body's length
// (MaxBodySize), all below kMaxFrameBody, so that a reader checks a frame's
// length from its five-byte header, before it buffers or allocates the body.
// Requests (types below 0x80) go from the client to the agent, replies and
// the stream of a bandwidth session (0x80 and above) the other way.
//
// Decoding never trusts a length or count: each is checked against its bound
// and against the bytes left before anything is allocated. Every error names
// the message and field, and the offset of the field's first byte in the
// body. Pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

inline constexpr uint32_t kServiceProtocolVersion = 1;
inline constexpr size_t kFrameHeaderSize = 5;
// No type's body comes near it; a length above it is refused whatever the type.
inline constexpr uint32_t kMaxFrameBody = 4 * 1024 * 1024;
// Chunks in one PUT_CHUNKS or CHUNKS message, and asked for by one GET_CHUNKS.
inline constexpr uint64_t kMaxChunksPerMessage = 1024;
// Bytes in one DATA frame of a bandwidth session.
inline constexpr size_t kMaxDataBytes = 16 * 1024;
// Most bytes one bandwidth session may ask for (1 TiB).
inline constexpr uint64_t kMaxBandwidthBytes = uint64_t{1} << 40;
inline constexpr size_t kMaxErrorCodeSize = 64;
inline constexpr size_t kMaxErrorMessageSize = 1024;

enum class ServiceMsg : uint8_t {
    kInfo = 0x01,
    kPutChunks = 0x02,
    kSignDeal = 0x03,
    kGetChunks = 0x04,
    kBandwidth = 0x05,
    kReceipt = 0x06,
    kInfoReply = 0x81,
    kOk = 0x82,
    kSigned = 0x83,
    kChunks = 0x84,
    kData = 0x85,
    kEnd = 0x86,
    kError = 0xff,
};

// Who sends a message: requests and receipts come from the client.
enum class ServicePeer { kClient, kAgent };

using ChunkList = std::vector<std::vector<uint8_t>>;

// INFO: what the agent is (empty body).
struct InfoRequest {
    bool operator==(const InfoRequest&) const = default;
};
struct InfoReply {
    uint32_t version = kServiceProtocolVersion;
    uint32_t chain_id = 0;
    XOnlyPubKey device{};
    uint64_t min_price = 0;        // credits per byte and epoch the agent signs deals for
    uint32_t max_deal_epochs = 0;  // the longest deal it signs
    uint64_t storage_free = 0;     // bytes it can still take
    bool operator==(const InfoReply&) const = default;
};
// PUT_CHUNKS: chunks first_index, first_index + 1, ... of the stored bytes
// whose chunk tree root is data_root.
struct PutChunks {
    Hash256 data_root{};
    uint64_t size = 0;
    uint32_t chunk_size = 0;
    uint64_t first_index = 0;
    ChunkList chunks;  // 1..kMaxChunksPerMessage, each 1..kMaxChunkSize bytes
    bool operator==(const PutChunks&) const = default;
};
struct PutOk {
    uint64_t held = 0;      // chunks of data_root the agent holds now
    bool complete = false;  // all of them, and their root is data_root
    bool operator==(const PutOk&) const = default;
};
// SIGN_DEAL / SIGNED: a storage_deal's encoding (consensus/transaction.h).
struct SignDeal {
    std::vector<uint8_t> tx;
    bool operator==(const SignDeal&) const = default;
};
struct SignedDeal {
    std::vector<uint8_t> tx;
    bool operator==(const SignedDeal&) const = default;
};
struct GetChunks {
    Hash256 data_root{};
    uint64_t first_index = 0;
    uint32_t count = 0;  // 1..kMaxChunksPerMessage
    bool operator==(const GetChunks&) const = default;
};
struct Chunks {
    uint64_t size = 0;  // of the whole stored file, so that a reader knows the count
    uint32_t chunk_size = 0;
    uint64_t first_index = 0;
    ChunkList chunks;  // 1..kMaxChunksPerMessage
    bool operator==(const Chunks&) const = default;
};
// BANDWIDTH: starts a session; the agent streams DATA, the client answers
// each with a RECEIPT (a bandwidth_receipt's encoding), the agent ends with END.
struct BandwidthRequest {
    Hash256 session{};
    XOnlyPubKey consumer{};
    uint64_t bytes_wanted = 0;  // 1..kMaxBandwidthBytes
    bool operator==(const BandwidthRequest&) const = default;
};
struct Data {
    std::vector<uint8_t> bytes;  // 1..kMaxDataBytes
    bool operator==(const Data&) const = default;
};
struct Receipt {
    std::vector<uint8_t> tx;
    bool operator==(const Receipt&) const = default;
};
struct End {
    uint64_t bytes_sent = 0;
    uint64_t bytes_receipted = 0;  // the total of the receipt the agent settles
    std::string reason;            // "complete", "receipts-stopped"
    bool operator==(const End&) const = default;
};
struct ErrorReply {
    std::string code;     // kebab-case, at most kMaxErrorCodeSize bytes
    std::string message;  // what to fix, at most kMaxErrorMessageSize bytes
    bool operator==(const ErrorReply&) const = default;
};

using ServiceMessage =
    std::variant<InfoRequest, InfoReply, PutChunks, PutOk, SignDeal, SignedDeal, GetChunks, Chunks,
                 BandwidthRequest, Data, Receipt, End, ErrorReply>;

ServiceMsg TypeOf(const ServiceMessage& message);
// "INFO", "PUT_CHUNKS", ...; "0x07" for a byte that is no type.
std::string ServiceMsgName(uint8_t type);
// The largest body a message of this type may have.
uint32_t MaxBodySize(ServiceMsg type);

// The whole frame: header and body.
std::vector<uint8_t> EncodeFrame(const ServiceMessage& message);
// An ERROR reply whose code and message are cut to their bounds.
ErrorReply MakeErrorReply(const Error& error);

struct FrameHeader {
    ServiceMsg type{};
    uint32_t length = 0;
};
// The header of a frame sent by `from`. Errors: "unknown-message-type",
// "unexpected-message-type" (a type the other side sends), "frame-too-large"
// (a length above the type's bound).
Result<FrameHeader> ParseFrameHeader(std::span<const uint8_t, kFrameHeaderSize> header,
                                     ServicePeer from);
// A body of header.length bytes. Error "decode-error": the message names the
// field and its offset in the body (truncated, a count or length over its
// bound, an empty chunk, trailing bytes).
Result<ServiceMessage> DecodeBody(ServiceMsg type, std::span<const uint8_t> body);
// A whole frame, header and body: the bytes must be exactly one frame
// ("frame-truncated", "frame-trailing-bytes"), then as above.
Result<ServiceMessage> DecodeFrame(std::span<const uint8_t> frame, ServicePeer from);

}  // namespace maillon
