// What the node's RPC method tables share: turning chain objects into JSON
// (and the documented shapes of that JSON, which generate `help` and are
// checked under -rpccheckresults), parsing hashes, addresses and block
// references, and mapping errors to JSON-RPC errors (rpc/errors.h).
// Thread-safety: an RpcContext is immutable once made; its members only call
// thread-safe Chain and Mempool methods.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/rpc_methods.h"
#include "rpc/errors.h"
#include "rpc/rpc_result.h"

namespace maillon {

using JsonAllocator = rapidjson::Document::AllocatorType;

class RpcContext {
public:
    explicit RpcContext(const NodeContext& ctx) : node(ctx), params(ctx.chain->Params()) {}

    const NodeContext& node;
    const ChainParams& params;

    std::string Addr(const XOnlyPubKey& key) const;
    Result<XOnlyPubKey> Address(const std::string& text) const;
    // Address() less its curve check, which AccountOf() makes only when needed.
    Result<XOnlyPubKey> AddressSkippingCurveCheck(const std::string& text) const;
    // The account for `key` in `state`, decoded from `text` by
    // AddressSkippingCurveCheck(); an off-curve key fails as in Address().
    Result<Account> AccountOf(const std::string& text, const XOnlyPubKey& key,
                              const StateReader& state) const;
    // A block hash from a height (JSON number) or a hash (string).
    Result<Hash256> ResolveBlock(const rapidjson::Value& v) const;

    // The JSON-RPC error for `e` (RpcErrorFor); a storage failure is also
    // reported to node.on_storage_failure. Every method's errors go through it.
    RpcError Fail(const Error& e) const;

    rapidjson::Value HeaderJson(const BlockHeader& h, JsonAllocator& a) const;
    rapidjson::Value CommitJson(const CommitCertificate& c, JsonAllocator& a) const;
    rapidjson::Value TxJson(const Transaction& tx, JsonAllocator& a) const;
};

// Shapes of the JSON above.
RpcResult HeaderMembers(std::vector<RpcResult> extra);
RpcResult CommitShape();
// TxJson's members, then `extra`.
RpcResult TxShape(std::vector<RpcResult> extra = {});

rapidjson::Value JsonString(const std::string& s, JsonAllocator& a);
rapidjson::Value JsonHex(std::span<const uint8_t> bytes, JsonAllocator& a);
// Adds member `name` (a string literal): `value`, or JSON null.
void AddNullable(rapidjson::Value& out, const char* name, std::optional<uint64_t> value,
                 JsonAllocator& a);
// A transaction from its serialization in hex ("not-hex", or DecodeTransaction's errors).
Result<Transaction> ParseTxHex(const std::string& hex);
// 64 hex characters; code "bad-hash" otherwise.
Result<Hash256> ParseHash(const std::string& hex, const char* what);
// Each family's methods, sharing one context.
using Rpc = std::shared_ptr<const RpcContext>;
using MethodList = std::vector<RpcMethod>;
MethodList ChainRpcMethods(const Rpc& rpc);
MethodList WalletRpcMethods(const Rpc& rpc);
MethodList DeviceRpcMethods(const Rpc& rpc);
MethodList RewardRpcMethods(const Rpc& rpc);
MethodList NetRpcMethods(const Rpc& rpc);
MethodList ControlRpcMethods(const Rpc& rpc);

}  // namespace maillon
