// RpcClient: maillon-cli's and maillon-agent's connection to a node's
// JSON-RPC server. Resolves the address (-rpcconnect, -rpcport: an explicit
// -rpcport wins over a port in -rpcconnect, else that one, else the network's
// default), the credentials (-rpcuser/-rpcpassword, else -rpccookiefile, else
// the program's default cookie file) and sends one JSON-RPC 2.0 call per
// Call(). The cookie is read once, by FromArgs: a node that restarted has a
// new one, so a long-lived caller makes a new client after a failure.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/args.h"
#include "common/host_port.h"
#include "util/result.h"

namespace maillon {

struct RpcCallError {
    int code;  // JSON-RPC error code, or 0 for a transport/HTTP failure
    std::string message;
};

// What FromArgs uses when an option is not given.
struct RpcClientDefaults {
    // Without -rpccookiefile; empty: .cookie in the selected network's data
    // directory (maillon-cli shares -datadir with the node).
    std::string cookie_path;
    int timeout_s = 900;  // without -rpcclienttimeout
};

class RpcClient {
public:
    // Errors: "bad-option" (an option's value is wrong), "no-credentials"
    // (the cookie file is missing, unreadable or malformed: the message says
    // which and what to do).
    static Result<RpcClient> FromArgs(const Args& args, const RpcClientDefaults& defaults = {});

    // Calls method with params (a JSON array or object). On success `result`
    // holds the "result" member, of any type: callers check what they read.
    // A reply that is not JSON, nests deeper than 512 levels, or has neither
    // a result nor a well-formed error is an error with code 0.
    bool Call(const std::string& method, const rapidjson::Value& params,
              rapidjson::Document& result, RpcCallError& error) const;

private:
    std::string m_host;
    uint16_t m_port = 0;
    std::string m_auth_header;
    int m_timeout_s = 900;
};

}  // namespace maillon
