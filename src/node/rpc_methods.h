// The node's JSON-RPC methods, registered into an RpcTable: one table of
// methods per family (rpc_chain.cpp, rpc_wallet.cpp, rpc_devices.cpp,
// rpc_control.cpp), sharing the JSON and parsing helpers of rpc_util.h.
// Handlers run on RPC worker threads (or, for `quick` ones, on the HTTP loop
// threads) and only call thread-safe Chain / Mempool / BlockProducer methods.
#pragma once

#include <cstdint>
#include <functional>

#include "chain/chain.h"
#include "chain/mempool.h"
#include "net/connman.h"
#include "node/block_producer.h"
#include "rpc/json_rpc.h"

namespace maillon {

struct NodeContext {
    Chain* chain = nullptr;
    Mempool* mempool = nullptr;
    BlockProducer* producer = nullptr;   // dev mode only; enables generateblock
    RejectionLog* rejections = nullptr;  // attestations refused, per device
    Connman* connman = nullptr;          // P2P
    std::function<void()> request_shutdown;
    // Called with each storage failure (corruption, I/O) an RPC call meets:
    // the node stops rather than go on serving what it cannot read.
    std::function<void(const Error&)> on_storage_failure;
    uint64_t start_time_ms = 0;
};

// `ctx` must outlive the table.
void RegisterNodeRpcMethods(RpcTable& table, const NodeContext& ctx);

}  // namespace maillon
