// JSON-RPC error codes: the "error.code" member of a reply.
//
// The five standard JSON-RPC 2.0 codes are produced by the dispatcher
// (rpc/json_rpc.h) itself. Method handlers return the application codes below;
// where Bitcoin Core has a code with the same meaning we use its number, so
// that Bitcoin-style tooling reads them sensibly. Codes are part of the public
// interface: never renumber one, only add.
//
// | code   | constant                  | meaning                                                  |
// |--------|---------------------------|----------------------------------------------------------|
// | -32700 | kRpcParseError            | body is not valid JSON (or nests deeper than the limit)  |
// | -32600 | kRpcInvalidRequest        | not a request object / bad envelope / batch too large    |
// | -32601 | kRpcMethodNotFound        | no method of that name                                   |
// | -32602 | kRpcInvalidParams         | parameter missing, unknown, extra or of a wrong type     |
// | -32603 | kRpcInternalError         | handler failed unexpectedly (a bug: please report it)    |
// | -1     | kRpcMisc                  | application error not covered by a more specific code    |
// | -3     | kRpcTypeError             | right JSON type, wrong form (e.g. not 64 hex characters) |
// | -5     | kRpcInvalidAddress        | malformed address or key, or one of another network      |
// | -6     | kRpcInsufficientFunds     | balance too low for the amount plus fee                  |
// | -8     | kRpcNotFound              | no such block / transaction / help topic                 |
// | -11    | kRpcInvalidParameter      | value out of range or inconsistent with another one      |
// | -22    | kRpcDeserializationError  | hex decoded but the bytes are not a valid object         |
// | -25    | kRpcVerifyError           | transaction failed a validity check                      |
// | -26    | kRpcTxRejected            | rejected by mempool policy (fee, size, nonce gap, ...)   |
// | -27    | kRpcTxAlreadyKnown        | already in the mempool or in a block                     |
// | -20    | kRpcDatabaseError         | the node's database is corrupt or unreadable             |
// | -100   | kRpcReplyTooLarge         | reply over -rpcmaxreply; ask for less, or resend apart   |
//
// Application codes are > -32000; the JSON-RPC reserved range -32768..-32000 is
// never used for them.
//
// An Error from the node's modules (src/util/result.h) gets its code from its
// reason code where this table names one, else from its kind:
//
// | error                                     | code | meaning                            |
// |-------------------------------------------|------|------------------------------------|
// | `already-in-mempool`, `already-in-chain`  | -27  | the transaction is known already   |
// | `insufficient-funds`                      | -6   | the payer cannot cover cost + fee  |
// | `invalid-address`                         | -5   | not an address of this network     |
// | `decode-error`                            | -22  | bytes that do not decode           |
// | `bad-hash`, `not-hex`                     | -3   | a hash or hex string malformed     |
// | any other of kind `invalid`               | -25  | a consensus rule is broken         |
// | any other of kind `policy`                | -26  | this node's mempool policy refuses |
// | kind `not-found`                          | -8   | no such block, tx, device...       |
// | kind `corruption` or `io`                 | -20  | the node's storage failed          |
//
// The message is "<reason code>: <what to fix>", except for kind not-found
// (the sentence alone). rpc_errors_tests checks this table against
// RpcErrorFor.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace maillon {

// Standard JSON-RPC 2.0 codes.
inline constexpr int kRpcParseError = -32700;
inline constexpr int kRpcInvalidRequest = -32600;
inline constexpr int kRpcMethodNotFound = -32601;
inline constexpr int kRpcInvalidParams = -32602;
inline constexpr int kRpcInternalError = -32603;

// Application codes (see the table above).
inline constexpr int kRpcMisc = -1;
inline constexpr int kRpcTypeError = -3;
inline constexpr int kRpcInvalidAddress = -5;
inline constexpr int kRpcInsufficientFunds = -6;
inline constexpr int kRpcNotFound = -8;
inline constexpr int kRpcInvalidParameter = -11;
inline constexpr int kRpcDeserializationError = -22;
inline constexpr int kRpcVerifyError = -25;
inline constexpr int kRpcTxRejected = -26;
inline constexpr int kRpcTxAlreadyKnown = -27;
inline constexpr int kRpcDatabaseError = -20;
inline constexpr int kRpcReplyTooLarge = -100;

// A JSON-RPC error: the reply's "error" member.
struct RpcError {
    int code;
    std::string message;
};

// The JSON-RPC error for an Error of the node's modules, by the table above.
RpcError RpcErrorFor(const Error& e);

// The constant's name without the "kRpc" prefix ("ParseError", "NotFound"), or
// "" for a code not in the table. For logs and documentation.
std::string_view RpcErrorCodeName(int code);

}  // namespace maillon
