#include "agent/node_link.h"

#include <utility>

#include "util/log.h"
#include "util/time.h"

namespace maillon {

NodeLink::NodeLink(const Args& args, RpcClientDefaults defaults, const StopSignal& stop)
    : m_args(args), m_defaults(std::move(defaults)), m_stop(stop) {}

std::optional<RpcAnswer> NodeLink::Call(const std::string& method, const rapidjson::Value& params) {
    for (;;) {
        RpcAnswer answer;
        std::string failure;
        if (TryOnce(method, params, answer, failure)) {
            NoteSuccess();
            return answer;
        }
        NoteFailure(failure);
        if (m_stop.WaitFor(m_backoff.Next())) return std::nullopt;
    }
}

std::optional<RpcAnswer> NodeLink::Call(const std::string& method, const std::string& param) {
    rapidjson::Document params(rapidjson::kArrayType);
    params.PushBack(rapidjson::Value(param.c_str(), params.GetAllocator()), params.GetAllocator());
    return Call(method, params);
}

bool NodeLink::TryOnce(const std::string& method, const rapidjson::Value& params, RpcAnswer& answer,
                       std::string& failure) {
    if (!m_client) {
        auto client = RpcClient::FromArgs(m_args, m_defaults);
        if (!client) {
            failure = client.error().message;
            return false;
        }
        m_client.emplace(std::move(*client));
    }
    RpcCallError error;
    if (m_client->Call(method, params, answer.result, error)) return true;
    if (error.code != 0) {  // the node answered, with an error
        answer.error = std::move(error);
        return true;
    }
    failure = error.message;
    m_client.reset();
    return false;
}

void NodeLink::NoteFailure(const std::string& failure) {
    if (m_backoff.Failures() > 0) return;  // logged when the outage began
    m_outage_start_ms = SteadyMs();
    LogPrint("net", "node unreachable: " + failure + "; retrying, at most " +
                        std::to_string(Backoff::kMax.count() / 1000) + " s apart");
}

void NodeLink::NoteSuccess() {
    if (m_backoff.Failures() == 0) return;
    ++m_outages;
    const int64_t ms = SteadyMs() - m_outage_start_ms;
    LogPrint("net", "node reachable again after " + std::to_string(ms / 1000) + "." +
                        std::to_string(ms % 1000 / 100) +
                        " s (failed attempts: " + std::to_string(m_backoff.Failures()) + ")");
    m_backoff.Reset();
}

bool IsAlreadyKnown(const std::string& reason) {
    return reason == "already-in-mempool" || reason == "already-in-chain";
}

std::optional<Result<SubmitOutcome>> SubmitAttestation(NodeLink& link, const std::string& tx_hex) {
    auto answer = link.Call("submitattestation", tx_hex);
    if (!answer) return std::nullopt;
    if (answer->error) {
        return Result<SubmitOutcome>(
            MakeError("rpc-error", "submitattestation: " + answer->error->message));
    }
    return ParseSubmitOutcome(answer->result);
}

}  // namespace maillon
