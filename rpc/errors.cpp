#include "rpc/errors.h"

#include <array>

namespace maillon {

namespace {

struct ReasonCode {
    std::string_view reason;
    int code;
};

constexpr std::array<ReasonCode, 7> kByReason = {{
    {"already-in-mempool", kRpcTxAlreadyKnown},
    {"already-in-chain", kRpcTxAlreadyKnown},
    {"insufficient-funds", kRpcInsufficientFunds},
    {"invalid-address", kRpcInvalidAddress},
    {"decode-error", kRpcDeserializationError},
    {"bad-hash", kRpcTypeError},
    {"not-hex", kRpcTypeError},
}};

int CodeForKind(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::kInvalid:
            return kRpcVerifyError;
        case ErrorKind::kPolicy:
            return kRpcTxRejected;
        case ErrorKind::kNotFound:
            return kRpcNotFound;
        case ErrorKind::kCorruption:
        case ErrorKind::kIo:
            return kRpcDatabaseError;
    }
    return kRpcMisc;
}

}  // namespace

RpcError RpcErrorFor(const Error& e) {
    int code = CodeForKind(e.kind);
    for (const ReasonCode& r : kByReason) {
        if (r.reason == e.code) code = r.code;
    }
    if (e.kind == ErrorKind::kNotFound) return {code, e.message};
    return {code, e.code + ": " + e.message};
}

std::string_view RpcErrorCodeName(int code) {
    switch (code) {
        case kRpcParseError:
            return "ParseError";
        case kRpcInvalidRequest:
            return "InvalidRequest";
        case kRpcMethodNotFound:
            return "MethodNotFound";
        case kRpcInvalidParams:
            return "InvalidParams";
        case kRpcInternalError:
            return "InternalError";
        case kRpcMisc:
            return "Misc";
        case kRpcTypeError:
            return "TypeError";
        case kRpcInvalidAddress:
            return "InvalidAddress";
        case kRpcInsufficientFunds:
            return "InsufficientFunds";
        case kRpcNotFound:
            return "NotFound";
        case kRpcInvalidParameter:
            return "InvalidParameter";
        case kRpcDeserializationError:
            return "DeserializationError";
        case kRpcVerifyError:
            return "VerifyError";
        case kRpcTxRejected:
            return "TxRejected";
        case kRpcTxAlreadyKnown:
            return "TxAlreadyKnown";
        case kRpcDatabaseError:
            return "DatabaseError";
        case kRpcReplyTooLarge:
            return "ReplyTooLarge";
    }
    return "";
}

}  // namespace maillon
