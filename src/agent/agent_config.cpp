#include "agent/agent_config.h"

#include <filesystem>

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

}  // namespace

Result<AgentConfig> ParseAgentConfig(const Args& args) {
    AgentConfig c;
    const ChainParams& params = args.Params();
    const int64_t poll =
        args.GetInt("pollinterval", static_cast<int64_t>(params.default_block_interval_ms));
    if (poll < kMinPollMs || poll > kMaxPollMs) {
        return MakeError("bad-option", "-pollinterval must be " + std::to_string(kMinPollMs) +
                                           ".." + std::to_string(kMaxPollMs) + " milliseconds");
    }
    c.poll_interval = std::chrono::milliseconds(poll);
    if (Status st = ParseRegistration(args, c); !st) return st.error();
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
    c.log_path = InDir(c.netdir, args.GetString("debuglog", "debug.log"));
    c.print_to_console = args.GetBool("printtoconsole", true);
    return c;
}

}  // namespace maillon
