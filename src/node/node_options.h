// NodeOptions: every maillond option that Node::Start uses, read from Args
// and checked before anything is created, so that a bad value is refused
// without a data directory, database or key file being made for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "chain/mempool.h"
#include "common/args.h"
#include "common/host_port.h"
#include "net/connman.h"
#include "rpc/http_server.h"
#include "util/result.h"

namespace maillon {

struct NodeOptions {
    HttpServerOptions http;
    ConnmanOptions p2p;
    // -addnode and -connect (kept connected) and -seednode (asked for
    // addresses once), each with its port.
    std::vector<std::pair<HostAndPort, Connman::Dial>> peers;
    MempoolLimits mempool;
    size_t rpc_max_batch = 0;
    size_t rpc_max_reply = 0;
    bool rpc_check_results = false;
    std::vector<std::string> rpcauth;  // USER:SALT$HMAC lines, checked
    uint64_t block_interval_ms = 0;    // dev network
    bool reindex = false;
    bool persist_mempool = true;
    bool print_to_console = true;
};

// Errors: "bad-option", naming the option and its allowed range.
Result<NodeOptions> ParseNodeOptions(const Args& args);

}  // namespace maillon
