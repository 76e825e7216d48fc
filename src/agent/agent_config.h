// AgentConfig: every maillon-agent option the agent uses, read from Args
// (common/options.h, AgentOptions) and checked before anything runs, so that
// a bad value is refused with a message naming the option and nothing is
// asked for or created first, except the network's data directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "agent/deal_terms.h"
#include "client/rpc_client.h"
#include "common/args.h"
#include "util/result.h"

namespace maillon {

struct AgentConfig {
    std::string netdir;           // the agent's data directory for the network (created)
    std::string device_key_path;  // -devicekeyfile
    std::string state_path;       // <netdir>/heartbeat.json (agent/heartbeat_state.h)
    std::string log_path;         // -debuglog
    bool print_to_console = true;
    bool register_device = false;  // -register
    std::string owner_key_path;    // -ownerkeyfile, with -register
    uint8_t kinds = 0;             // -kinds, with -register
    std::chrono::milliseconds poll_interval{0};
    RpcClientDefaults rpc;  // a node with the default -datadir; a 30 s timeout

    // The device services (doc/agent.md, "The device service protocol").
    uint16_t service_port = 0;  // -serviceport; 0: no service port
    std::string service_bind;   // -servicebind
    uint64_t max_storage = 0;   // -maxstorage, in bytes
    DealPolicy deal_policy;     // -minprice, -maxdealepochs
    std::string storage_dir;    // <netdir>/storage (agent/chunk_store.h)
    std::string deals_path;     // <netdir>/deals.json (agent/deal_book.h)
    std::string receipts_dir;   // <netdir>/receipts (agent/receipt_settler.h)
};

inline constexpr const char* kHeartbeatStateFile = "heartbeat.json";

// Defaults: -maxstorage in MiB.
inline constexpr int64_t kDefaultMaxStorageMiB = 1024;
inline constexpr int64_t kDefaultMinPrice = 1;
inline constexpr int64_t kDefaultMaxDealEpochs = 365;

// Errors: "bad-option" (naming the option and what it takes), "bad-kinds",
// "datadir" (the directory cannot be created).
Result<AgentConfig> ParseAgentConfig(const Args& args);

}  // namespace maillon
