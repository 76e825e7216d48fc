#include "rpc/errors.h"

namespace maillon {

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
        case kRpcReplyTooLarge:
            return "ReplyTooLarge";
    }
    return "";
}

}  // namespace maillon
