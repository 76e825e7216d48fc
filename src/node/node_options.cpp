#include "node/node_options.h"

#include <algorithm>
#include <thread>

#include "consensus/params.h"
#include "rpc/auth.h"
#include "rpc/json_rpc.h"

namespace maillon {

namespace {

// An integer option within [min, max]; `unit` names what it counts.
Result<int64_t> IntOption(const Args& args, const char* name, int64_t fallback, int64_t min,
                          int64_t max, const char* unit = "") {
    const int64_t v = args.GetInt(name, fallback);
    if (v < min || v > max) {
        return MakeError("bad-option", std::string("-") + name + " must be " + std::to_string(min) +
                                           ".." + std::to_string(max) +
                                           (*unit ? std::string(" (") + unit + ")" : ""));
    }
    return v;
}

}  // namespace

Result<NodeOptions> ParseNodeOptions(const Args& args) {
    const ChainParams& params = args.Params();
    NodeOptions out;
    const auto cpus = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
    using Set = void (*)(NodeOptions&, int64_t);
    struct Limit {
        const char* name;
        int64_t fallback, min, max;
        const char* unit;
        Set set;
    };
    // clang-format off
    const Limit limits[] = {
        {"rpcport", params.default_rpc_port, 1, 65535, "",
         [](NodeOptions& o, int64_t v) { o.http.port = static_cast<uint16_t>(v); }},
        {"rpciothreads", std::min<int64_t>(cpus, 4), 1, 64, "",
         [](NodeOptions& o, int64_t v) { o.http.io_threads = static_cast<size_t>(v); }},
        {"rpcthreads", 4, 1, 64, "",
         [](NodeOptions& o, int64_t v) { o.http.worker_threads = static_cast<size_t>(v); }},
        {"rpcworkqueue", 64, 1, 65536, "",
         [](NodeOptions& o, int64_t v) { o.http.work_queue_depth = static_cast<size_t>(v); }},
        {"rpcmaxbody", 1 << 20, 1024, int64_t{1} << 30, "bytes",
         [](NodeOptions& o, int64_t v) { o.http.max_body_bytes = static_cast<size_t>(v); }},
        {"rpcservertimeout", 30, 1, 3600, "seconds",
         [](NodeOptions& o, int64_t v) { o.http.idle_timeout_seconds = static_cast<int>(v); }},
        {"rpcrequesttimeout", 30, 1, 3600, "seconds",
         [](NodeOptions& o, int64_t v) { o.http.request_timeout_seconds = static_cast<int>(v); }},
        {"rpcmaxconnections", 256, 1, 65536, "",
         [](NodeOptions& o, int64_t v) { o.http.max_connections = static_cast<size_t>(v); }},
        {"rpcmaxconnectionsperip", 64, 1, 65536, "",
         [](NodeOptions& o, int64_t v) { o.http.max_connections_per_ip = static_cast<size_t>(v); }},
        {"rpcmaxbatch", static_cast<int64_t>(kDefaultMaxBatchSize), 1, 100'000, "",
         [](NodeOptions& o, int64_t v) { o.rpc_max_batch = static_cast<size_t>(v); }},
        {"rpcmaxreply", static_cast<int64_t>(kDefaultMaxReplyBytes), 1024, int64_t{1} << 32, "bytes",
         [](NodeOptions& o, int64_t v) { o.rpc_max_reply = static_cast<size_t>(v); }},
        {"maxmempool", 64, 1, 4096, "MiB",
         [](NodeOptions& o, int64_t v) { o.mempool.max_bytes = static_cast<size_t>(v) << 20; }},
        {"port", params.default_port, 0, 65535, "",
         [](NodeOptions& o, int64_t v) { o.p2p.port = static_cast<uint16_t>(v); }},
        {"maxconnections", 32, 0, 1024, "",
         [](NodeOptions& o, int64_t v) { o.p2p.max_inbound = static_cast<size_t>(v); }},
        {"blockinterval", static_cast<int64_t>(params.default_block_interval_ms), 0, 3'600'000, "ms",
         [](NodeOptions& o, int64_t v) { o.block_interval_ms = static_cast<uint64_t>(v); }},
    };
    // clang-format on
    for (const Limit& l : limits) {
        auto v = IntOption(args, l.name, l.fallback, l.min, l.max, l.unit);
        if (!v) return v.error();
        l.set(out, *v);
    }
    if (args.IsSet("rpcbind")) out.http.bind_addresses = args.GetStrings("rpcbind");
    out.p2p.listen = args.GetBool("listen", true);
    // A dev chain has no one to talk to but local nodes.
    out.p2p.bind_address =
        args.GetString("bind", params.network == Network::kDev ? "127.0.0.1" : "0.0.0.0");
    // -connect: those peers only.
    out.p2p.only_added = args.IsSet("connect");
    for (const auto& [option, how] : {std::pair{"addnode", Connman::Dial::kPersistent},
                                      {"connect", Connman::Dial::kPersistent},
                                      {"seednode", Connman::Dial::kSeed}}) {
        if (how == Connman::Dial::kSeed && out.p2p.only_added) continue;  // -connect: no one else
        for (const std::string& spec : args.GetStrings(option)) {
            auto where = ParseHostPort(spec, option);
            if (!where) return where.error();
            if (!where->port) where->port = params.default_port;
            out.peers.emplace_back(*where, how);
        }
    }
    if (args.IsSet("rpcallowip")) out.http.allow_ips = args.GetStrings("rpcallowip");

    out.rpcauth = args.GetStrings("rpcauth");
    RpcAuthenticator check;
    for (const std::string& entry : out.rpcauth) {
        Status st = check.AddRpcAuth(entry);
        if (!st) return MakeError("bad-option", "-rpcauth: " + st.error().message);
    }
    out.rpc_check_results = args.GetBool("rpccheckresults");
    out.reindex = args.GetBool("reindex");
    out.persist_mempool = args.GetBool("persistmempool", true);
    out.print_to_console = args.GetBool("printtoconsole", true);
    return out;
}

}  // namespace maillon
