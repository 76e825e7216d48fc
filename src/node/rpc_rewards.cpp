// Reward methods: the supply, each epoch's emission and pools, and why an
// owner, a device or a validator got what it got (doc/protocol.md §11).
#include "consensus/block_context.h"
#include "consensus/epoch_rewards.h"
#include "consensus/records.h"
#include "consensus/reward_records.h"
#include "node/rpc_util.h"

namespace maillon {

namespace {

using rapidjson::Document;
using T = RpcResult::Type;
using namespace rpc_result;

const RpcParam kEpochParam{"epoch", RpcType::kUInt64, false, "the epoch; default: the tip's"};

// A closed epoch's rewards record, or the RPC error saying it is not closed.
Result<EpochRewards> ClosedEpoch(const RpcContext& rpc, const TipView& tip, uint64_t epoch) {
    auto rewards = GetEpochRewards(tip.State(), epoch);
    if (!rewards) return rewards.error();
    if (!rewards->has_value()) {
        return MakeError(ErrorKind::kNotFound, "epoch-not-closed",
                         "epoch " + std::to_string(epoch) +
                             " is not closed: it closes with block " +
                             std::to_string((epoch + 1) * rpc.params.epoch_blocks - 1) +
                             " (the tip is " + std::to_string(tip.Height()) + ")");
    }
    return **rewards;
}

std::vector<RpcResult> SupplyShape() {
    return {Member("genesis", T::kUInt64, "base units created by the genesis state"),
            Member("minted", T::kUInt64, "base units minted since, as rewards"),
            Member("burned", T::kUInt64, "base units destroyed (bought data credits)"),
            Member("locked", T::kUInt64, "stake and device bonds, out of balances"),
            Member("not_minted", T::kUInt64, "of closed epochs' emission, never to be minted"),
            Member("owed", T::kUInt64, "of closed epochs' emission, not settled yet"),
            Member("circulating", T::kUInt64, "genesis + minted - burned - locked")};
}

RpcMethod GetSupplyInfoMethod(const Rpc& rpc) {
    return {
        "getsupplyinfo",
        "rewards",
        "Returns where every base unit is, in total; with an epoch, also what that closed "
        "epoch emitted, minted, did not mint and still owes.",
        {{"epoch", RpcType::kUInt64, false, "a closed epoch"}},
        Object({Member("total", Object(SupplyShape())),
                Nullable(Member(
                    "epoch", Object({Member("epoch", T::kUInt64), Member("emission", T::kUInt64),
                                     Member("minted", T::kUInt64), Member("not_minted", T::kUInt64),
                                     Member("owed", T::kUInt64)}))),
                Member("height", T::kUInt64)}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            const TipView tip = rpc->node.chain->CurrentTip();
            auto supply = GetSupply(tip.State());
            auto totals = GetRewardTotals(tip.State());
            if (!supply) return rpc->Fail(supply.error());
            if (!totals) return rpc->Fail(totals.error());
            r.SetObject();
            rapidjson::Value t(rapidjson::kObjectType);
            t.AddMember("genesis", supply->genesis, a);
            t.AddMember("minted", supply->minted, a);
            t.AddMember("burned", supply->burned, a);
            t.AddMember("locked", supply->locked, a);
            t.AddMember("not_minted", totals->not_minted, a);
            t.AddMember("owed", totals->owed, a);
            t.AddMember("circulating",
                        supply->genesis + supply->minted - supply->burned - supply->locked, a);
            r.AddMember("total", t, a);
            rapidjson::Value e(rapidjson::kNullType);
            if (req.Has(0)) {
                auto rewards = ClosedEpoch(*rpc, tip, req.GetUInt64(0));
                if (!rewards) return rpc->Fail(rewards.error());
                Amount minted = 0;
                for (Amount paid : rewards->paid)
                    minted += paid;
                e.SetObject();
                e.AddMember("epoch", req.GetUInt64(0), a);
                e.AddMember("emission", rewards->emission, a);
                e.AddMember("minted", minted, a);
                e.AddMember("not_minted", rewards->not_minted, a);
                e.AddMember("owed", rewards->emission - minted - rewards->not_minted, a);
            }
            r.AddMember("epoch", e, a);
            r.AddMember("height", tip.Height(), a);
            return std::nullopt;
        }};
}

RpcMethod GetEpochInfoMethod(const Rpc& rpc) {
    return {
        "getepochinfo",
        "rewards",
        "Returns an epoch's blocks, its units so far, and once it is closed its emission and "
        "each pool: its amount, what it paid and what it settled.",
        {kEpochParam},
        Object({Member("epoch", T::kUInt64), Member("first_height", T::kUInt64),
                Member("last_height", T::kUInt64), Member("closed", T::kBool),
                Nullable(Member("emission", T::kUInt64, "null while open")),
                Nullable(Member("not_minted", T::kUInt64, "so far; null while open")),
                Member("certificates", T::kUInt64, "commit certificates counted for validators"),
                Member("pools",
                       Array(Object(
                           {Member("pool", T::kString, "validators, bandwidth, storage or uptime"),
                            Nullable(Member("amount", T::kUInt64, "null while open")),
                            Member("units", T::kUInt64, "every device's, so far"),
                            Member("units_settled", T::kUInt64), Member("paid", T::kUInt64)}))),
                Member("height", T::kUInt64)}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            const TipView tip = rpc->node.chain->CurrentTip();
            const uint64_t epoch = req.GetUInt64(0, EpochOf(tip.Height(), rpc->params));
            auto rewards = GetEpochRewards(tip.State(), epoch);
            auto units = GetEpochTotals(tip.State(), epoch);
            auto signers = GetEpochSigners(tip.State(), epoch);
            if (!rewards) return rpc->Fail(rewards.error());
            if (!units) return rpc->Fail(units.error());
            if (!signers) return rpc->Fail(signers.error());
            const std::optional<EpochRewards>& er = *rewards;
            r.SetObject();
            r.AddMember("epoch", epoch, a);
            r.AddMember("first_height", epoch * rpc->params.epoch_blocks, a);
            r.AddMember("last_height", (epoch + 1) * rpc->params.epoch_blocks - 1, a);
            r.AddMember("closed", er.has_value(), a);
            AddNullable(r, "emission", er ? std::optional(er->emission) : std::nullopt, a);
            AddNullable(r, "not_minted", er ? std::optional(er->not_minted) : std::nullopt, a);
            r.AddMember("certificates", signers->certificates, a);
            rapidjson::Value pools(rapidjson::kArrayType);
            for (size_t k = 0; k < kPoolCount; ++k) {
                const Pool pool = static_cast<Pool>(k);
                rapidjson::Value p(rapidjson::kObjectType);
                p.AddMember("pool", JsonString(std::string(PoolName(pool)), a), a);
                AddNullable(p, "amount", er ? std::optional(er->pools[k]) : std::nullopt, a);
                p.AddMember("units", PoolUnits(*units, pool), a);
                p.AddMember("units_settled", er ? er->units_settled[k] : 0, a);
                p.AddMember("paid", er ? er->paid[k] : 0, a);
                pools.PushBack(p, a);
            }
            r.AddMember("pools", pools, a);
            r.AddMember("height", tip.Height(), a);
            return std::nullopt;
        }};
}

rapidjson::Value PoolShareJson(const PoolShare& ps, std::optional<uint64_t> device_units,
                               JsonAllocator& a) {
    const Share& s = ps.share;
    rapidjson::Value p(rapidjson::kObjectType);
    p.AddMember("pool", JsonString(std::string(PoolName(ps.pool)), a), a);
    p.AddMember("pool_amount", ps.pool_amount, a);
    p.AddMember("total_units", ps.total_units, a);
    p.AddMember("units", ps.units, a);
    AddNullable(p, "device_units", device_units, a);
    AddNullable(p, "credits", ps.credits, a);
    p.AddMember("pro_rata", s.pro_rata, a);
    p.AddMember("owner_cap", s.owner_cap, a);
    AddNullable(p, "credit_cap", s.credit_cap, a);
    const char* capped = nullptr;
    if (s.paid < s.pro_rata)
        capped = s.credit_cap && s.paid == *s.credit_cap ? "credit_cap" : "owner_cap";
    if (capped) {
        p.AddMember("capped_by", rapidjson::StringRef(capped), a);
    } else {
        p.AddMember("capped_by", rapidjson::Value(rapidjson::kNullType), a);
    }
    p.AddMember("paid", s.paid, a);
    AddNullable(p, "device_paid",
                device_units && ps.units ? MulDiv(s.paid, *device_units, ps.units) : std::nullopt,
                a);
    return p;
}

// The validator's part of the epoch's validator pool; null when it signed none.
Result<rapidjson::Value> ValidatorJson(const TipView& tip, const XOnlyPubKey& key,
                                       const EpochRewards& er, uint64_t epoch, JsonAllocator& a) {
    auto signers = GetEpochSigners(tip.State(), epoch);
    auto set = GetValidatorSet(tip.State(), RecordTag::kValidators);
    if (!signers) return signers.error();
    if (!set) return set.error();
    rapidjson::Value v(rapidjson::kNullType);
    for (const SignerCount& s : signers->signers) {
        if (s.validator != key) continue;
        const auto index = set->IndexOf(key);
        const uint64_t power = index ? set->Validators()[*index].power : 0;
        const ValidatorReward vr = ComputeValidatorReward(er.pools[0], power, set->TotalPower(),
                                                          s.signed_count, signers->certificates);
        v.SetObject();
        v.AddMember("pool_amount", er.pools[0], a);
        v.AddMember("power", power, a);
        v.AddMember("total_power", set->TotalPower(), a);
        v.AddMember("signed", s.signed_count, a);
        v.AddMember("certificates", signers->certificates, a);
        v.AddMember("power_share", vr.power_share, a);
        v.AddMember("paid", vr.paid, a);
    }
    return v;
}

RpcMethod GetRewardBreakdownMethod(const Rpc& rpc) {
    return {
        "getrewardbreakdown",
        "rewards",
        "Explains a closed epoch's reward of an address: as a device, its owner's (all the "
        "owner's devices share each pool's owner cap) with this device's units and part; as an "
        "owner, its own; as a validator, its part of the validator pool. For each pool: the "
        "units, the pool, the pro-rata share, every cap and the amount paid (or owed, until it "
        "is settled).",
        {{"epoch", RpcType::kUInt64, true, "a closed epoch"},
         {"address", RpcType::kString, true, "a device, an owner or a validator"}},
        Object(
            {Member("epoch", T::kUInt64), Member("address", T::kString),
             Member("kind", T::kString, "device or owner"),
             Member("owner", T::kString, "the account the contributor pools pay"),
             Member("settled", T::kBool,
                    "false: owed, paid when the owner's devices next "
                    "attest or when it sends claim_rewards"),
             Member("total", T::kUInt64, "from the contributor pools: paid or owed"),
             Member("pools",
                    Array(Object({Member("pool", T::kString), Member("pool_amount", T::kUInt64),
                                  Member("total_units", T::kUInt64, "every owner's"),
                                  Member("units", T::kUInt64, "the owner's"),
                                  Nullable(Member("device_units", T::kUInt64, "this device's")),
                                  Nullable(Member("credits", T::kUInt64, "burned for the units")),
                                  Member("pro_rata", T::kUInt64), Member("owner_cap", T::kUInt64),
                                  Nullable(Member("credit_cap", T::kUInt64)),
                                  Nullable(Member("capped_by", T::kString,
                                                  "owner_cap or credit_cap; null: none")),
                                  Member("paid", T::kUInt64),
                                  Nullable(Member("device_paid", T::kUInt64,
                                                  "this device's part, pro rata to its units"))}))),
             Nullable(Member(
                 "validator",
                 Object({Member("pool_amount", T::kUInt64), Member("power", T::kUInt64),
                         Member("total_power", T::kUInt64), Member("signed", T::kUInt64),
                         Member("certificates", T::kUInt64), Member("power_share", T::kUInt64),
                         Member("paid", T::kUInt64, "minted at the close")}))),
             Member("height", T::kUInt64)}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            const uint64_t epoch = req.GetUInt64(0);
            auto key = rpc->Address(req.GetString(1));
            if (!key) return rpc->Fail(key.error());
            const TipView tip = rpc->node.chain->CurrentTip();
            auto er = ClosedEpoch(*rpc, tip, epoch);
            if (!er) return rpc->Fail(er.error());
            auto device = GetDevice(tip.State(), *key);
            if (!device) return rpc->Fail(device.error());
            const XOnlyPubKey owner = *device ? (*device)->owner : *key;
            std::optional<ContributionUnits> units;
            if (*device) {
                auto u = GetContribution(tip.State(), *key, epoch);
                if (!u) return rpc->Fail(u.error());
                units = *u;
            }
            auto reward = ComputeOwnerReward(tip.State(), rpc->params, owner, epoch, *er);
            auto cursor = GetRewardCursor(tip.State(), owner);
            auto validator = ValidatorJson(tip, *key, *er, epoch, a);
            if (!reward) return rpc->Fail(reward.error());
            if (!cursor) return rpc->Fail(cursor.error());
            if (!validator) return rpc->Fail(validator.error());
            r.SetObject();
            r.AddMember("epoch", epoch, a);
            r.AddMember("address", JsonString(rpc->Addr(*key), a), a);
            r.AddMember("kind", rapidjson::StringRef(*device ? "device" : "owner"), a);
            r.AddMember("owner", JsonString(rpc->Addr(owner), a), a);
            r.AddMember("settled", !(*cursor && **cursor == epoch), a);
            r.AddMember("total", reward->total, a);
            rapidjson::Value pools(rapidjson::kArrayType);
            for (const PoolShare& ps : reward->pools) {
                pools.PushBack(
                    PoolShareJson(
                        ps, units ? std::optional(PoolUnits(*units, ps.pool)) : std::nullopt, a),
                    a);
            }
            r.AddMember("pools", pools, a);
            r.AddMember("validator", *validator, a);
            r.AddMember("height", tip.Height(), a);
            return std::nullopt;
        }};
}

}  // namespace

MethodList RewardRpcMethods(const Rpc& rpc) {
    return {GetSupplyInfoMethod(rpc), GetEpochInfoMethod(rpc), GetRewardBreakdownMethod(rpc)};
}

}  // namespace maillon
