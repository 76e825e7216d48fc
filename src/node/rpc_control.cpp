// Control methods: stop, uptime, and the dev network's generateblock.
#include "node/rpc_util.h"

namespace maillon {

namespace {

using rapidjson::Document;
using rapidjson::Value;
using T = RpcResult::Type;
using namespace rpc_result;

RpcMethod StopMethod(const Rpc& rpc) {
    return {"stop",
            "control",
            "Shuts the node down cleanly.",
            {},
            Shape(T::kString, "\"Maillon server stopping\""),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                rpc->node.request_shutdown();
                r.SetString("Maillon server stopping");
                return std::nullopt;
            }};
}

RpcMethod UptimeMethod(const Rpc& rpc) {
    return {"uptime",
            "control",
            "Returns the number of seconds the node has been running.",
            {},
            Shape(T::kUInt64, "seconds"),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                r.SetUint64((NowMs() - rpc->node.start_time_ms) / 1000);
                return std::nullopt;
            },
            /*quick=*/true};
}

RpcMethod GenerateBlockMethod(const Rpc& rpc) {
    return {"generateblock",
            "dev",
            "Dev network only: produces one block now from the mempool and returns it.",
            {},
            Object({Member("hash", T::kHex), Member("height", T::kUInt64),
                    Member("txs", Array(Shape(T::kHex, "transaction id")))}),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                auto block = rpc->node.producer->ProduceBlock();
                if (!block) return rpc->Fail(block.error());
                r.SetObject();
                r.AddMember("hash", JsonHex(block->header.Hash(), a), a);
                r.AddMember("height", block->header.height, a);
                Value txs(rapidjson::kArrayType);
                for (const Transaction& tx : block->txs)
                    txs.PushBack(JsonHex(tx.Id(), a), a);
                r.AddMember("txs", txs, a);
                return std::nullopt;
            }};
}

}  // namespace

MethodList ControlRpcMethods(const Rpc& rpc) {
    MethodList methods = {StopMethod(rpc), UptimeMethod(rpc)};
    if (rpc->node.producer) methods.push_back(GenerateBlockMethod(rpc));
    return methods;
}

}  // namespace maillon
