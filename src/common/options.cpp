#include "common/options.h"

#include <string>
#include <vector>

namespace po = boost::program_options;

namespace maillon {

namespace {

Args MakeArgs(const std::string& caption, const po::options_description& own,
              const po::options_description& other, const DataDirDefaults& defaults = {}) {
    po::options_description desc(caption);
    Args::AddCommonOptions(desc, defaults);
    for (const auto& opt : own.options())
        desc.add(opt);
    return Args(std::move(desc), other, defaults);
}

// How a client reaches the node's RPC server (RpcClient::FromArgs reads
// them): maillon-cli's and maillon-agent's, spelled the same.
void AddRpcClientOptions(po::options_description& desc, const std::string& cookie_default) {
    const std::string cookie_help =
        "The node's RPC cookie file, read when -rpcpassword is not given (default: " +
        cookie_default + ")";
    // clang-format off
    desc.add_options()
        ("rpcconnect", po::value<std::string>(),
         "Node RPC address: HOST, HOST:PORT, IPV6 or [IPV6]:PORT (default 127.0.0.1); an "
         "explicit -rpcport wins over the port given here")
        ("rpcuser", po::value<std::string>(),
         "RPC user (default: use the cookie file); maillond ignores rpcuser=, give it a "
         "matching rpcauth= line")
        ("rpcpassword", po::value<std::string>(), "RPC password")
        ("rpccookiefile", po::value<std::string>(), cookie_help.c_str());
    // clang-format on
}

}  // namespace

po::options_description NodeOptions() {
    po::options_description desc("maillond options");
    // clang-format off
    desc.add_options()
        ("port", po::value<int64_t>(), "P2P port (default 7330, testnet 17330, dev 27330; 0: any free port)")
        ("listen", po::value<bool>()->implicit_value(true), "Accept P2P connections (default 1)")
        ("bind", po::value<std::string>(),
         "Numeric address to accept P2P connections on (default 0.0.0.0; dev 127.0.0.1)")
        ("addnode", po::value<std::vector<std::string>>()->composing(),
         "Connect to this peer and stay connected, HOST:PORT with a numeric host (repeatable)")
        ("connect", po::value<std::vector<std::string>>()->composing(),
         "Connect to these peers only (HOST:PORT, repeatable): no addresses learned from peers are dialed")
        ("seednode", po::value<std::vector<std::string>>()->composing(),
         "Connect to this peer to learn addresses, then disconnect (HOST:PORT, repeatable)")
        ("maxconnections", po::value<int64_t>(), "Most inbound P2P connections (default 32)")
        ("rpcbind", po::value<std::vector<std::string>>()->composing(),
         "Address to bind the RPC server to (repeatable; default 127.0.0.1 and ::1)")
        ("rpcallowip", po::value<std::vector<std::string>>()->composing(),
         "Accept RPC connections from this IP or subnet (CIDR; repeatable; default loopback only)")
        ("rpcauth", po::value<std::vector<std::string>>()->composing(),
         "RPC user as USER:SALT$HMAC (contrib/rpcauth.py makes the line; repeatable)")
        ("rpciothreads", po::value<int64_t>(), "RPC event-loop threads (default: CPUs, at most 4)")
        ("rpcthreads", po::value<int64_t>(), "RPC worker threads (default 4)")
        ("rpcworkqueue", po::value<int64_t>(), "RPC requests queued before 503 (default 64)")
        ("rpcmaxbody", po::value<int64_t>(), "Largest RPC request body in bytes, larger gets 413 (default 1048576)")
        ("rpcmaxbatch", po::value<int64_t>(), "Most requests in one JSON-RPC batch (default 1000)")
        ("rpcmaxreply", po::value<int64_t>(),
         "Most bytes of one RPC reply; a result that would take it further, and the rest of its "
         "batch, get error -100 instead (default 16777216)")
        ("rpcservertimeout", po::value<int64_t>(), "Seconds before an RPC connection on which nothing arrives is closed (default 30)")
        ("rpcrequesttimeout", po::value<int64_t>(),
         "Seconds an RPC request may take to arrive whole (headers and body) from its first byte; "
         "a slower one's connection is closed (default 30)")
        ("rpcmaxconnections", po::value<int64_t>(), "Most open RPC connections; more are closed at once (default 256)")
        ("rpcmaxconnectionsperip", po::value<int64_t>(),
         "Most open RPC connections from one client address; more are closed at once (default 64)")
        ("printtoconsole", po::value<bool>()->implicit_value(true), "Also log to the console (default 1)")
        ("blockinterval", po::value<int64_t>(),
         "Dev network: milliseconds between produced blocks; 0 produces blocks only on generateblock "
         "(default 1000)")
        ("maxmempool", po::value<int64_t>(), "Mempool size limit in MiB (default 64)")
        ("persistmempool", po::value<bool>()->implicit_value(true),
         "Save the mempool to mempool.dat at shutdown and load it again at start (default 1)")
        ("reindex", po::value<bool>()->implicit_value(true),
         "Repair the chain database and rebuild the chain state and indexes by executing the "
         "stored blocks again (progress in the log)")
        ("rpccheckresults", po::value<bool>()->implicit_value(true),
         "Testing: check every RPC result against its documented shape (default 0)");
    // clang-format on
    return desc;
}

po::options_description CliOptions() {
    po::options_description desc("maillon-cli options");
    AddRpcClientOptions(desc, ".cookie in the network's data directory, as the node writes it");
    // clang-format off
    desc.add_options()
        ("rpcclienttimeout", po::value<int64_t>(), "Seconds to wait for an RPC reply (default 900)")
        ("named", po::value<bool>()->implicit_value(true), "Pass parameters as name=value")
        ("keyfile", po::value<std::string>(), "Encrypted key file that signs (and pays) a transaction; for keygen, the file to create")
        ("passphrasefile", po::value<std::string>(), "Read the key passphrase from this file's first line")
        ("devicekeyfile", po::value<std::string>(), "registerdevice, storagedeal, heartbeat, signbandwidthreceipt: the device's encrypted key file")
        ("devicepassphrasefile", po::value<std::string>(), "Read the device key's passphrase from this file's first line")
        ("datakeyfile", po::value<std::string>(),
         "preparefile, openfile: the file holding the client's 32-byte data key (hex); preparefile creates it (mode 0600) when absent")
        ("chunksize", po::value<int64_t>(), "preparefile, storefile: bytes per chunk, 1..2048 (default 1024)")
        ("maxfee", po::value<std::string>(),
         "Largest fee, in MLN, that a transaction command pays (default 10 times the network's minimum fee)")
        ("wait", po::value<bool>()->implicit_value(true), "transaction commands: wait until the transaction is in a block")
        ("timeout", po::value<int64_t>(), "Seconds to wait with -wait / waittx, and for each reply of a device agent (default 60)")
        ("agent", po::value<std::string>(),
         "storefile, fetchfile, bandwidth: the device agent's service address, HOST[:PORT] (default 127.0.0.1 and port 7332, testnet 17332, dev 27332)")
        ("maxage", po::value<int64_t>(),
         "verifyproof without a height: refuse a proof whose block is older than this many seconds (default 300)");
    // clang-format on
    return desc;
}

po::options_description AgentOptions() {
    po::options_description desc("maillon-agent options");
    AddRpcClientOptions(desc, "~/.maillon/<network>/.cookie, a node with its default -datadir");
    // One line each: the details are in doc/agent.md.
    // clang-format off
    desc.add_options()
        ("rpcclienttimeout", po::value<int64_t>(), "Seconds to wait for a reply before the node counts as unreachable (default 30)")
        ("devicekeyfile", po::value<std::string>(), "The device's encrypted key file, from maillon-cli keygen (default: device.key in the network's data directory)")
        ("devicepassphrasefile", po::value<std::string>(), "Read the device key's passphrase from this file's first line (default: ask on the terminal)")
        ("register", po::value<bool>()->implicit_value(true), "Register the device unless the node knows it; the owner's key signs and pays the bond and fee (default 0)")
        ("ownerkeyfile", po::value<std::string>(), "-register: the owner's encrypted key file (no default)")
        ("ownerpassphrasefile", po::value<std::string>(), "-register: read the owner key's passphrase from this file's first line (default: ask on the terminal)")
        ("kinds", po::value<std::string>(), "-register: uptime, bandwidth, storage, comma-separated, or a bit mask 1..7 (default uptime)")
        ("pollinterval", po::value<int64_t>(), "Milliseconds between looks at the node's tip (default: the block interval, 5000; dev 1000)")
        ("serviceport", po::value<int64_t>(), "Port of the device services (storage, bandwidth) for clients; 0 turns them off (default 7332, testnet 17332, dev 27332)")
        ("servicebind", po::value<std::string>(), "Numeric address the service port listens on; open it to the network only on purpose (default 127.0.0.1)")
        ("maxstorage", po::value<int64_t>(), "MiB the device stores for clients' deals at most, uploads in progress included (default 1024)")
        ("minprice", po::value<int64_t>(), "Lowest price, in credits per byte and epoch, of a storage deal the device signs (default 1)")
        ("maxdealepochs", po::value<int64_t>(), "Longest storage deal, in epochs, the device signs (default 365)")
        ("printtoconsole", po::value<bool>()->implicit_value(true), "Also log to the console (default 1)")
        ("debuglog", po::value<std::string>(), "Log file; a relative path is in the network's data directory (default debug.log)");
    // clang-format on
    return desc;
}

Args NodeArgs() {
    return MakeArgs("maillond options", NodeOptions(), CliOptions());
}

Args CliArgs() {
    return MakeArgs("maillon-cli options", CliOptions(), NodeOptions());
}

Args AgentArgs() {
    // The agent's own file: nothing in it is for the other programs.
    return MakeArgs("maillon-agent options", AgentOptions(), po::options_description(),
                    {".maillon-agent", "maillon-agent.conf"});
}

}  // namespace maillon
