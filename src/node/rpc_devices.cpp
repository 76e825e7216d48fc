// Device methods: registered devices, their attestations and contributions.
#include "consensus/chunk_tree.h"
#include "consensus/contribution_records.h"
#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "node/rpc_util.h"
#include "node/tx_intake.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

using rapidjson::Document;
using T = RpcResult::Type;
using namespace rpc_result;

const RpcParam kDeviceParam{"device", RpcType::kString, true, "the device's key, as an address"};

std::vector<RpcResult> DeviceShape() {
    return {Member("device", T::kString),
            Member("owner", T::kString, "address"),
            Member("kinds", T::kUInt64, "bit mask: 1 uptime, 2 bandwidth, 4 storage"),
            Member("bond", T::kUInt64, "base units locked from the owner"),
            Member("registered_height", T::kUInt64),
            Nullable(Member("retired_height", T::kUInt64,
                            "the block that retired it (it earns nothing since); null: active")),
            Nullable(Member("bond_unlocks_at", T::kUInt64,
                            "retired: the height from which retire_device returns the bond"))};
}

// The device's members (DeviceShape) from `state`; nullopt when the device
// is not registered there.
Result<std::optional<rapidjson::Value>> DeviceJson(const RpcContext& rpc, const StateReader& state,
                                                   const XOnlyPubKey& key, JsonAllocator& a) {
    auto device = GetDevice(state, key);
    if (!device) return device.error();
    if (!device->has_value()) return std::optional<rapidjson::Value>();
    auto retired = GetRetiredHeight(state, key);
    if (!retired) return retired.error();
    const Device& d = **device;
    rapidjson::Value r(rapidjson::kObjectType);
    r.AddMember("device", JsonString(rpc.Addr(key), a), a);
    r.AddMember("owner", JsonString(rpc.Addr(d.owner), a), a);
    r.AddMember("kinds", d.kinds, a);
    r.AddMember("bond", d.bond, a);
    r.AddMember("registered_height", d.registered_height, a);
    AddNullable(r, "retired_height", *retired, a);
    AddNullable(r, "bond_unlocks_at",
                *retired ? std::optional<uint64_t>(**retired + rpc.params.device_unbond_blocks)
                         : std::nullopt,
                a);
    return std::optional<rapidjson::Value>(std::move(r));
}

RpcMethod GetDeviceMethod(const Rpc& rpc) {
    std::vector<RpcResult> members = DeviceShape();
    members.push_back(Member("height", T::kUInt64, "the tip these values are read at"));
    return {
        "getdevice",
        "devices",
        "Returns a registered device at the tip.",
        {kDeviceParam},
        Object(std::move(members)),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            auto key = rpc->Address(req.GetString(0));
            if (!key) return rpc->Fail(key.error());
            const TipView tip = rpc->node.chain->CurrentTip();
            auto device = DeviceJson(*rpc, tip.State(), *key, a);
            if (!device) return rpc->Fail(device.error());
            if (!device->has_value()) {
                return RpcError{kRpcNotFound, "no device " + rpc->Addr(*key) + " is registered"};
            }
            r.CopyFrom(**device, a);
            r.AddMember("height", tip.Height(), a);
            return std::nullopt;
        }};
}

constexpr uint64_t kMaxDevicePage = 1000;

RpcMethod ListDevicesMethod(const Rpc& rpc) {
    return {"listdevices",
            "devices",
            "Lists registered devices by key, a page at a time: pass the reply's `next` as `after` "
            "for the following page.",
            {{"count", RpcType::kUInt64, false, "devices per page, 1..1000", "100"},
             {"after", RpcType::kString, false, "start after this device (an address)"}},
            Object({Member("devices", Array(Object(DeviceShape()))),
                    Nullable(Member("next", T::kString,
                                    "`after` for the next page; null when this page was not full")),
                    Member("height", T::kUInt64, "the tip these values are read at")}),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                const uint64_t count = req.GetUInt64(0, 100);
                if (count == 0 || count > kMaxDevicePage) {
                    return RpcError{kRpcInvalidParameter,
                                    "count must be 1..1000, got " + std::to_string(count)};
                }
                std::optional<XOnlyPubKey> after;
                if (req.Has(1)) {
                    auto key = rpc->AddressSkippingCurveCheck(req.GetString(1));
                    if (!key) return rpc->Fail(key.error());
                    after = *key;
                }
                auto keys = rpc->node.chain->ListDevices(count, after);
                if (!keys) return rpc->Fail(keys.error());
                const TipView tip = rpc->node.chain->CurrentTip();
                r.SetObject();
                rapidjson::Value list(rapidjson::kArrayType);
                for (const XOnlyPubKey& key : *keys) {
                    auto device = DeviceJson(*rpc, tip.State(), key, a);
                    if (!device) return rpc->Fail(device.error());
                    // Indexed by a commit the tip read here does not see yet.
                    if (device->has_value()) list.PushBack(**device, a);
                }
                r.AddMember("devices", list, a);
                if (keys->size() == count) {
                    r.AddMember("next", JsonString(rpc->Addr(keys->back()), a), a);
                } else {
                    r.AddMember("next", rapidjson::Value(rapidjson::kNullType), a);
                }
                r.AddMember("height", tip.Height(), a);
                return std::nullopt;
            }};
}

RpcMethod GetDealMethod(const Rpc& rpc) {
    return {"getdeal",
            "devices",
            "Returns a storage deal at the tip, by its id (its storage_deal's txid).",
            {{"deal", RpcType::kString, true, "the deal id, 64 hex digits"}},
            Object({Member("deal", T::kHex), Member("client", T::kString, "address"),
                    Member("device", T::kString, "address"),
                    Member("data_root", T::kHex, "chunk tree root of the stored bytes"),
                    Member("size", T::kUInt64, "bytes"), Member("chunk_size", T::kUInt64),
                    Member("chunks", T::kUInt64),
                    Member("start_epoch", T::kUInt64, "the first epoch a proof is due"),
                    Member("end_epoch", T::kUInt64, "the last epoch a proof is due"),
                    Member("price", T::kUInt64, "credits per byte and epoch"),
                    Member("proven_epochs", T::kUInt64, "epochs with an accepted proof"),
                    Nullable(Member("last_proven_epoch", T::kUInt64)),
                    Member("escrow", T::kUInt64, "credits not burned yet"),
                    Member("height", T::kUInt64, "the tip these values are read at")}),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                auto id = ParseHash(req.GetString(0), "deal");
                if (!id) return rpc->Fail(id.error());
                const TipView tip = rpc->node.chain->CurrentTip();
                auto deal = GetDeal(tip.State(), *id);
                if (!deal) return rpc->Fail(deal.error());
                if (!deal->has_value())
                    return RpcError{kRpcNotFound, "no storage deal " + HexStr(*id)};
                const Deal& d = **deal;
                r.SetObject();
                r.AddMember("deal", JsonHex(*id, a), a);
                r.AddMember("client", JsonString(rpc->Addr(d.client), a), a);
                r.AddMember("device", JsonString(rpc->Addr(d.device), a), a);
                r.AddMember("data_root", JsonHex(d.data_root, a), a);
                r.AddMember("size", d.size, a);
                r.AddMember("chunk_size", d.chunk_size, a);
                r.AddMember("chunks", ChunkCount(d.size, d.chunk_size), a);
                r.AddMember("start_epoch", d.start_epoch, a);
                r.AddMember("end_epoch", d.start_epoch + d.duration_epochs - 1, a);
                r.AddMember("price", d.price, a);
                r.AddMember("proven_epochs", d.proven_epochs, a);
                AddNullable(
                    r, "last_proven_epoch",
                    d.proven_epochs > 0 ? std::optional<uint64_t>(d.last_proven) : std::nullopt, a);
                r.AddMember("escrow", d.escrow, a);
                r.AddMember("height", tip.Height(), a);
                return std::nullopt;
            }};
}

constexpr size_t kMaxAttestationBatch = 10'000;

// One entry of submitattestation's reply.
rapidjson::Value SubmitOne(const RpcContext& rpc, const rapidjson::Value& entry, JsonAllocator& a) {
    rapidjson::Value out(rapidjson::kObjectType);
    auto reject = [&](const Error& e) {
        const RpcError err = rpc.Fail(e);
        out.AddMember("accepted", false, a);
        out.AddMember("reason", JsonString(e.code, a), a);
        out.AddMember("code", err.code, a);
        out.AddMember("message", JsonString(err.message, a), a);
        return std::move(out);
    };
    if (!entry.IsString()) {
        out.AddMember("txid", rapidjson::Value(rapidjson::kNullType), a);
        return reject(MakeError("not-hex", "each entry must be a transaction's hex string"));
    }
    auto tx = ParseTxHex(entry.GetString());
    if (!tx) {
        out.AddMember("txid", rapidjson::Value(rapidjson::kNullType), a);
        return reject(tx.error());
    }
    out.AddMember("txid", JsonHex(tx->Id(), a), a);
    if (!IsAttestation(tx->Type())) {
        return reject(MakeError(ErrorKind::kPolicy, "not-an-attestation",
                                "a " + std::string(tx->Type().Name()) +
                                    " is not an attestation; send it with sendrawtransaction"));
    }
    auto id = AcceptTransaction(rpc.node, *tx);
    if (!id) return reject(id.error());
    out.AddMember("accepted", true, a);
    return out;
}

RpcMethod SubmitAttestationMethod(const Rpc& rpc) {
    return {
        "submitattestation",
        "devices",
        "Checks signed attestations (heartbeat, bandwidth_receipt, storage_proof) and adds them "
        "to the mempool's attestation lane. Takes one transaction's hex or an array of them (at "
        "most 10,000) and answers each entry, in order: accepted, or the reason it was refused. "
        "Refusals are also counted in the device's getdevicerejections.",
        {{"attestations", RpcType::kAny, true, "a signed attestation's hex, or an array of them"}},
        Array(Object({Nullable(Member("txid", T::kHex, "null when the entry does not decode")),
                      Member("accepted", T::kBool),
                      Optional(Member("reason", T::kString, "refused: the stable reason code")),
                      Optional(Member("code", T::kAny,
                                      "refused: the JSON-RPC error code it maps to, an integer")),
                      Optional(Member("message", T::kString, "refused: what to fix"))})),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            const rapidjson::Value& param = req.Param(0);
            if (!param.IsString() && !param.IsArray()) {
                return RpcError{kRpcInvalidParams,
                                "attestations must be a hex string or an array of them"};
            }
            if (param.IsArray() && param.Size() > kMaxAttestationBatch) {
                return RpcError{kRpcInvalidParameter,
                                "at most " + std::to_string(kMaxAttestationBatch) +
                                    " attestations per call, got " + std::to_string(param.Size())};
            }
            r.SetArray();
            if (param.IsString()) {
                r.PushBack(SubmitOne(*rpc, param, a), a);
            } else {
                for (const auto& entry : param.GetArray())
                    r.PushBack(SubmitOne(*rpc, entry, a), a);
            }
            return std::nullopt;
        }};
}

void AddUnitsJson(const ContributionUnits& u, rapidjson::Value& out, JsonAllocator& a) {
    out.AddMember("uptime_intervals", u.uptime_intervals, a);
    out.AddMember("bandwidth_bytes", u.bandwidth_bytes, a);
    out.AddMember("storage_byte_epochs", u.storage_byte_epochs, a);
    out.AddMember("credits_burned", u.credits_burned, a);
}

std::vector<RpcResult> UnitsShape() {
    return {Member("uptime_intervals", T::kUInt64, "heartbeat intervals counted"),
            Member("bandwidth_bytes", T::kUInt64, "bytes settled by bandwidth receipts"),
            Member("storage_byte_epochs", T::kUInt64, "deal bytes proven, once per epoch"),
            Member("credits_burned", T::kUInt64, "consumers' and clients' credits spent on it")};
}

RpcMethod GetDeviceContributionsMethod(const Rpc& rpc) {
    std::vector<RpcResult> members = {Member("device", T::kString), Member("epoch", T::kUInt64)};
    for (RpcResult& m : UnitsShape())
        members.push_back(std::move(m));
    members.push_back(Member("epoch_totals", Object(UnitsShape(), "every device's, that epoch")));
    members.push_back(Nullable(
        Member("last_heartbeat_height", T::kUInt64, "the block that counted its last heartbeat")));
    members.push_back(Member("height", T::kUInt64, "the tip these values are read at"));
    return {"getdevicecontributions",
            "devices",
            "Returns the units a device's attestations proved in one epoch (the tip's by default), "
            "and that epoch's totals over all devices.",
            {kDeviceParam, {"epoch", RpcType::kUInt64, false, "the epoch; default: the tip's"}},
            Object(std::move(members)),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                auto key = rpc->Address(req.GetString(0));
                if (!key) return rpc->Fail(key.error());
                const TipView tip = rpc->node.chain->CurrentTip();
                const uint64_t epoch = req.GetUInt64(1, EpochOf(tip.Height(), rpc->params));
                auto units = GetContribution(tip.State(), *key, epoch);
                if (!units) return rpc->Fail(units.error());
                auto totals = GetEpochTotals(tip.State(), epoch);
                if (!totals) return rpc->Fail(totals.error());
                auto activity = GetDeviceActivity(tip.State(), *key);
                if (!activity) return rpc->Fail(activity.error());
                r.SetObject();
                r.AddMember("device", JsonString(rpc->Addr(*key), a), a);
                r.AddMember("epoch", epoch, a);
                AddUnitsJson(*units, r, a);
                rapidjson::Value t(rapidjson::kObjectType);
                AddUnitsJson(*totals, t, a);
                r.AddMember("epoch_totals", t, a);
                AddNullable(
                    r, "last_heartbeat_height",
                    *activity ? std::optional<uint64_t>((*activity)->last_height) : std::nullopt,
                    a);
                r.AddMember("height", tip.Height(), a);
                return std::nullopt;
            }};
}

RpcMethod GetDeviceRejectionsMethod(const Rpc& rpc) {
    return {
        "getdevicerejections",
        "devices",
        "Returns why this node refused a device's attestations (at submission, or when a block "
        "could no longer include them), by reason code: how often, and the last time and "
        "message. Kept in memory by this node only, since it started.",
        {kDeviceParam},
        Object(
            {Member("device", T::kString),
             Member("rejections",
                    Array(Object({Member("reason", T::kString, "the stable reason code"),
                                  Member("count", T::kUInt64), Member("last_time_ms", T::kUInt64),
                                  Member("last_message", T::kString)})))}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            auto key = rpc->Address(req.GetString(0));
            if (!key) return rpc->Fail(key.error());
            r.SetObject();
            r.AddMember("device", JsonString(rpc->Addr(*key), a), a);
            rapidjson::Value list(rapidjson::kArrayType);
            if (rpc->node.rejections) {
                for (const RejectionStats& s : rpc->node.rejections->Get(*key)) {
                    rapidjson::Value e(rapidjson::kObjectType);
                    e.AddMember("reason", JsonString(s.reason, a), a);
                    e.AddMember("count", s.count, a);
                    e.AddMember("last_time_ms", s.last_time_ms, a);
                    e.AddMember("last_message", JsonString(s.last_message, a), a);
                    list.PushBack(e, a);
                }
            }
            r.AddMember("rejections", list, a);
            return std::nullopt;
        }};
}

}  // namespace

MethodList DeviceRpcMethods(const Rpc& rpc) {
    return {GetDeviceMethod(rpc),           ListDevicesMethod(rpc),
            SubmitAttestationMethod(rpc),   GetDeviceContributionsMethod(rpc),
            GetDeviceRejectionsMethod(rpc), GetDealMethod(rpc)};
}

}  // namespace maillon
