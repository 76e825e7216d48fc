// The P2P wire protocol (net/messages.h) and misbehaviour scores
// (net/peer_score.h): every message round-trips; a header is refused for
// another chain, an unknown type or a length over its type's bound before
// any payload is read; a payload for a bad checksum, trailing bytes, a
// truncation or a field out of bounds; and offences add up to a ban.
#include <boost/test/unit_test.hpp>

#include "net/messages.h"
#include "net/peer_score.h"
#include "test/util/setup.h"

using namespace maillon;
using namespace maillon::test;

namespace {

constexpr uint32_t kChain = 3;

Result<P2PMessage> RoundTrip(const std::vector<uint8_t>& frame, uint32_t chain = kChain) {
    if (frame.size() < kP2PHeaderSize) return MakeError("short", "no header");
    auto h = DecodeP2PHeader(std::span<const uint8_t, kP2PHeaderSize>(frame.data(), kP2PHeaderSize),
                             chain);
    if (!h) return h.error();
    return DecodeP2PPayload(*h, std::span(frame).subspan(kP2PHeaderSize));
}

VersionMsg AVersion() {
    VersionMsg v;
    v.chain_id = kChain;
    v.genesis.fill(7);
    v.height = 42;
    v.nonce = 0x1122334455667788;
    v.listen_port = 27330;
    v.user_agent = "maillond/0.1";
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(p2p_messages_tests)

BOOST_AUTO_TEST_CASE(every_message_round_trips) {
    AddrMsg addr;
    addr.addrs.push_back(PeerAddr{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, 27330});
    const std::vector<P2PMessage> all = {AVersion(),       VerackMsg{},  PingMsg{9}, PongMsg{9},
                                         TxMsg{{1, 2, 3}}, GetAddrMsg{}, addr};
    for (const P2PMessage& m : all) {
        auto back = RoundTrip(EncodeP2P(kChain, m));
        BOOST_REQUIRE_MESSAGE(back, ErrorText(back));
        BOOST_CHECK(*back == m);
        BOOST_CHECK_LE(EncodeP2P(kChain, m).size() - kP2PHeaderSize, MaxPayload(TypeOf(m)));
    }
}

BOOST_AUTO_TEST_CASE(headers_are_refused_before_their_payload) {
    auto frame = EncodeP2P(kChain, PingMsg{1});
    BOOST_CHECK_EQUAL(Code(RoundTrip(frame, 1)), "p2p-wrong-chain");
    auto unknown = frame;
    unknown[4] = 0x7f;
    BOOST_CHECK_EQUAL(Code(RoundTrip(unknown)), "p2p-unknown-type");
    auto huge = frame;
    huge[5] = 0xff;
    huge[6] = 0xff;
    huge[7] = 0xff;
    huge[8] = 0x7f;  // 2 GiB announced for a ping
    auto h = DecodeP2PHeader(std::span<const uint8_t, kP2PHeaderSize>(huge.data(), kP2PHeaderSize),
                             kChain);
    BOOST_REQUIRE(!h);
    BOOST_CHECK_EQUAL(h.error().code, "p2p-oversized");
    BOOST_CHECK_MESSAGE(h.error().message.find("ping of 2147483647 bytes") != std::string::npos,
                        h.error().message);
}

BOOST_AUTO_TEST_CASE(payloads_are_checked_and_canonical) {
    auto frame = EncodeP2P(kChain, AVersion());
    auto flipped = frame;
    flipped.back() ^= 1;
    BOOST_CHECK_EQUAL(Code(RoundTrip(flipped)), "p2p-bad-checksum");
    // Well-checksummed payloads that do not decode: the field is named.
    VersionMsg bad = AVersion();
    bad.user_agent = "tab\there";
    BOOST_CHECK_EQUAL(Code(RoundTrip(EncodeP2P(kChain, bad))), "decode-error");
    bad.user_agent = std::string(kMaxUserAgent + 1, 'a');
    const auto long_agent = EncodeP2P(kChain, bad);
    BOOST_CHECK(Code(RoundTrip(long_agent)) == "p2p-oversized" ||
                Code(RoundTrip(long_agent)) == "decode-error");
    AddrMsg zero_port;
    zero_port.addrs.push_back(PeerAddr{{}, 0});
    auto r = RoundTrip(EncodeP2P(kChain, zero_port));
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(r.error().message.find("addr.port") != std::string::npos,
                        r.error().message);
    // A payload shorter than its header says.
    auto cut = frame;
    cut.pop_back();
    BOOST_CHECK_EQUAL(Code(RoundTrip(cut)), "p2p-truncated");
}

BOOST_AUTO_TEST_CASE(offences_add_up_to_a_ban_that_expires) {
    PeerScore s;
    BOOST_CHECK(!s.Misbehaved("p2p-unknown-type"));
    BOOST_CHECK_EQUAL(s.Points(), 20);
    for (int i = 0; i < 3; ++i)
        BOOST_CHECK(!s.Misbehaved("p2p-unknown-type"));
    BOOST_CHECK(s.Misbehaved("p2p-unknown-type"));  // 100
    PeerScore garbage;
    BOOST_CHECK(garbage.Misbehaved("p2p-bad-checksum"));
    BOOST_CHECK(PeerScore().Misbehaved("a-reason-nobody-knows"));
    BanList bans;
    bans.Ban("10.0.0.1", 1'000, 60, "p2p-bad-checksum");
    BOOST_CHECK(bans.IsBanned("10.0.0.1", 1'059));
    BOOST_CHECK(!bans.IsBanned("10.0.0.2", 1'059));
    BOOST_CHECK_EQUAL(bans.Entries(1'059).size(), 1U);
    BOOST_CHECK(!bans.IsBanned("10.0.0.1", 1'060));
    BOOST_CHECK(bans.Entries(1'060).empty());
    bans.Ban("10.0.0.3", 0, 10, "x");
    BOOST_CHECK(bans.Unban("10.0.0.3"));
    BOOST_CHECK(!bans.Unban("10.0.0.3"));
}

BOOST_AUTO_TEST_SUITE_END()
