#include "consensus/tx/device_rules.h"

#include <string>

#include "consensus/epoch_rewards.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

std::string_view KindName(uint8_t kind) {
    for (const DeviceKindName& k : kDeviceKindNames) {
        if (k.bit == kind) return k.name;
    }
    return "?";
}

}  // namespace

Result<Device> ActiveDevice(const StateReader& state, const XOnlyPubKey& device, uint8_t kind) {
    auto record = GetDevice(state, device);
    if (!record) return record.error();
    if (!record->has_value()) {
        return MakeError("device-not-registered", "no device " + HexStr(device) + " is registered");
    }
    auto retired = GetRetiredHeight(state, device);
    if (!retired) return retired.error();
    if (retired->has_value()) {
        return MakeError("device-retired", "device " + HexStr(device) + " retired at height " +
                                               std::to_string(**retired) +
                                               " and earns nothing since");
    }
    if (((*record)->kinds & kind) == 0) {
        return MakeError("device-kind-not-offered", "device " + HexStr(device) +
                                                        " was registered without " +
                                                        std::string(KindName(kind)) + " (kinds " +
                                                        std::to_string((*record)->kinds) + ")");
    }
    return **record;
}

Status CheckRefBlock(const BlockContext& ctx, uint64_t ref_height, const Hash256& ref_hash,
                     uint64_t max_age) {
    if (ref_height >= ctx.height) {
        return MakeError("ref-block-unknown", "block " + std::to_string(ref_height) +
                                                  " is not below the including block " +
                                                  std::to_string(ctx.height));
    }
    if (ctx.height - ref_height > max_age) {
        return MakeError("ref-block-too-old",
                         "block " + std::to_string(ref_height) + " is " +
                             std::to_string(ctx.height - ref_height) +
                             " blocks before the including block; the limit is " +
                             std::to_string(max_age) + ": sign again with a newer block");
    }
    const auto hash = ctx.RecentHash(ref_height);
    if (!hash || *hash != ref_hash) {
        return MakeError("ref-block-unknown", "block " + std::to_string(ref_height) +
                                                  " of this chain does not have hash " +
                                                  HexStr(ref_hash));
    }
    return Status::Ok();
}

Status CheckNotSelfDealing(const Device& device, const XOnlyPubKey& payer) {
    if (payer != device.owner) return Status::Ok();
    return MakeError("self-dealing",
                     "the account paying for the service owns the device: an owner cannot pay "
                     "its own device");
}

Status SpendCredits(StateOverlay& state, const XOnlyPubKey& account, uint64_t credits) {
    auto acct = GetAccount(state, account);
    if (!acct) return acct.error();
    if (acct->credits < credits) {
        return MakeError("insufficient-credits",
                         "account " + HexStr(account) + " has " + std::to_string(acct->credits) +
                             " data credits, the service needs " + std::to_string(credits) +
                             " (buy_credits buys more)");
    }
    acct->credits -= credits;
    return PutAccount(state, account, *acct);
}

Status CreditDevice(const BlockContext& ctx, StateOverlay& state, const XOnlyPubKey& device,
                    const Device& record, const ContributionUnits& units) {
    if (Status st = CreditContribution(state, device, ctx.Epoch(), units); !st) return st;
    OwnerUnits owner;
    owner.uptime_intervals = units.uptime_intervals;
    owner.bandwidth_bytes = units.bandwidth_bytes;
    owner.storage_byte_epochs = units.storage_byte_epochs;
    (units.bandwidth_bytes > 0 ? owner.bandwidth_credits : owner.storage_credits) =
        units.credits_burned;
    return AccrueOwnerUnits(state, ctx.params, record.owner, ctx.Epoch(), owner);
}

}  // namespace maillon
