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
        case kRpcNotConnected:
            return "NotConnected";
        case kRpcInvalidParameter:
            return "InvalidParameter";
        case kRpcDeserializationError:
            return "DeserializationError";
        case kRpcNodeAlreadyAdded:
            return "NodeAlreadyAdded";
        case kRpcNodeNotAdded:
            return "NodeNotAdded";
        case kRpcVerifyError:
            return "VerifyError";
        case kRpcTxRejected:
            return "TxRejected";
        case kRpcTxAlreadyKnown:
            return "TxAlreadyKnown";
        case kRpcInWarmup:
            return "InWarmup";
    }
    return "";
}

}  // namespace maillon
