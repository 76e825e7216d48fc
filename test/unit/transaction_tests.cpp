// Transactions (encoding, decoding limits, signing hash, id, every role's
// signature) and addresses (bech32m text form and every rejection path).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "consensus/params.h"
#include "consensus/transaction.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/claim_rewards.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_type.h"
#include "consensus/tx_verify.h"
#include "crypto/bech32.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "primitives/address.h"
#include "serialize/codec.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::MakeRegisterDevice;
using maillon::test::MakeTransfer;
using maillon::test::TestKey;

// An envelope like the wire format's, with a raw payload field (length
// included) that may be anything, including a lie about its own length.
std::vector<uint8_t> RawTx(uint8_t type, uint64_t signers,
                           std::span<const uint8_t> payload_with_length) {
    Writer w;
    w.U8(kTxVersion);
    w.U8(type);
    w.U32(3);
    w.U64(1000);
    w.U64(7);
    w.VarInt(signers);
    for (uint64_t i = 0; i < signers; ++i)
        w.Raw(TestKey(1 + i).PubKey());
    w.Raw(payload_with_length);
    for (uint64_t i = 0; i < signers; ++i)
        w.Raw(SchnorrSig{});
    return w.Take();
}

// A transfer on the wire: 22 bytes of fixed fields, a 1-byte signer count,
// one key, a 1-byte payload length, the 40-byte payload, one signature.
constexpr size_t kTransferSize = 22 + 1 + 32 + 1 + 40 + 64;
constexpr size_t kTransferPayloadAt = 22 + 1 + 32 + 1;

Transaction Rebuilt(const Transaction& tx, const std::function<void(TxFields&)>& change) {
    TxFields f = tx.Fields();
    change(f);
    auto out = Transaction::Make(std::move(f));
    BOOST_REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
    return *out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transaction_tests)

BOOST_AUTO_TEST_CASE(transfer_payload_round_trip) {
    TransferPayload p;
    p.to = TestKey(2).PubKey();
    p.amount = 123'456'789;
    Writer w;
    p.Write(w);
    const auto& bytes = w.Data();
    BOOST_REQUIRE_EQUAL(bytes.size(), 40U);
    BOOST_CHECK(std::equal(p.to.begin(), p.to.end(), bytes.begin()));
    // amount is little-endian after the key
    BOOST_CHECK_EQUAL(bytes[32], 123'456'789 & 0xff);
    Reader r(bytes);
    TransferPayload back;
    BOOST_REQUIRE(TransferPayload::Read(r, back) && r.Finish());
    BOOST_CHECK(back.to == p.to);
    BOOST_CHECK_EQUAL(back.amount, p.amount);
}

BOOST_AUTO_TEST_CASE(serialize_decode_round_trip) {
    const PrivKey alice = TestKey(1);
    const Transaction tx = MakeTransfer(alice, TestKey(2).PubKey(), 5 * kCoin, 1500, 42);
    const auto bytes = tx.Serialize();
    BOOST_REQUIRE_EQUAL(bytes.size(), kTransferSize);
    BOOST_CHECK_EQUAL(tx.Size(), kTransferSize);
    // Field layout: version, type, chain id, fee, nonce (little-endian), the
    // signer count and key, the payload length.
    BOOST_CHECK_EQUAL(bytes[0], kTxVersion);
    BOOST_CHECK_EQUAL(bytes[1], kTransferTypeId);
    BOOST_CHECK_EQUAL(bytes[2], 3);
    BOOST_CHECK_EQUAL(bytes[5], 0);
    BOOST_CHECK_EQUAL(bytes[6], 1500 & 0xff);
    BOOST_CHECK_EQUAL(bytes[7], 1500 >> 8);
    BOOST_CHECK_EQUAL(bytes[14], 42);
    BOOST_CHECK_EQUAL(bytes[22], 1);
    BOOST_CHECK(std::equal(tx.Payer().begin(), tx.Payer().end(), bytes.begin() + 23));
    BOOST_CHECK_EQUAL(bytes[55], 40);

    auto decoded = DecodeTransaction(bytes);
    BOOST_REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.error().message));
    BOOST_CHECK_EQUAL(decoded->TypeId(), kTransferTypeId);
    BOOST_CHECK_EQUAL(decoded->Type().Name(), "transfer");
    BOOST_CHECK_EQUAL(decoded->ChainId(), 3U);
    BOOST_CHECK(decoded->Payer() == alice.PubKey());
    BOOST_CHECK_EQUAL(decoded->Nonce(), 42U);
    BOOST_CHECK_EQUAL(decoded->Fee(), 1500U);
    BOOST_REQUIRE(TransferOf(*decoded));
    BOOST_CHECK(TransferOf(*decoded)->to == TestKey(2).PubKey());
    BOOST_CHECK_EQUAL(TransferOf(*decoded)->amount, 5 * kCoin);
    BOOST_CHECK(decoded->Signatures() == tx.Signatures());
    BOOST_CHECK(decoded->Serialize() == bytes);
    BOOST_CHECK(decoded->Id() == tx.Id());
    BOOST_CHECK(decoded->SigHash() == tx.SigHash());
    BOOST_CHECK_EQUAL(decoded->Size(), kTransferSize);
    BOOST_CHECK(!RegisterDeviceOf(*decoded));
}

BOOST_AUTO_TEST_CASE(sighash_excludes_signatures_and_id_includes_them) {
    const Transaction tx = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0);
    const auto bytes = tx.Serialize();
    const std::span<const uint8_t> unsigned_part(bytes.data(), bytes.size() - 64);
    BOOST_CHECK(tx.SigHash() == TaggedHash("MaillonTxSig", unsigned_part));
    BOOST_CHECK(tx.Id() == TaggedHash("MaillonTxId", bytes));
    BOOST_CHECK(tx.SigHash() != tx.Id());

    // Another signature: same signing hash, another id.
    const Transaction resigned = tx.Sign(0, TestKey(3));
    BOOST_CHECK(resigned.SigHash() == tx.SigHash());
    BOOST_CHECK(resigned.Id() != tx.Id());
    BOOST_CHECK(resigned.Id() == TaggedHash("MaillonTxId", resigned.Serialize()));

    // Every signed field moves the signing hash.
    const Hash256 sighash = tx.SigHash();
    BOOST_CHECK(Rebuilt(tx, [](TxFields& f) { f.fee += 1; }).SigHash() != sighash);
    BOOST_CHECK(Rebuilt(tx, [](TxFields& f) { f.nonce += 1; }).SigHash() != sighash);
    BOOST_CHECK(Rebuilt(tx, [](TxFields& f) { f.chain_id = 2; }).SigHash() != sighash);
    BOOST_CHECK(Rebuilt(tx, [](TxFields& f) { f.signers[0] = TestKey(3).PubKey(); }).SigHash() !=
                sighash);
    const Transaction other_amount = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 11, 1000, 0);
    BOOST_CHECK(other_amount.SigHash() != sighash);
}

BOOST_AUTO_TEST_CASE(two_signer_transaction) {
    const PrivKey owner = TestKey(1), device = TestKey(2);
    const Transaction tx = MakeRegisterDevice(owner, device, kDeviceUptime | kDeviceStorage, 3);
    const auto bytes = tx.Serialize();
    // 22 fixed bytes, count 2, two keys, length 9, payload 9, two signatures.
    BOOST_REQUIRE_EQUAL(bytes.size(), 22U + 1 + 64 + 1 + 9 + 128);
    BOOST_CHECK_EQUAL(bytes[1], kRegisterDeviceTypeId);
    BOOST_CHECK_EQUAL(bytes[22], 2);
    const XOnlyPubKey device_key = device.PubKey();
    BOOST_CHECK(std::equal(device_key.begin(), device_key.end(), bytes.begin() + 55));
    // Both roles sign the one signing hash, which covers both keys.
    const std::span<const uint8_t> unsigned_part(bytes.data(), bytes.size() - 128);
    BOOST_CHECK(tx.SigHash() == TaggedHash("MaillonTxSig", unsigned_part));
    BOOST_CHECK(VerifySchnorr(owner.PubKey(), tx.SigHash(), tx.Signatures()[0]));
    BOOST_CHECK(VerifySchnorr(device.PubKey(), tx.SigHash(), tx.Signatures()[1]));
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(tx)), "ok");

    auto decoded = DecodeTransaction(bytes);
    BOOST_REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.error().message));
    BOOST_REQUIRE(RegisterDeviceOf(*decoded));
    BOOST_CHECK_EQUAL(RegisterDeviceOf(*decoded)->kinds, kDeviceUptime | kDeviceStorage);
    BOOST_CHECK_EQUAL(RegisterDeviceOf(*decoded)->bond, Dev().device_bond);
    BOOST_CHECK(decoded->Signers()[1] == device.PubKey());
    BOOST_CHECK(decoded->Id() == tx.Id());

    // A missing or wrong signature in either role is named by its role.
    const Transaction unsigned_device =
        UnsignedRegisterDevice(Dev().chain_id, owner.PubKey(), device.PubKey(), 1,
                               Dev().device_bond, 1000, 3)
            .Sign(0, owner);
    const Status missing = CheckTransactionSignatures(unsigned_device);
    BOOST_CHECK_EQUAL(Code(missing), "bad-signature");
    BOOST_CHECK_MESSAGE(missing.error().message.find("device's signature") != std::string::npos,
                        missing.error().message);
    const Status swapped = CheckTransactionSignatures(tx.Sign(0, device));
    BOOST_CHECK_MESSAGE(swapped.error().message.find("owner's signature") != std::string::npos,
                        swapped.error().message);
    // Signing for another device invalidates the owner's signature too.
    const Transaction moved = Rebuilt(tx, [](TxFields& f) { f.signers[1] = TestKey(9).PubKey(); });
    BOOST_CHECK(!VerifySchnorr(owner.PubKey(), moved.SigHash(), moved.Signatures()[0]));
}

BOOST_AUTO_TEST_CASE(decode_rejects_truncation_at_every_length) {
    for (const Transaction& tx : {MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0),
                                  MakeRegisterDevice(TestKey(1), TestKey(2), kDeviceUptime)}) {
        const auto bytes = tx.Serialize();
        for (size_t len = 0; len < bytes.size(); ++len) {
            auto r = DecodeTransaction(std::span(bytes.data(), len));
            BOOST_REQUIRE_MESSAGE(!r, "truncated to " << len << " bytes was accepted");
            BOOST_CHECK_EQUAL(r.error().code, "decode-error");
            BOOST_CHECK_MESSAGE(r.error().message.find("truncated") != std::string::npos,
                                len << ": " << r.error().message);
        }
        BOOST_CHECK(DecodeTransaction(bytes));
    }
}

BOOST_AUTO_TEST_CASE(decode_rejects_trailing_bytes) {
    auto bytes = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0).Serialize();
    bytes.push_back(0);
    auto r = DecodeTransaction(bytes);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_EQUAL(r.error().code, "decode-error");
    BOOST_CHECK_MESSAGE(r.error().message.find("trailing") != std::string::npos, r.error().message);
}

BOOST_AUTO_TEST_CASE(decode_rejects_unknown_version_and_type) {
    for (uint8_t type : {0, 10, 0xff}) {
        auto bytes = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0).Serialize();
        bytes[1] = type;
        auto r = DecodeTransaction(bytes);
        BOOST_REQUIRE(!r);
        // The offset is the type byte's own, not the one after it.
        BOOST_CHECK_EQUAL(
            r.error().message,
            "tx.type: unknown transaction type " + std::to_string(type) +
                " (known: 1 = transfer, 2 = register_device, 3 = "
                "buy_credits, 4 = retire_device, 5 = heartbeat, 6 = bandwidth_receipt, 7 = "
                "storage_deal, 8 = storage_proof, 9 = claim_rewards) (at byte 1)");
    }
    for (uint8_t version : {0, 2}) {
        auto bytes = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0).Serialize();
        bytes[0] = version;
        auto r = DecodeTransaction(bytes);
        BOOST_REQUIRE(!r);
        BOOST_CHECK_EQUAL(r.error().message, "tx.version: unknown transaction version " +
                                                 std::to_string(version) +
                                                 " (this node knows 1) (at byte 0)");
    }
}

BOOST_AUTO_TEST_CASE(decode_rejects_wrong_signer_count) {
    Writer payload;
    TransferPayload p;
    p.to = TestKey(9).PubKey();
    p.amount = 1;
    Writer inner;
    p.Write(inner);
    payload.Bytes(inner.Data());
    BOOST_CHECK(DecodeTransaction(RawTx(kTransferTypeId, 1, payload.Data())));
    auto r = DecodeTransaction(RawTx(kTransferTypeId, 2, payload.Data()));
    BOOST_REQUIRE(!r);
    BOOST_CHECK_EQUAL(r.error().message,
                      "tx.signer_count: transfer is signed in 1 role (sender), got 2 signers (at "
                      "byte 22)");
    r = DecodeTransaction(RawTx(kRegisterDeviceTypeId, 1, payload.Data()));
    BOOST_REQUIRE(!r);
    BOOST_CHECK_EQUAL(r.error().message,
                      "tx.signer_count: register_device is signed in 2 roles (owner, device), "
                      "got 1 signer (at byte 22)");
    // Over the envelope's bound: refused before any key is read.
    r = DecodeTransaction(RawTx(kTransferTypeId, kMaxTxSigners + 1, payload.Data()));
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(r.error().message.find("exceeds limit 4") != std::string::npos,
                        r.error().message);
}

BOOST_AUTO_TEST_CASE(make_rejects_malformed_fields) {
    const Transaction tx = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0);
    auto attempt = [&](const std::function<void(TxFields&)>& change) {
        TxFields f = tx.Fields();
        change(f);
        return Transaction::Make(std::move(f));
    };
    const auto version = attempt([](TxFields& f) { f.version = 2; });
    BOOST_CHECK_EQUAL(Code(version), "bad-tx-shape");
    BOOST_CHECK_EQUAL(Code(attempt([](TxFields& f) { f.type = 10; })), "bad-tx-shape");
    BOOST_CHECK_EQUAL(Code(attempt([](TxFields& f) { f.signers.push_back(f.signers[0]); })),
                      "bad-tx-shape");
    BOOST_CHECK_EQUAL(Code(attempt([](TxFields& f) { f.signatures.push_back({}); })),
                      "bad-tx-shape");
    BOOST_CHECK_EQUAL(Code(attempt([](TxFields& f) { f.payload = nullptr; })), "bad-tx-shape");
    // A register_device payload under the transfer type.
    const Transaction reg = MakeRegisterDevice(TestKey(1), TestKey(2), kDeviceUptime);
    const auto foreign = attempt([&](TxFields& f) { f.payload = reg.Fields().payload; });
    BOOST_CHECK_EQUAL(Code(foreign), "bad-tx-shape");
    BOOST_CHECK_MESSAGE(foreign.error().message.find("not a transfer payload") != std::string::npos,
                        foreign.error().message);
}

BOOST_AUTO_TEST_CASE(decode_rejects_oversized_payload) {
    // A declared payload length one over the limit, or of 2^63 with almost
    // nothing behind it: rejected on the limit before anything is allocated.
    for (uint64_t declared : {uint64_t{kMaxTxPayload} + 1, uint64_t{1} << 63}) {
        Writer huge;
        huge.VarInt(declared);
        huge.Raw(std::vector<uint8_t>(40, 0));
        auto r = DecodeTransaction(RawTx(kTransferTypeId, 1, huge.Data()));
        BOOST_REQUIRE(!r);
        BOOST_CHECK_MESSAGE(
            r.error().message.find("tx.payload: length " + std::to_string(declared) +
                                   " exceeds limit 4096") != std::string::npos,
            r.error().message);
    }
    // A transaction longer than kMaxTxSize is rejected up front.
    const std::vector<uint8_t> way_over(kMaxTxSize + 1, 0);
    auto r = DecodeTransaction(way_over);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(
        r.error().message.find("the limit is " + std::to_string(kMaxTxSize)) != std::string::npos,
        r.error().message);
}

BOOST_AUTO_TEST_CASE(decode_rejects_malformed_transfer_payload) {
    // Errors name the payload's own field and the offset in the whole
    // transaction, once.
    const size_t at = kTransferPayloadAt;
    const std::vector<std::pair<size_t, std::string>> cases = {
        {0, "transfer.to: truncated: need 32 bytes, 0 left (at byte " + std::to_string(at) + ")"},
        {32, "transfer.amount: truncated: need 8 bytes, 0 left (at byte " +
                 std::to_string(at + 32) + ")"},
        {39, "transfer.amount: truncated: need 8 bytes, 7 left (at byte " +
                 std::to_string(at + 32) + ")"},
        {41, "transfer payload: 1 trailing bytes after the last field (at byte " +
                 std::to_string(at + 40) + ")"},
        {80, "transfer payload: 40 trailing bytes after the last field (at byte " +
                 std::to_string(at + 40) + ")"}};
    for (const auto& [len, message] : cases) {
        Writer payload;
        payload.Bytes(std::vector<uint8_t>(len, 0x11));
        auto r = DecodeTransaction(RawTx(kTransferTypeId, 1, payload.Data()));
        BOOST_REQUIRE_MESSAGE(!r, "payload of " << len << " bytes accepted");
        BOOST_CHECK_EQUAL(r.error().code, "decode-error");
        BOOST_CHECK_EQUAL(r.error().message, message);
    }
    // The same raw builder with a well-formed payload decodes, so the cases
    // above fail because of the payload alone.
    Writer ok;
    ok.Bytes(std::vector<uint8_t>(40, 0x11));
    BOOST_CHECK(DecodeTransaction(RawTx(kTransferTypeId, 1, ok.Data())));
}

BOOST_AUTO_TEST_CASE(buy_credits_round_trip_and_malformed_payload) {
    const Transaction tx = UnsignedBuyCredits(Dev().chain_id, TestKey(1).PubKey(), 12'345, 1000, 7)
                               .Sign(0, TestKey(1));
    auto back = DecodeTransaction(tx.Serialize());
    BOOST_REQUIRE(back);
    BOOST_CHECK(*back == tx);
    BOOST_REQUIRE(BuyCreditsOf(*back));
    BOOST_CHECK_EQUAL(BuyCreditsOf(*back)->amount, 12'345U);
    BOOST_CHECK(!TransferOf(*back));
    for (size_t len : {0, 7, 9}) {
        Writer payload;
        payload.Bytes(std::vector<uint8_t>(len, 0x11));
        auto r = DecodeTransaction(RawTx(kBuyCreditsTypeId, 1, payload.Data()));
        BOOST_CHECK_MESSAGE(!r && r.error().code == "decode-error", "payload of " << len);
    }
    Writer ok;
    ok.Bytes(std::vector<uint8_t>(8, 0x11));
    BOOST_CHECK(DecodeTransaction(RawTx(kBuyCreditsTypeId, 1, ok.Data())));
}

BOOST_AUTO_TEST_CASE(sign_and_verify) {
    const PrivKey alice = TestKey(1);
    const Transaction tx = MakeTransfer(alice, TestKey(2).PubKey(), 10, 1000, 0);
    BOOST_CHECK(VerifySchnorr(alice.PubKey(), tx.SigHash(), tx.Signatures()[0]));
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(tx)), "ok");

    // Signed by someone else: does not verify for the sender.
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(tx.Sign(0, TestKey(3)))), "bad-signature");

    // Any change after signing invalidates the signature.
    const Transaction changed = Rebuilt(tx, [](TxFields& f) { f.fee += 1; });
    BOOST_CHECK(changed.Signatures() == tx.Signatures());
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(changed)), "bad-signature");

    // A decoded transaction still verifies.
    auto decoded = DecodeTransaction(tx.Serialize());
    BOOST_REQUIRE(decoded);
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(*decoded)), "ok");
}

BOOST_AUTO_TEST_CASE(signature_commits_to_chain_id) {
    const Transaction tx =
        MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10, 1000, 0, /*chain_id=*/3);
    BOOST_REQUIRE_EQUAL(Code(CheckTransactionSignatures(tx)), "ok");
    for (uint32_t other : {1U, 2U, 4U}) {
        const Transaction moved = Rebuilt(tx, [other](TxFields& f) { f.chain_id = other; });
        BOOST_CHECK_MESSAGE(Code(CheckTransactionSignatures(moved)) == "bad-signature",
                            "signature still valid on chain id " << other);
    }
}

BOOST_AUTO_TEST_CASE(registry_is_consistent) {
    // Ids are unique and ascending, names unique, every type has a payer role
    // and fields to show (claim_rewards, whose payload is empty, alone has
    // none), and every payload class is its own type's only.
    std::set<std::string_view> names;
    uint8_t last = 0;
    for (const TxType* t : AllTxTypes()) {
        BOOST_CHECK_GT(t->Id(), last);
        last = t->Id();
        BOOST_CHECK(names.insert(t->Name()).second);
        BOOST_CHECK(!t->Roles().empty());
        BOOST_CHECK_LE(t->Roles().size(), kMaxTxSigners);
        BOOST_CHECK(t->PayloadFields().empty() == (t->Id() == kClaimRewardsTypeId));
        BOOST_CHECK(FindTxType(t->Id()) == t);
    }
    BOOST_CHECK(FindTxType(0) == nullptr);
    const Transaction transfer = MakeTransfer(TestKey(1), TestKey(2).PubKey(), 10);
    const Transaction reg = MakeRegisterDevice(TestKey(1), TestKey(2), kDeviceUptime);
    BOOST_CHECK(TransferType().IsPayload(*transfer.Fields().payload));
    BOOST_CHECK(!TransferType().IsPayload(*reg.Fields().payload));
    BOOST_CHECK(RegisterDeviceType().IsPayload(*reg.Fields().payload));
}

BOOST_AUTO_TEST_CASE(protocol_doc_worked_example) {
    // doc/protocol.md's worked example of a two-signer transaction, byte for
    // byte: a register_device on the dev network with fixed keys and BIP340's
    // auxiliary randomness set to 32 zero bytes, so any BIP340 signer
    // reproduces the signatures.
    const auto owner = PrivKey::FromBytes(std::vector<uint8_t>(32, 0x11));
    const auto device = PrivKey::FromBytes(std::vector<uint8_t>(32, 0x22));
    BOOST_REQUIRE(owner && device);
    const std::array<uint8_t, 32> zero_aux{};
    const Transaction unsigned_tx = UnsignedRegisterDevice(
        Dev().chain_id, owner->PubKey(), device->PubKey(), kDeviceUptime | kDeviceStorage,
        Dev().device_bond, /*fee=*/1000, /*nonce=*/0);
    TxFields f = unsigned_tx.Fields();
    f.signatures = {owner->Sign(unsigned_tx.SigHash(), zero_aux),
                    device->Sign(unsigned_tx.SigHash(), zero_aux)};
    auto tx = Transaction::Make(f);
    BOOST_REQUIRE(tx);
    BOOST_TEST_MESSAGE("owner " << HexStr(owner->PubKey()) << " device "
                                << HexStr(device->PubKey()));
    BOOST_TEST_MESSAGE("sighash " << HexStr(tx->SigHash()) << " txid " << HexStr(tx->Id()));
    BOOST_TEST_MESSAGE("hex " << HexStr(tx->Serialize()));
    BOOST_CHECK_EQUAL(HexStr(tx->SigHash()),
                      "3198baa4260e4460bf21ffa460ad7a50cc4cce0251b69645e3dfe2fcfc05a133");
    BOOST_CHECK_EQUAL(HexStr(tx->Id()),
                      "06d6da3ed5672f190b0c2a1d5a34a118ec5584a6e5d341d978bf209f91d147e9");
    BOOST_CHECK_EQUAL(
        HexStr(tx->Serialize()),
        "010203000000e8030000000000000000000000000000024f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f"
        "859ab0f0b704075871aa466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27090500"
        "ca9a3b000000009a3401b9eb2be8010e7c926df430a8f112d6ca93665ae88af9c433f30764759c92821cdcfb2f"
        "6269bfb8717bc8e897f2e216a3207b12b4e0f173c79aadd98eb6acc0211c498744390f0894e72be7de8a58c15b"
        "33434df3995c4ef1e8085e101cedfad86173cb2407fc6de73fcc32874944547b81c7dc97e42d9911859091a16"
        "a");
    BOOST_CHECK_EQUAL(Code(CheckTransactionSignatures(*tx)), "ok");
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
