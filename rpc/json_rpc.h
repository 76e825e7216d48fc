// JSON-RPC dispatcher: a table of methods and the JSON-RPC 2.0 / 1.0 envelope
// rules. Pure: no sockets, no threads, no knowledge of the chain; the node
// registers its methods into an RpcTable and the HTTP server hands request
// bodies to RpcTable::Handle.
//
// Wire rules implemented by Handle():
// - Body: one request object or a batch (non-empty array of them, at most
//   MaxBatchSize() entries). Invalid JSON, or JSON nested deeper than
//   kMaxJsonDepth, -> -32700 with id null.
// - Request object: "method" string; optional "params" (array = positional,
//   object = named, null/absent = none); optional "id" (string, number or
//   null), echoed as the client wrote it: a number byte for byte (1e2 stays
//   1e2, a 30-digit integer stays that integer), a string as the same string
//   (its escapes may be written differently). Any of the four members twice, or
//   anything else wrong -> -32600 (id echoed if it was itself valid).
// - "jsonrpc": "2.0" -> 2.0 envelope: no "id" member means a notification
//   (executed, never answered); the reply has exactly "jsonrpc", "id" and one
//   of "result"/"error". No "jsonrpc" member -> the 1.0 envelope Bitcoin-style
//   clients send: always answered, with both "result" and "error" (the unused
//   one null); "jsonrpc": "1.0" (sent by some Bitcoin libraries) is the same.
//   Any other "jsonrpc" value -> -32600. A malformed request is answered in
//   the 2.0 shape unless it is a 1.0 request: an object with a "method" member
//   (of any type) and no "jsonrpc" member.
// - Error messages start with the standard text ("Parse error", "Invalid
//   Request", "Method not found", "Invalid params") and, after ": ", say what
//   is wrong and how to fix it (parse errors name the byte offset).
// - Params are mapped onto the method's RpcParam list (named -> positional) and
//   type-checked before the handler runs (a number too large for a double,
//   such as 1e400, is valid JSON and fails the check as a number outside the
//   64-bit integer range); a JSON null counts as absent, and an
//   absent parameter with a declared default gets that default. Unknown
//   name, missing required parameter, wrong type, too many positional
//   parameters -> -32602 with a message naming the parameter and the type.
// - A batch answers each non-notification entry (in order) in one array; a
//   batch of only notifications sends nothing; an empty batch or one over the
//   limit gets a single -32600 object.
// - The reply is bounded as it is built: each result is serialized and
//   measured before it joins the reply, and one that would take the reply past
//   MaxReplyBytes() is answered with kRpcReplyTooLarge instead; after it, the
//   remaining entries of a batch are not run and each gets kRpcReplyTooLarge.
//   So a reply takes at most MaxReplyBytes() plus its envelopes and those
//   small errors, however large one result or however many a batch asks for,
//   and a small request cannot make the node build a huge one.
// - A handler that throws gets -32603; nothing escapes Handle().
//
// TryHandleQuick() lets a server answer cheap calls on its I/O thread and queue
// only the rest for a worker; see RpcMethod::quick.
//
// Thread-safety: Register/TryRegister/SetMaxBatchSize/SetCheckResults are for
// set-up, before the table is shared. After that, all const members may be
// called from any number of threads at once; handlers are then called
// concurrently and must be thread-safe themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "rpc/errors.h"
#include "rpc/rpc_result.h"

namespace maillon {

// Values nested deeper than this (arrays/objects inside each other) are
// refused as a parse error, so nothing downstream recurses without bound.
inline constexpr size_t kMaxJsonDepth = 512;
inline constexpr size_t kDefaultMaxBatchSize = 1000;
// Eight times the largest serialized block (2 MiB): room for getblock at its
// highest verbosity.
inline constexpr size_t kDefaultMaxReplyBytes = 16u << 20;
// TryHandleQuick() declines bodies larger than this without parsing them: a
// single quick call is far smaller, and an I/O thread must not parse megabytes.
inline constexpr size_t kMaxQuickBodyBytes = 4096;

enum class RpcType {
    kString,
    kUInt64,  // JSON non-negative integer that fits uint64 (no fraction, no exponent)
    kBool,
    kObject,
    kArray,
    kStringOrUInt64,  // either of the two above (e.g. a block hash or a height)
    kAny,             // any JSON value except null
};

// "string", "non-negative integer", "boolean", "object", "array",
// "string or non-negative integer", "any".
std::string_view RpcTypeName(RpcType type);

struct RpcParam {
    std::string name;
    RpcType type;
    bool required;
    std::string help;
    // For an optional parameter: the value (JSON text, e.g. "1") the handler
    // sees when the caller leaves it out; shown by help. Empty: no fixed
    // default (the handler decides, and `help` says how).
    std::string default_json{};
};

// The parameters of one call, already mapped to the method's positional order
// and type-checked against its RpcParam list: for a parameter that Has(), the
// value is of the declared type.
class RpcRequest {
public:
    RpcRequest(std::string_view method, std::vector<const rapidjson::Value*> params);

    std::string_view Method() const { return m_method; }
    // Number of declared parameters of the method.
    size_t Size() const { return m_params.size(); }
    // Present and not null.
    bool Has(size_t i) const;
    // The value, or a JSON null when absent.
    const rapidjson::Value& Param(size_t i) const;
    // Typed getters return the fallback when !Has(i). Asking for a type other
    // than the value's is a handler bug: it throws std::logic_error, which the
    // dispatcher turns into -32603.
    std::string GetString(size_t i, std::string_view fallback = {}) const;
    uint64_t GetUInt64(size_t i, uint64_t fallback = 0) const;
    bool GetBool(size_t i, bool fallback = false) const;

private:
    std::string m_method;
    std::vector<const rapidjson::Value*> m_params;
};

// A handler fills `result` (allocate with result.GetAllocator(); it starts as
// null) or returns an RpcError.
using RpcHandler =
    std::function<std::optional<RpcError>(const RpcRequest&, rapidjson::Document& result)>;

struct RpcMethod {
    std::string name;
    std::string category;  // "chain", "wallet", "devices", ... groups `help`
    std::string description;
    std::vector<RpcParam> params;
    RpcResult result;  // documented shape; generates help and is checked when enabled
    RpcHandler handler;
    // The handler does bounded work in microseconds and never waits for
    // another thread (no lock that is held for long, e.g. through block
    // validation; no network); LevelDB point reads are allowed. A server may
    // then run it on its I/O thread (TryHandleQuick).
    bool quick{false};
};

class RpcTable {
public:
    // Registers the built-in `help` method (category "control").
    RpcTable();
    RpcTable(const RpcTable&) = delete;  // `help` refers to this table
    RpcTable& operator=(const RpcTable&) = delete;

    // Adds a method. A duplicate name, an empty name, a missing handler, two
    // parameters with one name, or a default_json that is not valid JSON of
    // the parameter's type (or set on a required one) are programming errors:
    // TryRegister returns false (and adds nothing), Register aborts with a
    // message.
    [[nodiscard]] bool TryRegister(RpcMethod m);
    void Register(RpcMethod m);

    const RpcMethod* Find(std::string_view name) const;
    // Sorted by category then name.
    std::vector<const RpcMethod*> List() const;

    void SetMaxBatchSize(size_t n) { m_max_batch = n; }
    void SetMaxReplyBytes(size_t n) { m_max_reply_bytes = n; }
    // When on, every successful result is checked against its method's
    // documented RpcResult; a mismatch is answered with -32603 naming the
    // path, so tests catch documentation drift. Off in production.
    void SetCheckResults(bool on) { m_check_results = on; }
    size_t MaxBatchSize() const { return m_max_batch; }
    size_t MaxReplyBytes() const { return m_max_reply_bytes; }

    // Processes one HTTP request body; returns the JSON reply text, or nullopt
    // when nothing must be sent (notification(s) only).
    std::optional<std::string> Handle(std::string_view body) const;

    // The part of Handle() that is safe on an I/O thread. Returns true when
    // `body` (a single call of at most kMaxQuickBodyBytes) is answered without
    // running anything that is not quick, and then
    // sets `reply` to exactly what Handle(body) would return: a parse error, a
    // malformed request object, a call of an unknown method or of a quick
    // method (nullopt when that call is a notification). Returns false, having run
    // nothing and left `reply` untouched, for a batch or a call of a method
    // that is not quick: the caller then passes the same body to Handle(),
    // which parses it again. A batch or a larger body is declined before it
    // is parsed. Thread-safety: as Handle().
    bool TryHandleQuick(std::string_view body, std::optional<std::string>& reply) const;

    // Calls a method in-process with params as they would appear in a request
    // (array, object or null), applying the same mapping and type checks.
    std::optional<RpcError> Execute(std::string_view method, const rapidjson::Value& params,
                                    rapidjson::Document& result) const;

    // "help": every method's one-line usage grouped by category.
    // "help <method>": usage, description, arguments and result. An unknown
    // method gives a one-line "help: unknown command: <name>" text.
    std::string HelpText(std::string_view method = {}) const;

private:
    // Handle() (quick_only false, always returns true) and TryHandleQuick().
    bool Answer(std::string_view body, bool quick_only, std::optional<std::string>& reply) const;

    struct Entry {
        RpcMethod method;
        // Parsed default_json of each parameter (null where it has none).
        std::unique_ptr<rapidjson::Document> defaults;
    };
    std::map<std::string, Entry, std::less<>> m_methods;
    size_t m_max_batch{kDefaultMaxBatchSize};
    size_t m_max_reply_bytes{kDefaultMaxReplyBytes};
    bool m_check_results{false};
};

}  // namespace maillon
