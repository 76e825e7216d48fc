// maillon-agent's bandwidth service, apart from its sockets: how much a
// session streams before it waits for receipts, every check of a receipt
// the consumer sends, the device's settlement of the last one (which must
// pass the chain's rules), and the store of receipts waiting to be settled.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "agent/bandwidth_session.h"
#include "agent/receipt_settler.h"
#include "consensus/records.h"
#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx_verify.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using Bytes = std::vector<uint8_t>;
using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::TempDir;
using maillon::test::TestKey;

const PrivKey& DeviceKey() {
    static const PrivKey k = TestKey(11);
    return k;
}
const PrivKey& Owner() {
    static const PrivKey k = TestKey(12);
    return k;
}
const PrivKey& Consumer() {
    static const PrivKey k = TestKey(13);
    return k;
}

Hash256 SessionId(uint8_t n) {
    Hash256 h{};
    h.fill(n);
    return h;
}

BandwidthRequest Request(uint64_t wanted) {
    return BandwidthRequest{SessionId(1), Consumer().PubKey(), wanted};
}

// A receipt the consumer signed, for `bytes` at `ref_height`.
Transaction Signed(uint64_t bytes, uint64_t ref_height, const Hash256& session = SessionId(1),
                   const PrivKey& consumer = Consumer(), const PrivKey& device = DeviceKey()) {
    return UnsignedBandwidthReceipt(Dev().chain_id, device.PubKey(), consumer.PubKey(), session,
                                    bytes, ref_height)
        .Sign(1, consumer);
}

// Streams what the session allows, as the server does; the bytes sent.
uint64_t Stream(BandwidthSession& s) {
    uint64_t total = 0;
    while (size_t n = s.NextFrameSize()) {
        s.Sent(n);
        total += n;
    }
    return total;
}

std::string Take(BandwidthSession& s, const Transaction& tx, std::optional<uint64_t> tip = 100) {
    return Code(s.TakeReceipt(tx.Serialize(), tip));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_bandwidth_tests)

BOOST_AUTO_TEST_CASE(the_stream_stops_when_receipts_stop) {
    BandwidthSession s(Dev(), DeviceKey().PubKey(), Request(1'000'000));
    BOOST_CHECK_EQUAL(s.NextFrameSize(), kMaxDataBytes);
    // Without receipts the stream stops at kMaxUnreceiptedBytes.
    BOOST_CHECK_EQUAL(Stream(s), kMaxUnreceiptedBytes);
    BOOST_CHECK_EQUAL(s.NextFrameSize(), 0U);
    // A receipt for part of it lets that much more go.
    BOOST_REQUIRE_EQUAL(Take(s, Signed(100'000, 100)), "ok");
    BOOST_CHECK_EQUAL(Stream(s), 100'000U);
    BOOST_REQUIRE_EQUAL(Take(s, Signed(s.BytesSent(), 100)), "ok");
    // Never more than was asked for, the last frame cut to fit.
    while (s.BytesSent() < 1'000'000) {
        Stream(s);
        BOOST_REQUIRE_EQUAL(Take(s, Signed(s.BytesSent(), 100)), "ok");
    }
    BOOST_CHECK_EQUAL(s.BytesSent(), 1'000'000U);
    BOOST_CHECK_EQUAL(s.NextFrameSize(), 0U);
    BOOST_CHECK(s.Complete());
    BandwidthSession small(Dev(), DeviceKey().PubKey(), Request(5));
    BOOST_CHECK_EQUAL(small.NextFrameSize(), 5U);
}

BOOST_AUTO_TEST_CASE(every_receipt_is_checked) {
    BandwidthSession s(Dev(), DeviceKey().PubKey(), Request(100'000));
    Stream(s);  // 100,000 bytes sent
    BOOST_REQUIRE_EQUAL(Take(s, Signed(40'000, 100)), "ok");
    BOOST_CHECK_EQUAL(s.BytesReceipted(), 40'000U);
    BOOST_CHECK_EQUAL(Code(s.TakeReceipt(Bytes{1, 2}, 100)), "bad-tx");
    const Transaction hb =
        UnsignedHeartbeat(Dev().chain_id, DeviceKey().PubKey(), 99, Hash256{}).Sign(0, DeviceKey());
    BOOST_CHECK_EQUAL(Take(s, hb), "not-a-receipt");
    const Transaction other_chain =
        UnsignedBandwidthReceipt(2, DeviceKey().PubKey(), Consumer().PubKey(), SessionId(1), 50'000,
                                 100)
            .Sign(1, Consumer());
    BOOST_CHECK_EQUAL(Take(s, other_chain), "wrong-chain");
    BOOST_CHECK_EQUAL(Take(s, Signed(0, 100)), "zero-amount");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 100, SessionId(1), Consumer(), Owner())),
                      "wrong-signer");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 100, SessionId(1), Owner())), "wrong-signer");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 100, SessionId(2))), "wrong-session");
    BOOST_CHECK_EQUAL(Take(s, Signed(100'001, 100)), "receipt-exceeds-sent");
    BOOST_CHECK_EQUAL(Take(s, Signed(39'999, 100)), "receipt-goes-back");
    // ref_height: at most kReceiptRefSlackBlocks above the tip, at most half
    // the receipt window (30 blocks on dev) below it; anything without a tip.
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 111)), "receipt-ref-ahead");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 69)), "receipt-too-old");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 69), std::nullopt), "ok");
    BOOST_CHECK_EQUAL(Take(s, Signed(50'000, 70)), "ok");
    BOOST_CHECK_EQUAL(Take(s, Signed(60'000, 110)), "ok");
    // A signature that is not the consumer's over this receipt.
    Transaction forged = UnsignedBandwidthReceipt(Dev().chain_id, DeviceKey().PubKey(),
                                                  Consumer().PubKey(), SessionId(1), 70'000, 100)
                             .Sign(1, Owner());
    BOOST_CHECK_EQUAL(Take(s, forged), "bad-signature");
    // None of the refused ones changed what is settled.
    BOOST_CHECK_EQUAL(s.BytesReceipted(), 60'000U);
    BOOST_CHECK_EQUAL(BandwidthReceiptOf(*s.LastReceipt())->bytes, 60'000U);
    // The same total again is fine: nothing changes.
    BOOST_CHECK_EQUAL(Take(s, Signed(60'000, 110)), "ok");
}

// The device's signature on the last receipt settles the session on chain.
BOOST_AUTO_TEST_CASE(the_settled_receipt_passes_the_chains_rules) {
    const ChainParams& p = Dev();
    test::MapState state = test::DevGenesisState();
    state.SetAccount(Owner().PubKey(), Account{1'000 * kCoin, 0, 0});
    state.SetAccount(Consumer().PubKey(), Account{1'000 * kCoin, 0, 0});
    auto apply = [&state](const Transaction& tx, uint64_t height) {
        const test::TestBlockContext tc(height);
        StateOverlay ov(state);
        const Status st = ApplyTransaction(tc.ctx, tx, ov);
        if (st) state.Apply(std::move(ov).TakeChanges());
        return Code(st);
    };
    BOOST_REQUIRE_EQUAL(apply(test::MakeRegisterDevice(Owner(), DeviceKey(), kDeviceBandwidth), 1),
                        "ok");
    BOOST_REQUIRE_EQUAL(
        apply(UnsignedBuyCredits(p.chain_id, Consumer().PubKey(), 10'000, p.min_tx_fee, 0)
                  .Sign(0, Consumer()),
              2),
        "ok");
    BandwidthSession s(p, DeviceKey().PubKey(), Request(300'000));
    while (!s.Complete()) {
        Stream(s);
        BOOST_REQUIRE_EQUAL(Take(s, Signed(s.BytesSent(), 10), 10), "ok");
    }
    const Transaction settled = s.LastReceipt()->Sign(0, DeviceKey());
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(*s.LastReceipt())), "bad-signature");
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(settled)), "ok");
    BOOST_CHECK_EQUAL(apply(settled, 11), "ok");
    BOOST_CHECK_EQUAL(GetAccount(state, Consumer().PubKey())->credits,
                      10'000 - BandwidthCredits(300'000, p));
    BOOST_CHECK_EQUAL(BandwidthCredits(300'000, p), 293U);  // ceil(300000 / 1024)
}

BOOST_AUTO_TEST_CASE(receipts_wait_in_files_until_settled) {
    TempDir dir;
    const Transaction a = Signed(1000, 5).Sign(0, DeviceKey());
    const Transaction b = Signed(2000, 5, SessionId(2)).Sign(0, DeviceKey());
    {
        auto store = ReceiptStore::Open(dir.File("receipts"), Dev(), DeviceKey().PubKey());
        BOOST_REQUIRE_MESSAGE(store, test::ErrorText(store));
        BOOST_CHECK((*store)->Pending().empty());
        BOOST_REQUIRE((*store)->Add(a));
        BOOST_REQUIRE((*store)->Add(b));
        (*store)->Remove(a);
    }
    auto store = ReceiptStore::Open(dir.File("receipts"), Dev(), DeviceKey().PubKey());
    BOOST_REQUIRE(store);
    BOOST_REQUIRE_EQUAL((*store)->Pending().size(), 1U);
    BOOST_CHECK((*store)->Pending()[0] == b);
    BOOST_CHECK(!(*store)->Full());
    // One signed by the consumer alone, or damaged, stops the agent at start.
    const std::string path = dir.File("receipts/damaged.json");
    std::ofstream(path) << "{\"version\":1,\"tx\":\"" << HexStr(Signed(5, 5).Serialize()) << "\"}";
    auto damaged = ReceiptStore::Open(dir.File("receipts"), Dev(), DeviceKey().PubKey());
    BOOST_REQUIRE(!damaged);
    BOOST_CHECK_EQUAL(damaged.error().code, "state-corrupt");
    BOOST_CHECK(damaged.error().message.find(path + " is damaged") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
