#include "consensus/tx/register_device.h"

#include <array>
#include <string>

#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr std::array<Role, 2> kRoles = {Role::kOwner, Role::kDevice};
constexpr std::array<JsonField, 2> kFields = {{
    {"kinds", JsonKind::kUInt64, "bit mask: 1 uptime, 2 bandwidth, 4 storage"},
    {"bond", JsonKind::kAmount, "base units locked from the owner"},
}};

class RegisterDevice final : public TxTypeOf<RegisterDevicePayload> {
public:
    uint8_t Id() const override { return kRegisterDeviceTypeId; }
    std::string_view Name() const override { return "register_device"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kMinimumFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAccountNonce; }

    Status Check(const Transaction& tx, const ChainParams& params) const override {
        const auto& p = tx.Payload<RegisterDevicePayload>();
        if (p.kinds == 0 || (p.kinds & ~kDeviceKindsMask) != 0) {
            return MakeError("bad-device-kinds",
                             "kinds " + std::to_string(p.kinds) +
                                 " must be a non-empty combination of 1 (uptime), 2 (bandwidth) "
                                 "and 4 (storage)");
        }
        if (p.bond != params.device_bond) {
            return MakeError("wrong-device-bond", "bond " + FormatMoney(p.bond) + " MLN, the " +
                                                      params.name + " network's device bond is " +
                                                      FormatMoney(params.device_bond) + " MLN");
        }
        return Status::Ok();
    }

    Amount Cost(const Transaction& tx, const ChainParams&) const override {
        return tx.Payload<RegisterDevicePayload>().bond;
    }

    Status Apply(const Transaction& tx, const BlockContext& ctx,
                 StateOverlay& state) const override {
        const auto& p = tx.Payload<RegisterDevicePayload>();
        const XOnlyPubKey& device = tx.Signers()[1];
        auto existing = GetDevice(state, device);
        if (!existing) return existing.error();
        if (existing->has_value()) {
            return MakeError("device-already-registered",
                             "device " + HexStr(device) + " is already registered (at height " +
                                 std::to_string((*existing)->registered_height) + ")");
        }
        auto supply = GetSupply(state);
        if (!supply) return supply.error();
        auto locked = CheckedAdd(supply->locked, p.bond);
        if (!locked) return MakeError("amount-overflow", "locked supply would overflow");
        supply->locked = *locked;
        Status st = PutSupply(state, *supply);
        if (!st) return st;
        return PutDevice(state, device, Device{tx.Payer(), p.kinds, p.bond, ctx.height});
    }

    std::span<const JsonField> PayloadFields() const override { return kFields; }
    void PayloadJson(const Transaction& tx, std::string_view, rapidjson::Value& out,
                     JsonAlloc& a) const override {
        const auto& p = tx.Payload<RegisterDevicePayload>();
        AddJsonUInt(out, "kinds", p.kinds, a);
        AddJsonUInt(out, "bond", p.bond, a);
    }
};

}  // namespace

void RegisterDevicePayload::Write(Writer& w) const {
    w.U8(kinds);
    w.U64(bond);
}

bool RegisterDevicePayload::Read(Reader& r, RegisterDevicePayload& p) {
    r.U8(p.kinds, "register_device.kinds");
    return r.U64(p.bond, "register_device.bond");
}

const TxType& RegisterDeviceType() {
    static const RegisterDevice kType;
    return kType;
}

const RegisterDevicePayload* RegisterDeviceOf(const Transaction& tx) {
    return tx.TypeId() == kRegisterDeviceTypeId ? &tx.Payload<RegisterDevicePayload>() : nullptr;
}

Transaction UnsignedRegisterDevice(uint32_t chain_id, const XOnlyPubKey& owner,
                                   const XOnlyPubKey& device, uint8_t kinds, Amount bond,
                                   Amount fee, uint64_t nonce) {
    auto payload = std::make_shared<RegisterDevicePayload>();
    payload->kinds = kinds;
    payload->bond = bond;
    return MakeUnsigned(kRegisterDeviceTypeId, chain_id, {owner, device}, std::move(payload), fee,
                        nonce);
}

}  // namespace maillon
