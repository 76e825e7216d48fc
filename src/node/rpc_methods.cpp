#include "node/rpc_methods.h"

#include "node/rpc_util.h"

namespace maillon {

void RegisterNodeRpcMethods(RpcTable& table, const NodeContext& ctx) {
    auto rpc = std::make_shared<const RpcContext>(ctx);
    for (auto* family : {&ChainRpcMethods, &WalletRpcMethods, &DeviceRpcMethods, &RewardRpcMethods,
                         &NetRpcMethods, &ControlRpcMethods}) {
        for (RpcMethod& m : (*family)(rpc))
            table.Register(std::move(m));
    }
}

}  // namespace maillon
