#include "agent/agent_config.h"

#include <filesystem>
#include <limits>

#include "agent/deal_book.h"
#include "client/cli_params.h"

namespace maillon {

namespace {

constexpr int64_t kMinPollMs = 10;
constexpr int64_t kMaxPollMs = 3'600'000;
constexpr int kRpcTimeoutSeconds = 30;

// `path` as given, or inside `dir` when relative.
std::string InDir(const std::string& dir, const std::string& path) {
    return (std::filesystem::path(dir) / path).string();
}

Status ParseRegistration(const Args& args, AgentConfig& c) {
    c.register_device = args.GetBool("register");
    if (!c.register_device) return Status::Ok();
    if (!args.IsSet("ownerkeyfile")) {
        return MakeError("bad-option",
                         "-register needs -ownerkeyfile=FILE: the owner's key signs the "
                         "registration and pays its fee and the bond");
    }
    c.owner_key_path = args.GetString("ownerkeyfile");
    auto kinds = ParseDeviceKinds(args.GetString("kinds", "uptime"));
    if (!kinds) return MakeError(kinds.error().code, "-kinds: " + kinds.error().message);
    c.kinds = *kinds;
    return Status::Ok();
}

// -name as an integer within lo..hi, or an error saying so.
Result<int64_t> Bounded(const Args& args, const char* name, int64_t def, int64_t lo, int64_t hi,
                        const char* unit) {
    const int64_t v = args.GetInt(name, def);
    if (v < lo || v > hi) {
        return MakeError("bad-option", std::string("-") + name + " must be " + std::to_string(lo) +
                                           ".." + std::to_string(hi) + unit);
    }
    return v;
}

Status ParseServices(const Args& args, const ChainParams& params, AgentConfig& c) {
    auto port = Bounded(args, "serviceport", params.default_service_port, 0, 65535,
                        " (0: no service port)");
    if (!port) return port.error();
    auto storage = Bounded(args, "maxstorage", kDefaultMaxStorageMiB, 0, int64_t{1} << 30, " MiB");
    if (!storage) return storage.error();
    auto price = Bounded(args, "minprice", kDefaultMinPrice, 1, std::numeric_limits<int64_t>::max(),
                         " credits per byte and epoch");
    if (!price) return price.error();
    auto epochs = Bounded(args, "maxdealepochs", kDefaultMaxDealEpochs, 1,
                          static_cast<int64_t>(params.max_deal_epochs), " epochs");
    if (!epochs) return epochs.error();
    c.service_port = static_cast<uint16_t>(*port);
    c.service_bind = args.GetString("servicebind", "127.0.0.1");
    c.max_storage = static_cast<uint64_t>(*storage) * 1024 * 1024;
    c.deal_policy.min_price = static_cast<uint64_t>(*price);
    c.deal_policy.max_deal_epochs = static_cast<uint32_t>(*epochs);
    return Status::Ok();
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(const Args& args) {
    AgentConfig c;
    const ChainParams& params = args.Params();
    auto poll =
        Bounded(args, "pollinterval", static_cast<int64_t>(params.default_block_interval_ms),
                kMinPollMs, kMaxPollMs, " milliseconds");
    if (!poll) return poll.error();
    c.poll_interval = std::chrono::milliseconds(*poll);
    if (Status st = ParseRegistration(args, c); !st) return st.error();
    if (Status st = ParseServices(args, params, c); !st) return st.error();
    c.rpc.cookie_path = NetworkDir(HomeDataDir(DataDirDefaults{}.home_dir), params) + "/.cookie";
    c.rpc.timeout_s = kRpcTimeoutSeconds;
    // A wrong -rpcconnect or -rpcport is the operator's to fix now; a missing
    // cookie only means the node is not up yet.
    if (auto client = RpcClient::FromArgs(args, c.rpc);
        !client && client.error().code == "bad-option") {
        return client.error();
    }
    auto netdir = args.NetDataDir(/*create=*/true);
    if (!netdir) return netdir.error();
    c.netdir = *netdir;
    // A key file given is where the operator says (relative: to the current
    // directory, as maillon-cli reads it); the default is beside the state.
    c.device_key_path = args.GetString("devicekeyfile", InDir(c.netdir, "device.key"));
    c.state_path = InDir(c.netdir, kHeartbeatStateFile);
    c.storage_dir = InDir(c.netdir, "storage");
    c.deals_path = InDir(c.netdir, kDealsStateFile);
    c.receipts_dir = InDir(c.netdir, "receipts");
    c.log_path = InDir(c.netdir, args.GetString("debuglog", "debug.log"));
    c.print_to_console = args.GetBool("printtoconsole", true);
    return c;
}

}  // namespace maillon
