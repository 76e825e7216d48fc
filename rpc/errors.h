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
// | -100   | kRpcReplyTooLarge         | batch reply over the size limit; resend the rest apart   |
//
// Application codes are > -32000; the JSON-RPC reserved range -32768..-32000 is
// never used for them.
#pragma once

#include <string_view>

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
inline constexpr int kRpcReplyTooLarge = -100;

// The constant's name without the "kRpc" prefix ("ParseError", "NotFound"), or
// "" for a code not in the table. For logs and documentation.
std::string_view RpcErrorCodeName(int code);

}  // namespace maillon
