// maillon-agent: the reference device agent. Unlocks the device's key,
// makes sure the node knows the device (registering it with -register),
// then sends its heartbeats and logs what it earns (agent/agent.h); on its
// service port it stores clients' files and serves bandwidth, proves the
// deals it signed and settles the sessions it served (agent/
// device_services.h). Runs until SIGINT or SIGTERM; SIGHUP reopens the log
// file.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "agent/device_services.h"
#include "client/passphrase.h"
#include "common/key_file.h"
#include "common/options.h"
#include "primitives/address.h"
#include "util/log.h"
#include "util/signals.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

constexpr const char* kUsage = R"(Usage: maillon-agent [options]

Sends the heartbeats of one device to a node, once per heartbeat interval, and
logs what the device earns each epoch. With -register it first registers the
device, signed by the owner's key. On -serviceport it stores clients' files
for storage deals (and proves them each epoch) and serves bandwidth sessions
(and settles their receipts); see doc/agent.md. Passphrases come from -devicepassphrasefile /
-ownerpassphrasefile, the terminal, or one line each on standard input (the
device's first). Stop it with SIGINT or SIGTERM; SIGHUP reopens the log file.

)";

int PrintHelp(const Args& args) {
    std::cout << kUsage << args.Help();
    return 0;
}

int Fail(const std::string& msg) {
    std::fprintf(stderr, "Error: %s\n", msg.c_str());
    return 1;
}

// The key file at `path`, decrypted; `what` names it in messages.
Result<PrivKey> Unlock(const Args& args, const std::string& path, const std::string& what,
                       const std::string& passphrase_option) {
    auto pub = ReadKeyFilePubKey(path);
    if (!pub) {
        return MakeError(pub.error().code, "the " + what + " key: " + pub.error().message +
                                               " (maillon-cli -keyfile=FILE keygen creates one)");
    }
    return UnlockKeyFile(args, path, passphrase_option);
}

struct Keys {
    std::optional<PrivKey> device;
    std::optional<PrivKey> owner;
};

Result<Keys> UnlockKeys(const Args& args, const AgentConfig& config) {
    Keys keys;
    auto device = Unlock(args, config.device_key_path, "device", "devicepassphrasefile");
    if (!device) return device.error();
    keys.device = *device;
    if (config.register_device) {
        auto owner = Unlock(args, config.owner_key_path, "owner", "ownerpassphrasefile");
        if (!owner) return owner.error();
        keys.owner = *owner;
    }
    return keys;
}

// Runs the agent on its own thread until SIGINT or SIGTERM, or until it
// fails (it then raises SIGTERM, so that one wait ends every run).
int RunAgent(const Args& args, const AgentConfig& config, Keys& keys,
             std::optional<HeartbeatRecord> record, DeviceServices& services) {
    StopSignal stop;
    NodeLink link(args, config.rpc, stop);
    Agent agent(args.Params(), config, link, stop, *keys.device, keys.owner, std::move(record),
                &services);
    keys.owner.reset();  // wiped: the agent holds the one copy, until the device is registered
    std::atomic<bool> failed{false};
    std::thread worker([&] {
        Status st = agent.Run();
        if (st) return;
        LogPrint("agent", "error: " + st.error().message);
        failed = true;
        kill(getpid(), SIGTERM);
    });
    const int sig = WaitForStopSignal();
    if (!failed) {
        LogPrint("init", std::string("shutdown requested (") +
                             (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
    }
    stop.Request();
    worker.join();
    LogPrint("init", "shutdown complete");
    return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    Args args = AgentArgs();
    if (Status st = args.Parse(argc, argv); !st) return Fail(st.error().message);
    if (args.IsSet("help")) return PrintHelp(args);
    if (!args.Positional().empty()) {
        return Fail("unexpected argument " + QuoteEcho(args.Positional()[0]) +
                    " (options start with '-'; see -help)");
    }
    auto config = ParseAgentConfig(args);
    if (!config) return Fail(config.error().message);
    auto keys = UnlockKeys(args, *config);
    if (!keys) return Fail(keys.error().message);
    const XOnlyPubKey device = keys->device->PubKey();
    auto record = LoadDeviceRecord(*config, args.Params(), device);
    if (!record) return Fail(record.error().message);
    auto services = DeviceServices::Open(args, *config, *keys->device);
    if (!services) return Fail(services.error().message);
    // Signals are blocked before the first thread starts, so that only
    // WaitForStopSignal receives them.
    BlockControlSignals();
    if (Status st = LogOpen(config->log_path, config->print_to_console); !st)
        return Fail(st.error().message);
    LogPrint("init", "maillon-agent starting on the " + args.Params().name +
                         " network, data directory " + config->netdir + ", device " +
                         EncodeAddress(args.Params().hrp, device));
    if (Status st = (*services)->Start(); !st) {
        LogPrint("init", "error: " + st.error().message);
        LogClose();
        return Fail(st.error().message);
    }
    const int status = RunAgent(args, *config, *keys, std::move(*record), **services);
    (*services)->Stop();
    LogClose();
    return status;
}
