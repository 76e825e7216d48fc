#include "consensus/tx/heartbeat.h"

#include <array>
#include <string>

#include "consensus/contribution_records.h"
#include "consensus/tx/device_rules.h"
#include "consensus/tx_type.h"
#include "util/overflow.h"

namespace maillon {

namespace {

constexpr std::array<Role, 1> kRoles = {Role::kDevice};
constexpr std::array<JsonField, 2> kFields = {{
    {"ref_height", JsonKind::kUInt64, "the block the heartbeat names"},
    {"ref_hash", JsonKind::kHex, "that block's hash"},
}};

class Heartbeat final : public TxTypeOf<HeartbeatPayload> {
public:
    uint8_t Id() const override { return kHeartbeatTypeId; }
    std::string_view Name() const override { return "heartbeat"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kNoFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAttestation; }

    Status Check(const Transaction&, const ChainParams&) const override { return Status::Ok(); }
    Amount Cost(const Transaction&, const ChainParams&) const override { return 0; }

    std::vector<uint8_t> ReplayKey(const Transaction& tx,
                                   const ChainParams& params) const override {
        Writer w;
        w.U8(kHeartbeatTypeId);
        w.Raw(tx.Payer());
        w.U64(tx.Payload<HeartbeatPayload>().ref_height / params.heartbeat_interval_blocks);
        return w.Take();
    }

    uint64_t LastValidHeight(const Transaction& tx, const ChainParams& params) const override {
        return SaturatingAdd(tx.Payload<HeartbeatPayload>().ref_height,
                             params.heartbeat_max_age_blocks);
    }

    Status Apply(const Transaction& tx, const BlockContext& ctx,
                 StateOverlay& state) const override {
        const auto& p = tx.Payload<HeartbeatPayload>();
        const XOnlyPubKey& device = tx.Payer();
        auto record = ActiveDevice(state, device, kDeviceUptime);
        if (!record) return record.error();
        Status st =
            CheckRefBlock(ctx, p.ref_height, p.ref_hash, ctx.params.heartbeat_max_age_blocks);
        if (!st) return st;
        const uint64_t interval = p.ref_height / ctx.params.heartbeat_interval_blocks;
        auto activity = GetDeviceActivity(state, device);
        if (!activity) return activity.error();
        if (activity->has_value() && (*activity)->last_interval >= interval) {
            return MakeError(
                "heartbeat-already-counted",
                "the device's heartbeat for interval " +
                    std::to_string((*activity)->last_interval) + " was counted at height " +
                    std::to_string((*activity)->last_height) + "; this one is for interval " +
                    std::to_string(interval) + " (one per " +
                    std::to_string(ctx.params.heartbeat_interval_blocks) + " blocks)");
        }
        st = PutDeviceActivity(state, device, DeviceActivity{interval, ctx.height});
        if (!st) return st;
        ContributionUnits units;
        units.uptime_intervals = 1;
        return CreditDevice(ctx, state, device, *record, units);
    }

    std::span<const JsonField> PayloadFields() const override { return kFields; }
    void PayloadJson(const Transaction& tx, std::string_view, rapidjson::Value& out,
                     JsonAlloc& a) const override {
        const auto& p = tx.Payload<HeartbeatPayload>();
        AddJsonUInt(out, "ref_height", p.ref_height, a);
        AddJsonHex(out, "ref_hash", p.ref_hash, a);
    }
};

}  // namespace

void HeartbeatPayload::Write(Writer& w) const {
    w.U64(ref_height);
    w.Raw(ref_hash);
}

bool HeartbeatPayload::Read(Reader& r, HeartbeatPayload& p) {
    r.U64(p.ref_height, "heartbeat.ref_height");
    return r.Array(p.ref_hash, "heartbeat.ref_hash");
}

const TxType& HeartbeatType() {
    static const Heartbeat kType;
    return kType;
}

const HeartbeatPayload* HeartbeatOf(const Transaction& tx) {
    return tx.TypeId() == kHeartbeatTypeId ? &tx.Payload<HeartbeatPayload>() : nullptr;
}

Transaction UnsignedHeartbeat(uint32_t chain_id, const XOnlyPubKey& device, uint64_t ref_height,
                              const Hash256& ref_hash) {
    auto payload = std::make_shared<HeartbeatPayload>();
    payload->ref_height = ref_height;
    payload->ref_hash = ref_hash;
    return MakeUnsigned(kHeartbeatTypeId, chain_id, {device}, std::move(payload), 0, 0);
}

}  // namespace maillon
