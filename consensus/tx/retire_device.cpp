#include "consensus/tx/retire_device.h"

#include <array>
#include <string>

#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr std::array<Role, 1> kRoles = {Role::kOwner};
constexpr std::array<JsonField, 1> kFields = {{
    {"device", JsonKind::kAddress, "the device's key"},
}};

// The second step: the bond back to the owner, the records gone.
Status ReleaseBond(const XOnlyPubKey& device, const Device& record, StateOverlay& state) {
    auto owner = GetAccount(state, record.owner);
    if (!owner) return owner.error();
    auto balance = CheckedAdd(owner->balance, record.bond);
    if (!balance) return MakeError("amount-overflow", "the owner's balance would overflow");
    owner->balance = *balance;
    Status st = PutAccount(state, record.owner, *owner);
    if (!st) return st;
    auto supply = GetSupply(state);
    if (!supply) return supply.error();
    auto locked = CheckedSub(supply->locked, record.bond);
    if (!locked) {
        return MakeError(ErrorKind::kCorruption, "state-record-corrupt",
                         "the supply's locked amount is below a device's bond");
    }
    supply->locked = *locked;
    st = PutSupply(state, *supply);
    if (!st) return st;
    DeleteDevice(state, device);
    return Status::Ok();
}

class RetireDevice final : public TxTypeOf<RetireDevicePayload> {
public:
    uint8_t Id() const override { return kRetireDeviceTypeId; }
    std::string_view Name() const override { return "retire_device"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kMinimumFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAccountNonce; }

    Status Check(const Transaction&, const ChainParams&) const override { return Status::Ok(); }
    Amount Cost(const Transaction&, const ChainParams&) const override { return 0; }

    Status Apply(const Transaction& tx, const BlockContext& ctx,
                 StateOverlay& state) const override {
        const XOnlyPubKey& device = tx.Payload<RetireDevicePayload>().device;
        auto record = GetDevice(state, device);
        if (!record) return record.error();
        if (!record->has_value()) {
            return MakeError("device-not-registered",
                             "no device " + HexStr(device) + " is registered");
        }
        if ((*record)->owner != tx.Payer()) {
            return MakeError("not-device-owner",
                             "device " + HexStr(device) + " belongs to another owner");
        }
        auto retired = GetRetiredHeight(state, device);
        if (!retired) return retired.error();
        if (!retired->has_value()) return PutRetiredHeight(state, device, ctx.height);
        const auto unlocks = CheckedAdd(**retired, ctx.params.device_unbond_blocks);
        if (!unlocks || ctx.height < *unlocks) {
            return MakeError("bond-still-locked",
                             "device " + HexStr(device) + " retired at height " +
                                 std::to_string(**retired) + "; its bond is released from height " +
                                 (unlocks ? std::to_string(*unlocks) : std::string("(never)")));
        }
        return ReleaseBond(device, **record, state);
    }

    std::span<const JsonField> PayloadFields() const override { return kFields; }
    void PayloadJson(const Transaction& tx, std::string_view hrp, rapidjson::Value& out,
                     JsonAlloc& a) const override {
        AddJsonAddress(out, "device", tx.Payload<RetireDevicePayload>().device, hrp, a);
    }
};

}  // namespace

void RetireDevicePayload::Write(Writer& w) const {
    w.Raw(device);
}

bool RetireDevicePayload::Read(Reader& r, RetireDevicePayload& p) {
    return r.Array(p.device, "retire_device.device");
}

const TxType& RetireDeviceType() {
    static const RetireDevice kType;
    return kType;
}

const RetireDevicePayload* RetireDeviceOf(const Transaction& tx) {
    return tx.TypeId() == kRetireDeviceTypeId ? &tx.Payload<RetireDevicePayload>() : nullptr;
}

Transaction UnsignedRetireDevice(uint32_t chain_id, const XOnlyPubKey& owner,
                                 const XOnlyPubKey& device, Amount fee, uint64_t nonce) {
    auto payload = std::make_shared<RetireDevicePayload>();
    payload->device = device;
    return MakeUnsigned(kRetireDeviceTypeId, chain_id, {owner}, std::move(payload), fee, nonce);
}

}  // namespace maillon
