#include "node/node.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "chain/chain.h"
#include "chain/mempool.h"
#include "chain/mempool_file.h"
#include "common/key_file.h"
#include "node/block_producer.h"
#include "node/rpc_methods.h"
#include "primitives/address.h"
#include "rpc/auth.h"
#include "rpc/http_server.h"
#include "rpc/json_rpc.h"
#include "util/log.h"

namespace maillon {

namespace {
constexpr const char* kDevKeyPassphrase = "maillon-dev";

Error OptionError(const std::string& msg) {
    return MakeError("bad-option", msg);
}

// Every RPC connection, database file and socket takes a file descriptor, and
// the usual soft limit (1024) is far below what the hard limit allows: take
// all of it (up to a sane bound), so that running out takes far more.
void RaiseFileDescriptorLimit() {
    constexpr rlim_t kEnough = 65536;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    const rlim_t before = limit.rlim_cur;
    const rlim_t wanted = std::min(limit.rlim_max, kEnough);
    if (before < wanted) {
        limit.rlim_cur = wanted;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
    }
    LogPrint("init",
             "file descriptor limit " + std::to_string(limit.rlim_cur) +
                 (limit.rlim_cur != before ? " (raised from " + std::to_string(before) + ")" : ""));
}
}  // namespace

struct Node::Impl {
    std::string datadir;
    std::filesystem::path cookie_path;
    std::unique_ptr<Chain> chain;
    std::unique_ptr<Mempool> mempool;
    std::unique_ptr<BlockProducer> producer;
    NodeContext ctx;
    std::unique_ptr<RpcTable> rpc_table;
    std::unique_ptr<HttpServer> http;
    std::atomic<bool> stop_requested_by_rpc{false};
    std::atomic<bool> failed{false};
    std::string mempool_path;  // empty: -persistmempool=0

    void LoadMempoolFile() {
        auto loaded = LoadMempool(*mempool, chain->Params(), *chain, NowMs(), mempool_path);
        if (!loaded) {
            LogPrint("mempool", "warning: " + loaded.error().message);
        } else if (loaded->kept + loaded->dropped > 0) {
            LogPrint("mempool", "loaded " + std::to_string(loaded->kept) + " transactions from " +
                                    mempool_path + ", dropped " + std::to_string(loaded->dropped) +
                                    " (included in a block meanwhile or no longer valid)");
        }
    }

    void SaveMempoolFile() {
        const size_t count = mempool->Info().size;
        Status st = SaveMempool(*mempool, chain->Params(), mempool_path);
        LogPrint("mempool",
                 st ? "saved " + std::to_string(count) + " transactions to " + mempool_path
                    : "warning: cannot save the mempool: " + st.error().message);
    }

    // Logs one fatal line for an error that leaves the node unable to go on
    // (a block that cannot be produced or stored) and starts the shutdown.
    void Fatal(const Error& e) {
        if (failed.exchange(true)) return;
        // Storage errors end with what to do (kStorageAdvice), except those
        // found above the database, in records that read back but do not decode.
        std::string advice;
        if (!e.IsStorageFailure()) {
            advice = "; this is a bug; please report it with " + datadir + "/debug.log";
        } else if (e.message.find("-reindex") == std::string::npos) {
            advice = std::string("; ") + kStorageAdvice;
        }
        LogPrint("init", "fatal: " + e.message + advice + "; the node is stopping");
        kill(getpid(), SIGTERM);
    }

    ~Impl() {
        // Reverse of start-up: stop taking requests, stop producing, save
        // the mempool, then close the chain (destructors), last the log.
        if (http) http->Stop();
        if (producer) producer->Stop();
        if (!mempool_path.empty()) SaveMempoolFile();
        if (!cookie_path.empty()) (void)DeleteAuthCookie(cookie_path);
        LogPrint("init", "shutdown complete");
    }
};

Node::Node() : m_impl(std::make_unique<Impl>()) {}
Node::~Node() = default;

Result<std::unique_ptr<Node>> Node::Start(const Args& args) {
    std::unique_ptr<Node> node(new Node());
    Impl& n = *node->m_impl;
    const ChainParams& params = args.Params();
    n.ctx.start_time_ms = NowMs();

    auto datadir = args.NetDataDir(/*create=*/true);
    if (!datadir) return datadir.error();
    n.datadir = *datadir;
    Status st = LogOpen(n.datadir + "/debug.log", args.GetBool("printtoconsole", true));
    if (!st) return st.error();
    LogPrint("init",
             "maillond starting on the " + params.name + " network, data directory " + n.datadir);
    RaiseFileDescriptorLimit();

    const std::string chain_path = n.datadir + "/chainstate";
    auto chain = args.GetBool("reindex") ? Chain::Reindex(chain_path, params)
                                         : Chain::Open(chain_path, params);
    if (!chain) return chain.error();
    n.chain = std::move(*chain);
    n.chain->SetStorageFailureHandler([&n](const Error& e) { n.Fatal(e); });
    LogPrint("init", "chain tip height=" + std::to_string(n.chain->Tip().height));

    MempoolLimits limits;
    const int64_t max_mempool_mib = args.GetInt("maxmempool", 64);
    if (max_mempool_mib < 1 || max_mempool_mib > 4096)
        return OptionError("-maxmempool must be 1..4096 (MiB)");
    limits.max_bytes = static_cast<size_t>(max_mempool_mib) << 20;
    n.mempool = std::make_unique<Mempool>(params, limits);
    if (args.GetBool("persistmempool", true)) {
        n.mempool_path = n.datadir + "/mempool.dat";
        n.LoadMempoolFile();
    }

    if (params.network == Network::kDev) {
        const std::string key_path = n.datadir + "/dev.key";
        if (!std::filesystem::exists(key_path)) {
            // The dev key is public knowledge; a cheap KDF keeps start-up fast.
            st = WriteKeyFile(key_path, DevKey(), kDevKeyPassphrase, KdfParams{1 << 14, 8, 1});
            if (!st) return st.error();
        }
        LogPrint("init", "dev key " + key_path + " (passphrase '" + kDevKeyPassphrase +
                             "'), address " + EncodeAddress(params.hrp, DevKey().PubKey()));
        const int64_t interval =
            args.GetInt("blockinterval", static_cast<int64_t>(params.default_block_interval_ms));
        if (interval < 0 || interval > 3'600'000)
            return OptionError("-blockinterval must be 0..3600000 (ms)");
        n.producer = std::make_unique<BlockProducer>(*n.chain, *n.mempool, DevKey(),
                                                     static_cast<uint64_t>(interval),
                                                     [&n](const Error& e) { n.Fatal(e); });
    }

    n.ctx.chain = n.chain.get();
    n.ctx.mempool = n.mempool.get();
    n.ctx.producer = n.producer.get();
    // The stop RPC raises SIGTERM, so that one wait (WaitForShutdown) ends
    // every shutdown; the flag lets the log say who asked.
    n.ctx.request_shutdown = [&n] {
        n.stop_requested_by_rpc = true;
        kill(getpid(), SIGTERM);
    };
    n.rpc_table = std::make_unique<RpcTable>();
    RegisterNodeRpcMethods(*n.rpc_table, n.ctx);
    n.rpc_table->SetCheckResults(args.GetBool("rpccheckresults"));

    HttpServerOptions http_opts;
    const int64_t rpc_port = args.GetInt("rpcport", params.default_rpc_port);
    if (rpc_port < 1 || rpc_port > 65535) return OptionError("-rpcport must be 1..65535");
    http_opts.port = static_cast<uint16_t>(rpc_port);
    if (args.IsSet("rpcbind")) {
        http_opts.bind_addresses.clear();
        for (const std::string& addr : args.GetStrings("rpcbind"))
            http_opts.bind_addresses.push_back(addr);
    }
    const auto cpus = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
    const int64_t io_threads = args.GetInt("rpciothreads", std::min<int64_t>(cpus, 4));
    if (io_threads < 1 || io_threads > 64) return OptionError("-rpciothreads must be 1..64");
    http_opts.io_threads = static_cast<size_t>(io_threads);
    const int64_t threads = args.GetInt("rpcthreads", 4);
    if (threads < 1 || threads > 64) return OptionError("-rpcthreads must be 1..64");
    http_opts.worker_threads = static_cast<size_t>(threads);
    const int64_t queue = args.GetInt("rpcworkqueue", 64);
    if (queue < 1 || queue > 65536) return OptionError("-rpcworkqueue must be 1..65536");
    http_opts.work_queue_depth = static_cast<size_t>(queue);
    const int64_t max_body = args.GetInt("rpcmaxbody", 1 << 20);
    if (max_body < 1024 || max_body > (int64_t{1} << 30))
        return OptionError("-rpcmaxbody must be 1024..1073741824");
    http_opts.max_body_bytes = static_cast<size_t>(max_body);
    const int64_t timeout = args.GetInt("rpcservertimeout", 30);
    if (timeout < 1 || timeout > 3600)
        return OptionError("-rpcservertimeout must be 1..3600 (seconds)");
    http_opts.idle_timeout_seconds = static_cast<int>(timeout);
    const int64_t request_timeout = args.GetInt("rpcrequesttimeout", 30);
    if (request_timeout < 1 || request_timeout > 3600)
        return OptionError("-rpcrequesttimeout must be 1..3600 (seconds)");
    http_opts.request_timeout_seconds = static_cast<int>(request_timeout);
    const int64_t max_connections = args.GetInt("rpcmaxconnections", 256);
    if (max_connections < 1 || max_connections > 65536)
        return OptionError("-rpcmaxconnections must be 1..65536");
    http_opts.max_connections = static_cast<size_t>(max_connections);
    const int64_t per_ip = args.GetInt("rpcmaxconnectionsperip", 64);
    if (per_ip < 1 || per_ip > 65536)
        return OptionError("-rpcmaxconnectionsperip must be 1..65536");
    http_opts.max_connections_per_ip = static_cast<size_t>(per_ip);
    const int64_t max_batch =
        args.GetInt("rpcmaxbatch", static_cast<int64_t>(kDefaultMaxBatchSize));
    if (max_batch < 1 || max_batch > 100'000) return OptionError("-rpcmaxbatch must be 1..100000");
    n.rpc_table->SetMaxBatchSize(static_cast<size_t>(max_batch));
    const int64_t max_reply =
        args.GetInt("rpcmaxreply", static_cast<int64_t>(kDefaultMaxReplyBytes));
    if (max_reply < 1024 || max_reply > (int64_t{1} << 32))
        return OptionError("-rpcmaxreply must be 1024..4294967296 (bytes)");
    n.rpc_table->SetMaxReplyBytes(static_cast<size_t>(max_reply));
    if (args.IsSet("rpcallowip")) http_opts.allow_ips = args.GetStrings("rpcallowip");

    n.cookie_path = std::filesystem::path(n.datadir) / ".cookie";
    auto cookie = GenerateAuthCookie(n.cookie_path);
    if (!cookie) return cookie.error();
    auto auth = std::make_shared<RpcAuthenticator>();
    auth->AddUser(cookie->user, cookie->password);
    for (const std::string& entry : args.GetStrings("rpcauth")) {
        st = auth->AddRpcAuth(entry);
        if (!st) return OptionError("-rpcauth: " + st.error().message);
    }
    // The Bitcoin habit: rpcuser/rpcpassword in the shared config file, read
    // only by maillon-cli. Without an rpcauth line that user would get 401.
    if (args.ForeignConfigOptions().count("rpcpassword") && !args.IsSet("rpcauth")) {
        LogPrint("init",
                 "warning: maillon.conf sets rpcpassword, which only maillon-cli reads; for "
                 "maillond to accept that user, add the rpcauth= line that contrib/rpcauth.py "
                 "USER prints");
    }

    const RpcTable* table = n.rpc_table.get();
    n.http = std::make_unique<HttpServer>(
        http_opts,
        [auth](std::string_view header) { return auth->Authenticate(header).has_value(); },
        [table](std::string_view body) { return table->Handle(body); },
        [table](std::string_view body, std::optional<std::string>& reply) {
            return table->TryHandleQuick(body, reply);
        },
        [auth](std::string_view header) {
            return auth->AuthenticateRemembered(header).has_value();
        });
    st = n.http->Start();
    if (!st) return st.error();
    LogPrint("init", "RPC server listening on port " + std::to_string(rpc_port));

    if (n.producer) n.producer->Start();
    LogPrint("init", "node started");
    return node;
}

namespace {

// SIGINT and SIGTERM stop the node; SIGHUP reopens debug.log (log rotation).
sigset_t ControlSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

}  // namespace

void Node::BlockShutdownSignals() {
    const sigset_t set = ControlSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void Node::WaitForShutdown() {
    const sigset_t set = ControlSignals();
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
        Status st = LogReopen();
        LogPrint("init", st ? "reopened the log file (SIGHUP)" : "warning: " + st.error().message);
    }
    const char* by = m_impl->failed                  ? "a fatal error"
                     : m_impl->stop_requested_by_rpc ? "the stop RPC"
                     : sig == SIGINT                 ? "SIGINT"
                                                     : "SIGTERM";
    LogPrint("init", std::string("shutdown requested (") + by + ")");
}

bool Node::Failed() const {
    return m_impl->failed;
}

}  // namespace maillon
