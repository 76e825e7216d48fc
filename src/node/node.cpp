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
#include "eventloop/support.h"
#include "node/block_producer.h"
#include "node/node_options.h"
#include "node/rpc_methods.h"
#include "node/tx_intake.h"
#include "primitives/address.h"
#include "rpc/auth.h"
#include "rpc/http_server.h"
#include "rpc/json_rpc.h"
#include "util/log.h"
#include "util/signals.h"

namespace maillon {

namespace {
constexpr const char* kDevKeyPassphrase = "maillon-dev";

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
    std::unique_ptr<Connman> connman;
    std::unique_ptr<SignGuard> sign_guard;  // before the producer that uses it
    std::unique_ptr<BlockProducer> producer;
    RejectionLog rejections;
    NodeContext ctx;
    std::unique_ptr<RpcTable> rpc_table;
    std::shared_ptr<RpcAuthenticator> auth;
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
        const MempoolInfo info = mempool->Info();
        const size_t count = info.size + info.attestations;
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

    // Makes the RPC server and binds its port. Requests are served only
    // after Start(); until then the table and the cookie do not exist.
    Status BindRpc(const NodeOptions& opts) {
        auth = std::make_shared<RpcAuthenticator>();
        for (const std::string& entry : opts.rpcauth)
            (void)auth->AddRpcAuth(entry);  // checked by ParseNodeOptions
        const std::shared_ptr<const RpcAuthenticator> a = auth;
        // The table is made later, before Start() serves anything.
        const std::unique_ptr<RpcTable>& table = rpc_table;
        http = std::make_unique<HttpServer>(
            opts.http, [a](std::string_view header) { return a->Authenticate(header).has_value(); },
            [&table](std::string_view body) { return table->Handle(body); },
            [&table](std::string_view body, std::optional<std::string>& reply) {
                return table->TryHandleQuick(body, reply);
            },
            [a](std::string_view header) { return a->AuthenticateRemembered(header).has_value(); });
        return http->Bind();
    }

    Status StartP2P(const NodeOptions& opts) {
        LocalNode local;
        local.chain_id = chain->Params().chain_id;
        local.genesis = chain->Params().genesis_hash;
        local.height = [this] { return chain->Tip().height; };
        local.user_agent = "maillond/0.1";
        local.params = &chain->Params();
        local.on_tx = [this](const Transaction& tx, uint64_t peer) {
            return AcceptTransaction(ctx, tx, peer);
        };
        connman = std::make_unique<Connman>(opts.p2p, local);
        ctx.connman = connman.get();  // before the loop runs: on_tx reads it
        if (Status st = connman->Start(); !st) return st;
        LogPrint("init", opts.p2p.listen ? "P2P listening on " +
                                               HostPortText(opts.p2p.bind_address, connman->Port())
                                         : std::string("P2P not listening (-listen=0)"));
        for (const auto& [peer, how] : opts.peers) {
            if (Status st = connman->AddNode(peer.host, *peer.port, how); !st)
                LogPrint("net", peer.host + ": " + st.error().message);
        }
        return Status::Ok();
    }

    Status StartDevProducer(uint64_t interval_ms) {
        const std::string key_path = datadir + "/dev.key";
        if (!std::filesystem::exists(key_path)) {
            // The dev key is public knowledge; a cheap KDF keeps start-up fast.
            Status st =
                WriteKeyFile(key_path, DevKey(), kDevKeyPassphrase, KdfParams{1 << 14, 8, 1});
            if (!st) return st;
        }
        LogPrint("init", "dev key " + key_path + " (passphrase '" + kDevKeyPassphrase +
                             "'), address " +
                             EncodeAddress(chain->Params().hrp, DevKey().PubKey()));
        auto guard = SignGuard::Open(datadir + "/sign_state.dat");
        if (!guard) return guard.error();
        sign_guard = std::move(*guard);
        producer =
            std::make_unique<BlockProducer>(*chain, *mempool, &rejections, DevKey(), *sign_guard,
                                            interval_ms, [this](const Error& e) { Fatal(e); });
        return Status::Ok();
    }

    ~Impl() {
        // Reverse of start-up: stop taking requests, stop producing, save
        // the mempool, then close the chain (destructors), last the log.
        if (http) http->Stop();
        if (connman) connman->Stop();
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

    // Options first, then the RPC port: a bad value or a port in use is
    // refused before anything exists on disk.
    auto opts = ParseNodeOptions(args);
    if (!opts) return opts.error();
    Status st = n.BindRpc(*opts);
    if (!st) return st.error();

    auto datadir = args.NetDataDir(/*create=*/true);
    if (!datadir) return datadir.error();
    n.datadir = *datadir;
    st = LogOpen(n.datadir + "/debug.log", opts->print_to_console);
    if (!st) return st.error();
    LogPrint("init",
             "maillond starting on the " + params.name + " network, data directory " + n.datadir);
    RaiseFileDescriptorLimit();

    const std::string chain_path = n.datadir + "/chainstate";
    auto chain =
        opts->reindex ? Chain::Reindex(chain_path, params) : Chain::Open(chain_path, params);
    if (!chain) return chain.error();
    n.chain = std::move(*chain);
    n.chain->SetStorageFailureHandler([&n](const Error& e) { n.Fatal(e); });
    LogPrint("init", "chain tip height=" + std::to_string(n.chain->Tip().height));

    n.mempool = std::make_unique<Mempool>(params, opts->mempool);
    if (opts->persist_mempool) {
        n.mempool_path = n.datadir + "/mempool.dat";
        n.LoadMempoolFile();
    }
    if (params.network == Network::kDev) {
        st = n.StartDevProducer(opts->block_interval_ms);
        if (!st) return st.error();
    }

    n.ctx.chain = n.chain.get();
    n.ctx.mempool = n.mempool.get();
    n.ctx.producer = n.producer.get();
    n.ctx.rejections = &n.rejections;
    st = n.StartP2P(*opts);
    if (!st) return st.error();
    // The stop RPC raises SIGTERM, so that one wait (WaitForShutdown) ends
    // every shutdown; the flag lets the log say who asked.
    n.ctx.on_storage_failure = [&n](const Error& e) { n.Fatal(e); };
    n.ctx.request_shutdown = [&n] {
        n.stop_requested_by_rpc = true;
        kill(getpid(), SIGTERM);
    };
    n.rpc_table = std::make_unique<RpcTable>();
    RegisterNodeRpcMethods(*n.rpc_table, n.ctx);
    n.rpc_table->SetCheckResults(opts->rpc_check_results);
    n.rpc_table->SetMaxBatchSize(opts->rpc_max_batch);
    n.rpc_table->SetMaxReplyBytes(opts->rpc_max_reply);

    n.cookie_path = std::filesystem::path(n.datadir) / ".cookie";
    auto cookie = GenerateAuthCookie(n.cookie_path);
    if (!cookie) return cookie.error();
    n.auth->AddUser(cookie->user, cookie->password);
    // The Bitcoin habit: rpcuser/rpcpassword in the shared config file, read
    // only by maillon-cli. Without an rpcauth line that user would get 401.
    if (args.ForeignConfigOptions().count("rpcpassword") && opts->rpcauth.empty()) {
        LogPrint("init",
                 "warning: maillon.conf sets rpcpassword, which only maillon-cli reads; for "
                 "maillond to accept that user, add the rpcauth= line that contrib/rpcauth.py "
                 "USER prints");
    }
    st = n.http->Start();
    if (!st) return st.error();
    LogPrint("init", "RPC server listening on port " + std::to_string(n.http->Port()));

    if (n.producer) n.producer->Start();
    LogPrint("init", "node started");
    return node;
}

void Node::BlockShutdownSignals() {
    BlockControlSignals();
}

void Node::WaitForShutdown() {
    const int sig = WaitForStopSignal();
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
