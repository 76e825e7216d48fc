// RpcResult: the documented shape of a method's result — one declaration that
// generates the "Result:" section of `help` (and so doc/rpc.md) and that
// RpcTable can check every actual result against (-rpccheckresults, which the
// functional tests turn on), so documentation and behaviour cannot drift.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace maillon {

struct RpcResult {
    enum class Type {
        kNone,  // no result documented (nothing is checked)
        kString,
        kHex,     // lower-case hex string
        kUInt64,  // non-negative integer
        kBool,
        kNull,
        kObject,  // `inner` lists the members, in order
        kArray,   // `inner` holds one element: the type of every item
        kAny,
    };
    Type type = Type::kNone;
    std::string name;  // member name inside an object
    std::string help;
    bool optional = false;  // an object member that may be absent
    bool nullable = false;  // may be JSON null instead
    std::vector<RpcResult> inner;
    // Alternative shape (e.g. getblock's verbosity 0 string vs object).
    std::vector<RpcResult> alternatives;
};

// Indented, one line per value, e.g.
//   {
//     "height": n,          (integer) block height
//   }
std::string FormatResult(const RpcResult& result);

// nullopt when value has the shape; otherwise the first mismatch, with its
// path ("result.txs[2].fee: expected integer, got string").
std::optional<std::string> CheckResult(const RpcResult& result, const rapidjson::Value& value);

}  // namespace maillon

namespace maillon::rpc_result {

// Builders that keep method tables readable.
inline RpcResult Shape(RpcResult::Type type, std::string help = {}) {
    RpcResult r;
    r.type = type;
    r.help = std::move(help);
    return r;
}
inline RpcResult Member(std::string name, RpcResult::Type type, std::string help = {}) {
    RpcResult r = Shape(type, std::move(help));
    r.name = std::move(name);
    return r;
}
inline RpcResult Member(std::string name, RpcResult shape) {
    shape.name = std::move(name);
    return shape;
}
inline RpcResult Object(std::vector<RpcResult> members, std::string help = {}) {
    RpcResult r = Shape(RpcResult::Type::kObject, std::move(help));
    r.inner = std::move(members);
    return r;
}
inline RpcResult Array(RpcResult element, std::string help = {}) {
    RpcResult r = Shape(RpcResult::Type::kArray, std::move(help));
    r.inner = {std::move(element)};
    return r;
}
inline RpcResult Optional(RpcResult r) {
    r.optional = true;
    return r;
}
inline RpcResult Nullable(RpcResult r) {
    r.nullable = true;
    return r;
}
inline RpcResult OneOf(RpcResult first, std::vector<RpcResult> others) {
    first.alternatives = std::move(others);
    return first;
}

}  // namespace maillon::rpc_result
