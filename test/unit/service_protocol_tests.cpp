// The device service protocol's codec (src/client/service_protocol.h): every
// message round trips through its frame, and a frame that is truncated,
// oversized, of an unknown type, sent by the wrong side, or followed by
// trailing bytes is refused with a message that names what is wrong and where.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "client/service_protocol.h"
#include "consensus/chunk_tree.h"
#include "consensus/transaction.h"
#include "serialize/codec.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using Bytes = std::vector<uint8_t>;
using maillon::test::Code;

Hash256 Filled(uint8_t b) {
    Hash256 h;
    h.fill(b);
    return h;
}

// One message of every type, with fields that are not all defaults.
std::vector<ServiceMessage> OneOfEach() {
    InfoReply info;
    info.chain_id = 3;
    info.device = Filled(0xd1);
    info.min_price = 2;
    info.max_deal_epochs = 365;
    info.storage_free = uint64_t{1} << 30;
    PutChunks put{Filled(0x11), 3000, 1024, 1, {Bytes(1024, 7), Bytes(952, 8)}};
    Chunks chunks{3000, 1024, 2, {Bytes(952, 9)}};
    BandwidthRequest bw{Filled(0x55), Filled(0x66), 300'000};
    return {InfoRequest{},
            info,
            put,
            PutOk{3, true},
            SignDeal{Bytes(200, 1)},
            SignedDeal{Bytes(264, 2)},
            GetChunks{Filled(0x22), 5, 1024},
            chunks,
            bw,
            Data{Bytes(kMaxDataBytes, 0xab)},
            Receipt{Bytes(180, 3)},
            End{300'000, 294'912, "receipts-stopped"},
            ErrorReply{"root-mismatch", "the chunks lead to another root"}};
}

ServicePeer SenderOf(const ServiceMessage& m) {
    return static_cast<uint8_t>(TypeOf(m)) < 0x80 ? ServicePeer::kClient : ServicePeer::kAgent;
}

// The error DecodeFrame gives, as "code: message"; "ok" when it decodes.
std::string FrameError(const Bytes& frame, ServicePeer from) {
    auto m = DecodeFrame(frame, from);
    return m ? "ok" : m.error().code + ": " + m.error().message;
}

// A frame with this header and body, whatever they say.
Bytes RawFrame(uint32_t length, uint8_t type, const Bytes& body) {
    Writer w;
    w.U32(length);
    w.U8(type);
    w.Raw(body);
    return w.Take();
}

Bytes BodyOf(const ServiceMessage& m) {
    const Bytes frame = EncodeFrame(m);
    return Bytes(frame.begin() + kFrameHeaderSize, frame.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(service_protocol_tests)

BOOST_AUTO_TEST_CASE(every_message_round_trips) {
    for (const ServiceMessage& m : OneOfEach()) {
        const Bytes frame = EncodeFrame(m);
        BOOST_TEST_CONTEXT(ServiceMsgName(static_cast<uint8_t>(TypeOf(m)))) {
            BOOST_REQUIRE_GE(frame.size(), kFrameHeaderSize);
            // The header: the body's length, little-endian, then the type.
            const uint32_t length = static_cast<uint32_t>(frame[0]) | uint32_t{frame[1]} << 8 |
                                    uint32_t{frame[2]} << 16 | uint32_t{frame[3]} << 24;
            BOOST_CHECK_EQUAL(length, frame.size() - kFrameHeaderSize);
            BOOST_CHECK_EQUAL(frame[4], static_cast<uint8_t>(TypeOf(m)));
            BOOST_CHECK_LE(length, MaxBodySize(TypeOf(m)));
            auto back = DecodeFrame(frame, SenderOf(m));
            BOOST_REQUIRE_MESSAGE(back, test::ErrorText(back));
            BOOST_CHECK(*back == m);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_largest_messages_fit_their_bounds) {
    PutChunks put{Filled(1), kMaxDealChunks * kMaxChunkSize, kMaxChunkSize, 0, {}};
    put.chunks.assign(kMaxChunksPerMessage, Bytes(kMaxChunkSize, 1));
    Chunks chunks{put.size, kMaxChunkSize, 0, put.chunks};
    const std::vector<ServiceMessage> largest = {
        put,
        chunks,
        SignDeal{Bytes(kMaxTxSize, 1)},
        Receipt{Bytes(kMaxTxSize, 1)},
        Data{Bytes(kMaxDataBytes, 1)},
        ErrorReply{std::string(kMaxErrorCodeSize, 'c'), std::string(kMaxErrorMessageSize, 'm')}};
    for (const ServiceMessage& m : largest) {
        const Bytes frame = EncodeFrame(m);
        BOOST_TEST_CONTEXT(ServiceMsgName(static_cast<uint8_t>(TypeOf(m)))) {
            BOOST_CHECK_EQUAL(frame.size() - kFrameHeaderSize, MaxBodySize(TypeOf(m)));
            BOOST_CHECK_LE(MaxBodySize(TypeOf(m)), kMaxFrameBody);
            BOOST_CHECK_EQUAL(Code(DecodeFrame(frame, SenderOf(m))), "ok");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_truncated_frame_is_refused) {
    for (const ServiceMessage& m : OneOfEach()) {
        const Bytes frame = EncodeFrame(m);
        BOOST_TEST_CONTEXT(ServiceMsgName(static_cast<uint8_t>(TypeOf(m)))) {
            BOOST_CHECK_EQUAL(FrameError(Bytes(frame.begin(), frame.begin() + 4), SenderOf(m)),
                              "frame-truncated: 4 bytes are not a frame header (5 bytes)");
            if (frame.size() == kFrameHeaderSize) continue;  // INFO has no body
            const Bytes cut(frame.begin(), frame.end() - 1);
            BOOST_CHECK_EQUAL(FrameError(cut, SenderOf(m)),
                              "frame-truncated: the header says " +
                                  std::to_string(frame.size() - kFrameHeaderSize) +
                                  " body bytes, " + std::to_string(cut.size() - kFrameHeaderSize) +
                                  " are there");
            // A header that agrees with a cut body: the field that runs out is named.
            const Bytes body(cut.begin() + kFrameHeaderSize, cut.end());
            auto decoded = DecodeBody(TypeOf(m), body);
            BOOST_REQUIRE(!decoded);
            BOOST_CHECK_EQUAL(decoded.error().code, "decode-error");
            BOOST_CHECK_MESSAGE(decoded.error().message.find("truncated") != std::string::npos,
                                decoded.error().message);
        }
    }
    // The exact messages, for two of them.
    const Bytes get = BodyOf(GetChunks{Filled(1), 0, 1});
    BOOST_CHECK_EQUAL(
        DecodeBody(ServiceMsg::kGetChunks, Bytes(get.begin(), get.end() - 2)).error().message,
        "get_chunks.count: truncated: need 4 bytes, 2 left (at byte 40)");
    Bytes put = BodyOf(PutChunks{Filled(1), 10, 10, 0, {Bytes(10, 1)}});
    put.pop_back();
    BOOST_CHECK_EQUAL(DecodeBody(ServiceMsg::kPutChunks, put).error().message,
                      "put_chunks.chunks: truncated: length 10 but 9 bytes left (at byte 53)");
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_refused) {
    for (const ServiceMessage& m : OneOfEach()) {
        Bytes frame = EncodeFrame(m);
        BOOST_TEST_CONTEXT(ServiceMsgName(static_cast<uint8_t>(TypeOf(m)))) {
            // After the frame its header announces.
            frame.push_back(0);
            BOOST_CHECK_EQUAL(FrameError(frame, SenderOf(m)),
                              "frame-trailing-bytes: 1 bytes after the frame's " +
                                  std::to_string(frame.size() - kFrameHeaderSize - 1) +
                                  " body bytes");
            // Inside a body whose length counts them (when the bound leaves room).
            Bytes body(frame.begin() + kFrameHeaderSize, frame.end());
            if (body.size() > MaxBodySize(TypeOf(m))) continue;
            auto decoded = DecodeBody(TypeOf(m), body);
            BOOST_REQUIRE(!decoded);
            BOOST_CHECK_EQUAL(decoded.error().message,
                              ServiceMsgName(static_cast<uint8_t>(TypeOf(m))) +
                                  ": 1 trailing bytes after the last field (at byte " +
                                  std::to_string(body.size() - 1) + ")");
        }
    }
}

BOOST_AUTO_TEST_CASE(an_oversized_length_is_refused_from_the_header) {
    const std::array<uint8_t, 5> info = {1, 0, 0, 0, 0x01};
    BOOST_CHECK_EQUAL(ParseFrameHeader(info, ServicePeer::kClient).error().message,
                      "the INFO body of 1 bytes is over its limit of 0");
    for (const ServiceMessage& m : OneOfEach()) {
        const uint8_t type = static_cast<uint8_t>(TypeOf(m));
        const uint32_t over = MaxBodySize(TypeOf(m)) + 1;
        const std::array<uint8_t, 5> header = {
            static_cast<uint8_t>(over), static_cast<uint8_t>(over >> 8),
            static_cast<uint8_t>(over >> 16), static_cast<uint8_t>(over >> 24), type};
        auto parsed = ParseFrameHeader(header, SenderOf(m));
        BOOST_TEST_CONTEXT(ServiceMsgName(type)) {
            BOOST_REQUIRE(!parsed);
            BOOST_CHECK_EQUAL(parsed.error().code, "frame-too-large");
            const std::array<uint8_t, 5> huge = {0xff, 0xff, 0xff, 0xff, type};
            BOOST_CHECK_EQUAL(Code(ParseFrameHeader(huge, SenderOf(m))), "frame-too-large");
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_and_misdirected_types_are_refused) {
    for (uint8_t type : {0x00, 0x07, 0x80, 0x87, 0xfe}) {
        BOOST_CHECK_EQUAL(FrameError(RawFrame(0, type, {}), ServicePeer::kClient),
                          "unknown-message-type: message type " + ServiceMsgName(type) +
                              " is not one of the protocol's");
    }
    BOOST_CHECK_EQUAL(ServiceMsgName(0x07), "0x07");
    BOOST_CHECK_EQUAL(FrameError(EncodeFrame(PutOk{1, false}), ServicePeer::kClient),
                      "unexpected-message-type: OK is sent by the agent, not the client");
    BOOST_CHECK_EQUAL(FrameError(EncodeFrame(InfoRequest{}), ServicePeer::kAgent),
                      "unexpected-message-type: INFO is sent by the client, not the agent");
}

BOOST_AUTO_TEST_CASE(counts_lengths_and_values_are_bounded) {
    auto error = [](ServiceMsg type, const Bytes& body) {
        auto m = DecodeBody(type, body);
        return m ? std::string("ok") : m.error().message;
    };
    // A chunk list: at least one, at most kMaxChunksPerMessage, none empty or too long.
    Writer head;
    head.Raw(Filled(1));
    head.U64(10);
    head.U32(10);
    head.U64(0);
    auto put = [&](auto&& tail) {
        Writer w;
        w.Raw(head.Data());
        tail(w);
        return w.Take();
    };
    BOOST_CHECK_EQUAL(error(ServiceMsg::kPutChunks, put([](Writer& w) { w.VarInt(0); })),
                      "put_chunks.chunks: no chunks (at byte 52)");
    BOOST_CHECK_EQUAL(error(ServiceMsg::kPutChunks, put([](Writer& w) { w.VarInt(1025); })),
                      "put_chunks.chunks: count 1025 exceeds limit 1024 (at byte 52)");
    BOOST_CHECK_EQUAL(error(ServiceMsg::kPutChunks, put([](Writer& w) {
                                w.VarInt(2);
                                w.Bytes(Bytes{1});
                                w.VarInt(0);
                            })),
                      "put_chunks.chunks: empty (at byte 55)");
    BOOST_CHECK_EQUAL(error(ServiceMsg::kPutChunks, put([](Writer& w) {
                                w.VarInt(1);
                                w.VarInt(kMaxChunkSize + 1);
                            })),
                      "put_chunks.chunks: length 2049 exceeds limit 2048 (at byte 53)");
    // GET_CHUNKS asks for 1..kMaxChunksPerMessage chunks.
    for (uint32_t count : {0U, 1025U}) {
        BOOST_CHECK_EQUAL(
            error(ServiceMsg::kGetChunks, BodyOf(GetChunks{Filled(1), 0, count})),
            "get_chunks.count: " + std::to_string(count) + " is not 1..1024 (at byte 40)");
    }
    // A session asks for 1..kMaxBandwidthBytes.
    BOOST_CHECK_EQUAL(
        error(ServiceMsg::kBandwidth, BodyOf(BandwidthRequest{Filled(1), Filled(2), 0})),
        "bandwidth.bytes_wanted: 0 is not 1..1099511627776 (at byte 64)");
    BOOST_CHECK_EQUAL(error(ServiceMsg::kBandwidth,
                            BodyOf(BandwidthRequest{Filled(1), Filled(2), kMaxBandwidthBytes})),
                      "ok");
    // Transactions: not empty, at most kMaxTxSize bytes.
    BOOST_CHECK_EQUAL(error(ServiceMsg::kSignDeal, BodyOf(SignDeal{})),
                      "sign_deal.tx: empty (at byte 0)");
    Writer big;
    big.VarInt(kMaxTxSize + 1);
    BOOST_CHECK_EQUAL(error(ServiceMsg::kReceipt, big.Data()),
                      "receipt.tx: length 4506 exceeds limit 4505 (at byte 0)");
    BOOST_CHECK_EQUAL(error(ServiceMsg::kData, BodyOf(Data{})), "data.bytes: empty (at byte 0)");
    BOOST_CHECK_EQUAL(error(ServiceMsg::kOk, Bytes{1, 0, 0, 0, 0, 0, 0, 0, 2}),
                      "ok.complete: not 0 or 1 (at byte 8)");
    BOOST_CHECK_EQUAL(error(ServiceMsg::kError, BodyOf(ErrorReply{"", "x"})),
                      "error.code: empty (at byte 0)");
}

BOOST_AUTO_TEST_CASE(error_replies_are_cut_to_their_bounds) {
    const ErrorReply e = MakeErrorReply(MakeError(std::string(100, 'c'), std::string(5000, 'm')));
    BOOST_CHECK_EQUAL(e.code.size(), kMaxErrorCodeSize);
    BOOST_CHECK_EQUAL(e.message.size(), kMaxErrorMessageSize);
    BOOST_CHECK_EQUAL(Code(DecodeFrame(EncodeFrame(e), ServicePeer::kAgent)), "ok");
}

BOOST_AUTO_TEST_SUITE_END()
