// Transactions (encoding, decoding limits, signing hash, id, signatures) and
// addresses (bech32m text form and every rejection path).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "consensus/params.h"
#include "crypto/bech32.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "primitives/address.h"
#include "primitives/transaction.h"
#include "serialize/codec.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using maillon::test::MakeTransfer;
using maillon::test::TestKey;

// Encodes the unsigned fields like the wire format, with a raw payload that
// may be anything (including a lie about its own length).
std::vector<uint8_t> RawTx(uint8_t type, std::span<const uint8_t> payload_with_length) {
    Writer w;
    w.U8(type);
    w.U32(3);
    w.Raw(TestKey(1).PubKey());
    w.U64(7);
    w.U64(1000);
    w.Raw(payload_with_length);
    w.Raw(SchnorrSig{});
    return w.Take();
}

// Size of a transfer on the wire: fixed fields, 1-byte length, 40-byte payload, signature.
constexpr size_t kTransferSize = 1 + 4 + 32 + 8 + 8 + 1 + 40 + 64;

}  // namespace

BOOST_AUTO_TEST_SUITE(transaction_tests)

BOOST_AUTO_TEST_CASE(transfer_payload_round_trip) {
    const TransferPayload p{TestKey(2).PubKey(), 123'456'789};
    const auto bytes = SerializeTransfer(p);
    BOOST_REQUIRE_EQUAL(bytes.size(), 40U);
    BOOST_CHECK(std::equal(p.to.begin(), p.to.end(), bytes.begin()));
    // amount is little-endian after the key
    BOOST_CHECK_EQUAL(bytes[32], 123'456'789 & 0xff);
    auto back = DecodeTransfer(bytes);
    BOOST_REQUIRE(back);
    BOOST_CHECK(back->to == p.to);
    BOOST_CHECK_EQUAL(back->amount, p.amount);
}

BOOST_AUTO_TEST_CASE(serialize_decode_round_trip) {
    const PrivKey alice = TestKey(1);
    const Transaction tx = MakeTransfer(alice, TestKey(2).PubKey(), 5 * kCoin, 1500, 42);
    const auto bytes = tx.Serialize();
    BOOST_REQUIRE_EQUAL(bytes.size(), kTransferSize);
    // Field layout: type, chain id little-endian, sender.
    BOOST_CHECK_EQUAL(bytes[0], 1);
    BOOST_CHECK_EQUAL(bytes[1], 3);
    BOOST_CHECK_EQUAL(bytes[2], 0);
    BOOST_CHECK(std::equal(tx.sender.begin(), tx.sender.end(), bytes.begin() + 5));
    BOOST_CHECK_EQUAL(bytes[37], 42);  // nonce
    BOOST_CHECK_EQUAL(bytes[53], 40);  // payload length

    auto decoded = DecodeTransaction(bytes);
    BOOST_REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.error().message));
    BOOST_CHECK(decoded->type == TxType::kTransfer);
    BOOST_CHECK_EQUAL(decoded->chain_id, 3U);
    BOOST_CHECK(decoded->sender == alice.PubKey());
    BOOST_CHECK_EQUAL(decoded->nonce, 42U);
    BOOST_CHECK_EQUAL(decoded->fee, 1500U);
    BOOST_CHECK(decoded->payload == tx.payload);
    BOOST_CHECK(decoded->signature == tx.signature);
    BOOST_CHECK(decoded->Serialize() == bytes);
    BOOST_CHECK(decoded->Id() == tx.Id());
    BOOST_CHECK_EQUAL(TxTypeName(TxType::kTransfer), "transfer");
}

BOOST_AUTO_TEST_CASE(sighash_excludes_signature_and_id_includes_it) {
    Transaction tx = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0);
    const auto bytes = tx.Serialize();
    const std::span<const uint8_t> unsigned_part(bytes.data(), bytes.size() - 64);
    BOOST_CHECK(tx.SigHash() == TaggedHash("MaillonTxSig", unsigned_part));
    BOOST_CHECK(tx.Id() == TaggedHash("MaillonTxId", bytes));
    BOOST_CHECK(tx.SigHash() != tx.Id());

    const Hash256 sighash = tx.SigHash();
    const Hash256 id = tx.Id();
    tx.signature[10] ^= 0x01;
    BOOST_CHECK(tx.SigHash() == sighash);
    BOOST_CHECK(tx.Id() != id);

    // Every signed field moves the sighash.
    Transaction t2 = tx;
    t2.fee += 1;
    BOOST_CHECK(t2.SigHash() != sighash);
    t2 = tx;
    t2.nonce += 1;
    BOOST_CHECK(t2.SigHash() != sighash);
    t2 = tx;
    t2.chain_id = 2;
    BOOST_CHECK(t2.SigHash() != sighash);
    t2 = tx;
    t2.payload.back() ^= 1;
    BOOST_CHECK(t2.SigHash() != sighash);
    t2 = tx;
    t2.sender = TestKey(3).PubKey();
    BOOST_CHECK(t2.SigHash() != sighash);
}

BOOST_AUTO_TEST_CASE(decode_rejects_truncation_at_every_length) {
    const auto bytes = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0).Serialize();
    for (size_t len = 0; len < bytes.size(); ++len) {
        auto r = DecodeTransaction(std::span(bytes.data(), len));
        BOOST_REQUIRE_MESSAGE(!r, "truncated to " << len << " bytes was accepted");
        BOOST_CHECK_EQUAL(r.error().code, "decode-error");
        BOOST_CHECK_MESSAGE(r.error().message.find("truncated") != std::string::npos,
                            len << ": " << r.error().message);
    }
    BOOST_CHECK(DecodeTransaction(bytes));
}

BOOST_AUTO_TEST_CASE(decode_rejects_trailing_bytes) {
    auto bytes = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0).Serialize();
    bytes.push_back(0);
    auto r = DecodeTransaction(bytes);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_EQUAL(r.error().code, "decode-error");
    BOOST_CHECK_MESSAGE(r.error().message.find("trailing") != std::string::npos, r.error().message);
}

BOOST_AUTO_TEST_CASE(decode_rejects_unknown_type) {
    for (uint8_t type : {0, 2, 0xff}) {
        auto bytes = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0).Serialize();
        bytes[0] = type;
        auto r = DecodeTransaction(bytes);
        BOOST_REQUIRE(!r);
        // The offset is the type byte's own, not the one after it.
        BOOST_CHECK_EQUAL(r.error().message, "tx.type: unknown transaction type " +
                                                 std::to_string(type) +
                                                 " (known: 1 = transfer) (at byte 0)");
    }
}

BOOST_AUTO_TEST_CASE(decode_rejects_oversized_payload) {
    // One byte over the payload limit, still under the whole-transaction limit:
    // the length check itself must fire.
    Transaction tx = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0);
    tx.payload.assign(kMaxTxPayload + 1, 0);
    const auto over = tx.Serialize();
    BOOST_REQUIRE_LE(over.size(), kMaxTxSize);
    auto r = DecodeTransaction(over);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(
        r.error().message.find("tx.payload: length 4097 exceeds limit 4096") != std::string::npos,
        r.error().message);

    // A declared length of 2^63 with almost nothing behind it: rejected on
    // the limit before anything is allocated.
    Writer huge;
    huge.VarInt(uint64_t{1} << 63);
    huge.Raw(std::vector<uint8_t>(40, 0));
    r = DecodeTransaction(RawTx(1, huge.Data()));
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(r.error().message.find("exceeds limit 4096") != std::string::npos,
                        r.error().message);

    // A transaction longer than kMaxTxSize is rejected up front.
    tx.payload.assign(kMaxTxPayload + 200, 0);
    const auto way_over = tx.Serialize();
    BOOST_REQUIRE_GT(way_over.size(), kMaxTxSize);
    r = DecodeTransaction(way_over);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(r.error().message.find("the limit is") != std::string::npos,
                        r.error().message);
}

BOOST_AUTO_TEST_CASE(decode_rejects_malformed_transfer_payload) {
    // The payload starts at byte 54 (53 bytes of fixed fields, a 1-byte
    // length); errors name the payload's own field and the offset in the
    // whole transaction, once.
    const std::vector<std::pair<size_t, std::string>> cases = {
        {0, "transfer.to: truncated: need 32 bytes, 0 left (at byte 54)"},
        {32, "transfer.amount: truncated: need 8 bytes, 0 left (at byte 86)"},
        {39, "transfer.amount: truncated: need 8 bytes, 7 left (at byte 86)"},
        {41, "transfer payload: 1 trailing bytes after the last field (at byte 94)"},
        {80, "transfer payload: 40 trailing bytes after the last field (at byte 94)"}};
    for (const auto& [len, message] : cases) {
        Writer payload;
        payload.Bytes(std::vector<uint8_t>(len, 0x11));
        auto r = DecodeTransaction(RawTx(1, payload.Data()));
        BOOST_REQUIRE_MESSAGE(!r, "payload of " << len << " bytes accepted");
        BOOST_CHECK_EQUAL(r.error().code, "decode-error");
        BOOST_CHECK_EQUAL(r.error().message, message);
    }
    // The same raw builder with a well-formed payload decodes, so the cases
    // above fail because of the payload alone.
    Writer ok;
    ok.Bytes(SerializeTransfer({TestKey(2).PubKey(), 1}));
    BOOST_CHECK(DecodeTransaction(RawTx(1, ok.Data())));

    BOOST_CHECK(!DecodeTransfer(std::vector<uint8_t>(39, 0)));
    BOOST_CHECK(!DecodeTransfer(std::vector<uint8_t>(41, 0)));
}

BOOST_AUTO_TEST_CASE(sign_and_verify) {
    const PrivKey alice = TestKey(1);
    Transaction tx = MakeTransfer(alice, TestKey(2).PubKey(), 10, 1000, 0);
    BOOST_CHECK(VerifySchnorr(alice.PubKey(), tx.SigHash(), tx.signature));

    // Signed by someone else: does not verify for the sender.
    Transaction forged = tx;
    forged.Sign(TestKey(3));
    BOOST_CHECK(!VerifySchnorr(forged.sender, forged.SigHash(), forged.signature));

    // Any change after signing invalidates the signature.
    Transaction changed = tx;
    changed.fee += 1;
    BOOST_CHECK(!VerifySchnorr(changed.sender, changed.SigHash(), changed.signature));
    changed = tx;
    changed.payload = SerializeTransfer({TestKey(2).PubKey(), 11});
    BOOST_CHECK(!VerifySchnorr(changed.sender, changed.SigHash(), changed.signature));

    // A decoded transaction still verifies.
    auto decoded = DecodeTransaction(tx.Serialize());
    BOOST_REQUIRE(decoded);
    BOOST_CHECK(VerifySchnorr(decoded->sender, decoded->SigHash(), decoded->signature));
}

BOOST_AUTO_TEST_CASE(signature_commits_to_chain_id) {
    const PrivKey alice = TestKey(1);
    Transaction tx = MakeTransfer(alice, TestKey(2).PubKey(), 10, 1000, 0, /*chain_id=*/3);
    BOOST_REQUIRE(VerifySchnorr(tx.sender, tx.SigHash(), tx.signature));
    for (uint32_t other : {1U, 2U, 4U}) {
        Transaction moved = tx;
        moved.chain_id = other;
        BOOST_CHECK_MESSAGE(!VerifySchnorr(moved.sender, moved.SigHash(), moved.signature),
                            "signature still valid on chain id " << other);
    }
}

// ---------------------------------------------------------------------------
// Addresses

BOOST_AUTO_TEST_CASE(address_round_trip_on_every_network) {
    const XOnlyPubKey key = TestKey(5).PubKey();
    std::set<std::string> seen;
    for (Network net : {Network::kMain, Network::kTest, Network::kDev}) {
        const std::string& hrp = GetParams(net).hrp;
        const std::string addr = EncodeAddress(hrp, key);
        BOOST_CHECK_EQUAL(addr.substr(0, hrp.size() + 1), hrp + "1");
        // hrp, separator, version, 52 key groups, 6 checksum characters
        BOOST_CHECK_EQUAL(addr.size(), hrp.size() + 1 + 1 + 52 + 6);
        BOOST_CHECK_EQUAL(addr[hrp.size() + 1], 'q');  // version 0
        auto back = DecodeAddress(hrp, addr);
        BOOST_REQUIRE_MESSAGE(back, addr << ": " << (back ? "" : back.error().message));
        BOOST_CHECK(*back == key);
        seen.insert(addr);

        // All upper case is valid bech32 and decodes to the same key.
        std::string upper = addr;
        std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
        auto up = DecodeAddress(hrp, upper);
        BOOST_REQUIRE(up);
        BOOST_CHECK(*up == key);
    }
    BOOST_CHECK_EQUAL(GetParams(Network::kMain).hrp, "mln");
    BOOST_CHECK_EQUAL(GetParams(Network::kTest).hrp, "tmln");
    BOOST_CHECK_EQUAL(GetParams(Network::kDev).hrp, "dmln");
    BOOST_CHECK_EQUAL(seen.size(), 3U);
    // Different keys give different addresses.
    BOOST_CHECK(EncodeAddress("dmln", key) != EncodeAddress("dmln", TestKey(6).PubKey()));
}

BOOST_AUTO_TEST_CASE(address_rejections_have_distinct_messages) {
    const XOnlyPubKey key = TestKey(5).PubKey();
    const std::string good = EncodeAddress("dmln", key);
    BOOST_REQUIRE(DecodeAddress("dmln", good));

    auto data_for = [](std::span<const uint8_t> bytes, uint8_t version) {
        std::vector<uint8_t> data{version};
        auto bits = bech32::ConvertBits(bytes, 8, 5, true);
        BOOST_REQUIRE(bits);
        data.insert(data.end(), bits->begin(), bits->end());
        return data;
    };

    XOnlyPubKey not_on_curve;
    not_on_curve.fill(0xff);  // x >= field size
    BOOST_REQUIRE(!IsValidXOnly(not_on_curve));

    // Upper-case one letter of the data part.
    std::string mixed = good;
    const size_t letter = mixed.find_first_not_of("0123456789", 5);
    BOOST_REQUIRE(letter != std::string::npos);
    mixed[letter] = static_cast<char>(::toupper(mixed[letter]));

    struct Case {
        const char* name;
        std::string address;
        std::string expect;
    };
    // A key part of the right length whose last group has a padding bit set.
    std::vector<uint8_t> groups = data_for(key, 0);
    groups.back() |= 1;
    const std::string bad_padding = bech32::Encode(bech32::Encoding::kBech32m, "dmln", groups);
    const std::vector<uint8_t> short_key(key.begin(), key.end() - 1);
    std::vector<uint8_t> long_key(key.begin(), key.end());
    long_key.push_back(0);
    const std::vector<Case> cases = {
        {"wrong network", EncodeAddress("mln", key), "is for another network"},
        {"bech32 checksum", bech32::Encode(bech32::Encoding::kBech32, "dmln", data_for(key, 0)),
         "uses a bech32 checksum, not bech32m"},
        {"wrong version", bech32::Encode(bech32::Encoding::kBech32m, "dmln", data_for(key, 1)),
         "unknown address version"},
        {"short key", bech32::Encode(bech32::Encoding::kBech32m, "dmln", data_for(short_key, 0)),
         "the key part is 50 characters, a 32-byte key takes 52"},
        {"long key", bech32::Encode(bech32::Encoding::kBech32m, "dmln", data_for(long_key, 0)),
         "the key part is 53 characters, a 32-byte key takes 52"},
        {"no data", bech32::Encode(bech32::Encoding::kBech32m, "dmln", {}),
         "nothing between the prefix and the checksum"},
        {"foreign prefix", EncodeAddress("xyz", key),
         "prefix 'xyz' is not a Maillon prefix; this network's addresses start with 'dmln1'"},
        {"padding bits", bad_padding, "sets bits beyond the 32-byte key"},
        {"not a curve point",
         bech32::Encode(bech32::Encoding::kBech32m, "dmln", data_for(not_on_curve, 0)),
         "not a valid curve point"},
        {"mixed case", mixed, "mixed upper and lower case"},
    };
    std::set<std::string> messages;
    for (const Case& c : cases) {
        auto r = DecodeAddress("dmln", c.address);
        BOOST_REQUIRE_MESSAGE(!r, c.name << " accepted: " << c.address);
        BOOST_CHECK_EQUAL(r.error().code, "invalid-address");
        BOOST_CHECK_MESSAGE(r.error().message.find(c.expect) != std::string::npos,
                            c.name << ": " << r.error().message);
        // The message quotes the rejected input so the user sees what was wrong.
        BOOST_CHECK(r.error().message.find(c.address) != std::string::npos);
        // Strip the quoted input before comparing reasons.
        messages.insert(r.error().message.substr(r.error().message.find("': ")));
    }
    BOOST_CHECK_EQUAL(messages.size(), cases.size());

    // Long input is cut in the message, with its length.
    const std::string huge = "dmln1" + std::string(300, 'q');
    auto cut = DecodeAddress("dmln", huge);
    BOOST_REQUIRE(!cut);
    BOOST_CHECK_MESSAGE(cut.error().message.find(huge.substr(0, 100) + "...' (305 characters): ") !=
                            std::string::npos,
                        cut.error().message);
    BOOST_CHECK_LT(cut.error().message.size(), 200u);

    // A single changed character breaks the checksum.
    std::string typo = good;
    typo[10] = typo[10] == 'q' ? 'p' : 'q';
    auto r = DecodeAddress("dmln", typo);
    BOOST_REQUIRE(!r);
    BOOST_CHECK(r.error().message.find("invalid checksum") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
