// NodeLink: maillon-agent's connection to its node (client/rpc_client.h),
// made to outlast the node. Call() returns the node's answer, a result or a
// JSON-RPC error; while the node cannot be reached (down, restarting, a
// stale cookie, a reply that is not JSON-RPC) it tries again with Backoff,
// until the node answers or stop is requested. It logs once when an outage
// begins and once when it ends, never per attempt.
//
// Every failed attempt drops the client, so the next one reads the cookie
// file again: a restarted node writes a new one.
//
// Used by one thread; `args` and `stop` must outlive it.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>

#include "agent/backoff.h"
#include "agent/node_reply.h"
#include "agent/stop_signal.h"
#include "client/rpc_client.h"
#include "common/args.h"

namespace maillon {

struct RpcAnswer {
    rapidjson::Document result;         // when error is unset
    std::optional<RpcCallError> error;  // the node's JSON-RPC error (code != 0)
};

class NodeLink {
public:
    NodeLink(const Args& args, RpcClientDefaults defaults, const StopSignal& stop);

    // nullopt only when stop was requested.
    std::optional<RpcAnswer> Call(const std::string& method, const rapidjson::Value& params);
    // A call with one string parameter (an address, a transaction's hex).
    std::optional<RpcAnswer> Call(const std::string& method, const std::string& param);

    // Outages survived so far: a caller that sees it change knows the node
    // may have restarted meanwhile.
    uint64_t Outages() const { return m_outages; }

private:
    // One attempt; false (with `failure` set) when the node did not answer.
    bool TryOnce(const std::string& method, const rapidjson::Value& params, RpcAnswer& answer,
                 std::string& failure);
    void NoteFailure(const std::string& failure);
    void NoteSuccess();

    const Args& m_args;
    const RpcClientDefaults m_defaults;
    const StopSignal& m_stop;
    std::optional<RpcClient> m_client;
    Backoff m_backoff;
    uint64_t m_outages = 0;
    int64_t m_outage_start_ms = 0;
};

// A reason submitattestation gives for an attestation the node has already:
// sending the same bytes again is how the agent makes sure they arrived.
bool IsAlreadyKnown(const std::string& reason);

// submitattestation of one attestation: the node's answer to it, an error
// (the node's JSON-RPC error, "rpc-error", or a reply without the answer,
// "bad-reply"; the message says which), or nullopt when stop was requested.
std::optional<Result<SubmitOutcome>> SubmitAttestation(NodeLink& link, const std::string& tx_hex);

}  // namespace maillon
