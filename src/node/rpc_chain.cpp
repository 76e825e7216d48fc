// Chain methods: the tip, blocks by height or hash.
#include "node/rpc_util.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

using rapidjson::Document;
using rapidjson::Value;
using T = RpcResult::Type;
using namespace rpc_result;

RpcMethod GetBlockchainInfoMethod(const Rpc& rpc) {
    return {"getblockchaininfo",
            "chain",
            "Returns the state of the chain at the tip.",
            {},
            Object({Member("chain", T::kString, "main, test or dev"),
                    Member("chain_id", T::kUInt64, "signed into every transaction"),
                    Member("blocks", T::kUInt64, "height of the tip"),
                    Member("bestblockhash", T::kHex, "hash of the tip"),
                    Member("time_ms", T::kUInt64, "tip time, ms since the Unix epoch"),
                    Member("epoch", T::kUInt64, "epoch of the tip"),
                    Member("epoch_blocks", T::kUInt64, "blocks per epoch"),
                    Member("state_root", T::kHex, "state root after the tip"),
                    Member("address_prefix", T::kString, "bech32m prefix of addresses")}),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                const BlockHeader tip = rpc->node.chain->Tip();
                r.SetObject();
                r.AddMember("chain", JsonString(rpc->params.name, a), a);
                r.AddMember("chain_id", rpc->params.chain_id, a);
                r.AddMember("blocks", tip.height, a);
                r.AddMember("bestblockhash", JsonHex(tip.Hash(), a), a);
                r.AddMember("time_ms", tip.time_ms, a);
                r.AddMember("epoch", EpochOf(tip.height, rpc->params), a);
                r.AddMember("epoch_blocks", rpc->params.epoch_blocks, a);
                r.AddMember("state_root", JsonHex(tip.state_root, a), a);
                r.AddMember("address_prefix", JsonString(rpc->params.hrp, a), a);
                return std::nullopt;
            },
            /*quick=*/true};
}

RpcMethod GetBlockCountMethod(const Rpc& rpc) {
    return {"getblockcount",
            "chain",
            "Returns the height of the tip (genesis is 0).",
            {},
            Shape(T::kUInt64, "height of the tip"),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                r.SetUint64(rpc->node.chain->Tip().height);
                return std::nullopt;
            },
            /*quick=*/true};
}

RpcMethod GetBlockHashMethod(const Rpc& rpc) {
    return {"getblockhash",
            "chain",
            "Returns the hash of the block at a height.",
            {{"height", RpcType::kUInt64, true, "block height"}},
            Shape(T::kHex, "block hash"),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto h = rpc->ResolveBlock(req.Param(0));
                if (!h) return rpc->Fail(h.error());
                r.SetString(HexStr(*h).c_str(), r.GetAllocator());
                return std::nullopt;
            },
            /*quick=*/true};
}

RpcResult BlockShape(RpcResult tx) {
    return HeaderMembers({Member("size", T::kUInt64, "serialized bytes"),
                          Member("last_commit", CommitShape()),
                          Member("txs", Array(std::move(tx)))});
}

RpcMethod GetBlockMethod(const Rpc& rpc) {
    return {
        "getblock",
        "chain",
        "Returns a block by hash or height. verbosity 0: serialized hex; 1: header, the parent's "
        "commit certificate and transaction ids; 2: the same with decoded transactions.",
        {{"block", RpcType::kStringOrUInt64, true, "block hash (64 hex characters) or height"},
         {"verbosity", RpcType::kUInt64, false, "0, 1 or 2", "1"}},
        OneOf(Shape(T::kHex, "verbosity 0: the serialized block"),
              {BlockShape(Shape(T::kHex, "transaction id")), BlockShape(TxShape())}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            const uint64_t verbosity = req.GetUInt64(1);
            if (verbosity > 2) {
                return RpcError{kRpcInvalidParameter,
                                "verbosity must be 0, 1 or 2, got " + std::to_string(verbosity)};
            }
            auto hash = rpc->ResolveBlock(req.Param(0));
            if (!hash) return rpc->Fail(hash.error());
            auto block = rpc->node.chain->GetBlock(*hash);
            if (!block) return rpc->Fail(block.error());
            if (!block->has_value())
                return RpcError{kRpcNotFound, "no block with hash " + HexStr(*hash)};
            const Block& b = **block;
            const std::vector<uint8_t> raw = b.Serialize();
            if (verbosity == 0) {
                r.SetString(HexStr(raw).c_str(), a);
                return std::nullopt;
            }
            Value o = rpc->HeaderJson(b.header, a);
            o.AddMember("size", static_cast<uint64_t>(raw.size()), a);
            o.AddMember("last_commit", rpc->CommitJson(b.last_commit, a), a);
            Value txs(rapidjson::kArrayType);
            for (const Transaction& tx : b.txs)
                txs.PushBack(verbosity == 1 ? JsonHex(tx.Id(), a) : rpc->TxJson(tx, a), a);
            o.AddMember("txs", txs, a);
            r.CopyFrom(o, a);
            return std::nullopt;
        }};
}

RpcMethod GetBlockHeaderMethod(const Rpc& rpc) {
    return {"getblockheader",
            "chain",
            "Returns a block's header by hash or height, without its transactions.",
            {{"block", RpcType::kStringOrUInt64, true, "block hash (64 hex characters) or height"}},
            HeaderMembers({Member("confirmations", T::kUInt64, "1 for the tip")}),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                auto hash = rpc->ResolveBlock(req.Param(0));
                if (!hash) return rpc->Fail(hash.error());
                auto header = rpc->node.chain->GetBlockHeader(*hash);
                if (!header) return rpc->Fail(header.error());
                if (!header->has_value())
                    return RpcError{kRpcNotFound, "no block with hash " + HexStr(*hash)};
                Value o = rpc->HeaderJson(**header, a);
                const uint64_t tip = rpc->node.chain->Tip().height;
                const uint64_t height = (*header)->height;
                o.AddMember("confirmations", tip >= height ? tip - height + 1 : 0, a);
                r.CopyFrom(o, a);
                return std::nullopt;
            },
            /*quick=*/true};
}

}  // namespace

MethodList ChainRpcMethods(const Rpc& rpc) {
    return {GetBlockchainInfoMethod(rpc), GetBlockCountMethod(rpc), GetBlockHashMethod(rpc),
            GetBlockMethod(rpc), GetBlockHeaderMethod(rpc)};
}

}  // namespace maillon
