// Device methods: registered devices.
#include "consensus/records.h"
#include "node/rpc_util.h"

namespace maillon {

namespace {

using rapidjson::Document;
using T = RpcResult::Type;
using namespace rpc_result;

RpcMethod GetDeviceMethod(const Rpc& rpc) {
    return {
        "getdevice",
        "devices",
        "Returns a registered device at the tip.",
        {{"device", RpcType::kString, true, "the device's key, as an address"}},
        Object(
            {Member("device", T::kString), Member("owner", T::kString, "address"),
             Member("kinds", T::kUInt64, "bit mask: 1 uptime, 2 bandwidth, 4 storage"),
             Member("bond", T::kUInt64, "base units locked from the owner"),
             Member("registered_height", T::kUInt64),
             Nullable(Member("retired_height", T::kUInt64,
                             "the block that retired it (it earns nothing since); null: active")),
             Nullable(Member("bond_unlocks_at", T::kUInt64,
                             "retired: the height from which retire_device returns the bond")),
             Member("height", T::kUInt64, "the tip these values are read at")}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            auto key = rpc->Address(req.GetString(0));
            if (!key) return rpc->Fail(key.error());
            const TipView tip = rpc->node.chain->CurrentTip();
            auto device = GetDevice(tip.State(), *key);
            if (!device) return rpc->Fail(device.error());
            if (!device->has_value()) {
                return RpcError{kRpcNotFound, "no device " + rpc->Addr(*key) + " is registered"};
            }
            const Device& d = **device;
            r.SetObject();
            r.AddMember("device", JsonString(rpc->Addr(*key), a), a);
            r.AddMember("owner", JsonString(rpc->Addr(d.owner), a), a);
            r.AddMember("kinds", d.kinds, a);
            r.AddMember("bond", d.bond, a);
            r.AddMember("registered_height", d.registered_height, a);
            auto retired = GetRetiredHeight(tip.State(), *key);
            if (!retired) return rpc->Fail(retired.error());
            if (retired->has_value()) {
                r.AddMember("retired_height", **retired, a);
                r.AddMember("bond_unlocks_at", **retired + rpc->params.device_unbond_blocks, a);
            } else {
                r.AddMember("retired_height", rapidjson::Value(rapidjson::kNullType), a);
                r.AddMember("bond_unlocks_at", rapidjson::Value(rapidjson::kNullType), a);
            }
            r.AddMember("height", tip.Height(), a);
            return std::nullopt;
        }};
}

}  // namespace

MethodList DeviceRpcMethods(const Rpc& rpc) {
    return {GetDeviceMethod(rpc)};
}

}  // namespace maillon
