#include "consensus/tx/bandwidth_receipt.h"

#include <array>
#include <string>

#include "consensus/contribution_records.h"
#include "consensus/tx/device_rules.h"
#include "consensus/tx_type.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr std::array<Role, 2> kRoles = {Role::kDevice, Role::kConsumer};
constexpr std::array<JsonField, 3> kFields = {{
    {"session", JsonKind::kHex, "the consumer's session id"},
    {"bytes", JsonKind::kUInt64, "bytes served in the session, in all"},
    {"ref_height", JsonKind::kUInt64, "the tip height when the consumer signed"},
}};

Status CheckWindow(const BlockContext& ctx, uint64_t ref_height) {
    if (ref_height >= ctx.height) {
        return MakeError("ref-block-unknown", "receipt height " + std::to_string(ref_height) +
                                                  " is not below the including block " +
                                                  std::to_string(ctx.height));
    }
    if (ctx.height - ref_height > ctx.params.receipt_window_blocks) {
        return MakeError("receipt-too-old",
                         "the consumer signed at height " + std::to_string(ref_height) + ", " +
                             std::to_string(ctx.height - ref_height) +
                             " blocks ago; receipts are accepted for " +
                             std::to_string(ctx.params.receipt_window_blocks) + " blocks");
    }
    return Status::Ok();
}

class BandwidthReceipt final : public TxTypeOf<BandwidthReceiptPayload> {
public:
    uint8_t Id() const override { return kBandwidthReceiptTypeId; }
    std::string_view Name() const override { return "bandwidth_receipt"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kNoFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAttestation; }

    Status Check(const Transaction& tx, const ChainParams&) const override {
        if (tx.Payload<BandwidthReceiptPayload>().bytes == 0)
            return MakeError("zero-amount", "a receipt must be for at least one byte");
        return Status::Ok();
    }
    Amount Cost(const Transaction&, const ChainParams&) const override { return 0; }

    std::vector<uint8_t> ReplayKey(const Transaction& tx, const ChainParams&) const override {
        Writer w;
        w.U8(kBandwidthReceiptTypeId);
        w.Raw(tx.Signers()[1]);
        w.Raw(tx.Signers()[0]);
        w.Raw(tx.Payload<BandwidthReceiptPayload>().session);
        return w.Take();
    }

    uint64_t LastValidHeight(const Transaction& tx, const ChainParams& params) const override {
        return SaturatingAdd(tx.Payload<BandwidthReceiptPayload>().ref_height,
                             params.receipt_window_blocks);
    }

    Status Apply(const Transaction& tx, const BlockContext& ctx,
                 StateOverlay& state) const override {
        const auto& p = tx.Payload<BandwidthReceiptPayload>();
        const XOnlyPubKey& device = tx.Signers()[0];
        const XOnlyPubKey& consumer = tx.Signers()[1];
        auto record = ActiveDevice(state, device, kDeviceBandwidth);
        if (!record) return record.error();
        Status st = CheckWindow(ctx, p.ref_height);
        if (st) st = CheckNotSelfDealing(*record, consumer);
        if (!st) return st;
        auto settled = GetSettledSession(state, consumer, device, p.session);
        if (!settled) return settled.error();
        if (settled->has_value()) {
            return MakeError("session-already-settled",
                             "session " + HexStr(p.session) +
                                 " of this consumer with this device was settled at height " +
                                 std::to_string((*settled)->settled_height));
        }
        ContributionUnits units;
        units.bandwidth_bytes = p.bytes;
        units.credits_burned = BandwidthCredits(p.bytes, ctx.params);
        st = SpendCredits(state, consumer, units.credits_burned);
        if (st)
            st = PutSettledSession(state, consumer, device, p.session,
                                   SettledSession{device, ctx.height});
        if (!st) return st;
        return CreditDevice(ctx, state, device, *record, units);
    }

    std::span<const JsonField> PayloadFields() const override { return kFields; }
    void PayloadJson(const Transaction& tx, std::string_view, rapidjson::Value& out,
                     JsonAlloc& a) const override {
        const auto& p = tx.Payload<BandwidthReceiptPayload>();
        AddJsonHex(out, "session", p.session, a);
        AddJsonUInt(out, "bytes", p.bytes, a);
        AddJsonUInt(out, "ref_height", p.ref_height, a);
    }
};

}  // namespace

void BandwidthReceiptPayload::Write(Writer& w) const {
    w.Raw(session);
    w.U64(bytes);
    w.U64(ref_height);
}

bool BandwidthReceiptPayload::Read(Reader& r, BandwidthReceiptPayload& p) {
    r.Array(p.session, "bandwidth_receipt.session");
    r.U64(p.bytes, "bandwidth_receipt.bytes");
    return r.U64(p.ref_height, "bandwidth_receipt.ref_height");
}

const TxType& BandwidthReceiptType() {
    static const BandwidthReceipt kType;
    return kType;
}

const BandwidthReceiptPayload* BandwidthReceiptOf(const Transaction& tx) {
    return tx.TypeId() == kBandwidthReceiptTypeId ? &tx.Payload<BandwidthReceiptPayload>()
                                                  : nullptr;
}

uint64_t BandwidthCredits(uint64_t bytes, const ChainParams& params) {
    // Written so that it cannot overflow: ceil(a / b) = a / b + (a % b != 0).
    return bytes / params.bandwidth_bytes_per_credit +
           (bytes % params.bandwidth_bytes_per_credit != 0 ? 1 : 0);
}

Transaction UnsignedBandwidthReceipt(uint32_t chain_id, const XOnlyPubKey& device,
                                     const XOnlyPubKey& consumer, const Hash256& session,
                                     uint64_t bytes, uint64_t ref_height) {
    auto payload = std::make_shared<BandwidthReceiptPayload>();
    payload->session = session;
    payload->bytes = bytes;
    payload->ref_height = ref_height;
    return MakeUnsigned(kBandwidthReceiptTypeId, chain_id, {device, consumer}, std::move(payload),
                        0, 0);
}

}  // namespace maillon
