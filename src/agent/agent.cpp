#include "agent/agent.h"

#include <utility>

#include "agent/heartbeat_state.h"
#include "agent/registration.h"
#include "client/cli_params.h"
#include "consensus/block_context.h"
#include "consensus/records.h"
#include "primitives/address.h"
#include "util/log.h"

namespace maillon {

namespace {

std::string Describe(const HeartbeatRecord& r) {
    return "heartbeat for interval " + std::to_string(r.interval) + " (block " +
           std::to_string(r.ref_height) + ")";
}

}  // namespace

Result<std::optional<HeartbeatRecord>> LoadDeviceRecord(const AgentConfig& config,
                                                        const ChainParams& params,
                                                        const XOnlyPubKey& device) {
    auto record = LoadHeartbeatRecord(config.state_path, params);
    if (!record || !record->has_value() || (*record)->device == device) return record;
    return MakeError("state-other-device",
                     "state file " + config.state_path + " is of device " +
                         EncodeAddress(params.hrp, (*record)->device) + ", not of " +
                         EncodeAddress(params.hrp, device) +
                         " (-devicekeyfile): give each device its own -datadir");
}

Agent::Agent(const ChainParams& params, const AgentConfig& config, NodeLink& link,
             const StopSignal& stop, PrivKey device, std::optional<PrivKey> owner,
             std::optional<HeartbeatRecord> record, DeviceServices* services)
    : m_params(params),
      m_config(config),
      m_link(link),
      m_stop(stop),
      m_device(std::move(device)),
      m_owner(std::move(owner)),
      m_address(EncodeAddress(params.hrp, m_device.PubKey())),
      m_loaded(std::move(record)),
      m_services(services) {
    if (m_services == nullptr) return;
    m_prover.emplace(params, m_device, link, m_services->Deals(), m_services->Chunks());
    m_settler.emplace(params, link, m_services->Receipts());
}

Status Agent::Run() {
    auto device = WaitForDevice();
    if (!device) return Status::Ok();
    if (device->retired_height) {
        return MakeError("device-retired",
                         "device " + m_address + " was retired at height " +
                             std::to_string(*device->retired_height) +
                             " and earns nothing since; register a new device key");
    }
    if (m_services) m_services->Chain().SetKinds(device->kinds);
    if ((device->kinds & kDeviceUptime) != 0) {
        StartSchedule();
    } else {
        LogPrint("agent",
                 "device " + m_address + " does not offer uptime: it has no heartbeats to send");
    }
    while (!m_stop.Requested()) {
        if (auto tip = ReadTip()) {
            if (m_schedule) Heartbeat(*tip);
            StepServices(*tip);
            LogEpoch(*tip);
        }
        if (m_stop.WaitFor(m_config.poll_interval)) break;
    }
    return Status::Ok();
}

void Agent::StepServices(const TipInfo& tip) {
    if (m_services == nullptr) return;
    m_services->Chain().SetTip(tip.height);
    m_prover->Step(tip);
    m_settler->Step();
}

std::optional<DeviceInfo> Agent::WaitForDevice() {
    DeviceRegistration registration(m_params, m_link, m_stop, m_device,
                                    m_owner ? &*m_owner : nullptr, m_config.kinds,
                                    m_config.poll_interval);
    auto device = registration.WaitUntilKnown();
    m_owner.reset();  // the owner's key is not needed any more
    if (device) {
        LogPrint("agent", "device " + m_address + " is registered (" +
                              FormatDeviceKinds(device->kinds) + ", owner " + device->owner +
                              ", height " + std::to_string(device->registered_height) + ")");
    }
    return device;
}

// Without a record, the chain says which intervals may be counted already.
void Agent::StartSchedule() {
    std::optional<uint64_t> counted;
    if (!m_loaded) {
        if (auto answer = m_link.Call("getdevicecontributions", m_address);
            answer && !answer->error) {
            if (auto c = ParseContributions(answer->result)) counted = c->last_heartbeat_height;
        }
    } else {
        LogPrint("agent",
                 "state file " + m_config.state_path + ": last signed the " + Describe(*m_loaded));
    }
    m_schedule.emplace(m_params, std::move(m_loaded), counted);
    m_outages_seen = m_link.Outages();
}

std::optional<TipInfo> Agent::ReadTip() {
    rapidjson::Document no_params(rapidjson::kArrayType);
    auto answer = m_link.Call("getblockchaininfo", no_params);
    if (!answer) return std::nullopt;
    if (answer->error) {
        LogPrint("agent", "error: getblockchaininfo: " + answer->error->message);
        return std::nullopt;
    }
    auto tip = ParseTipInfo(answer->result);
    if (!tip) {
        LogPrint("agent", "error: " + tip.error().message);
        return std::nullopt;
    }
    return *tip;
}

void Agent::Heartbeat(const TipInfo& tip) {
    if (m_link.Outages() != m_outages_seen) {
        m_outages_seen = m_link.Outages();
        m_schedule->MaybeLost();
    }
    switch (m_schedule->Next(tip.height)) {
        case HeartbeatStep::kWait:
            return;
        case HeartbeatStep::kBehind:
            if (!m_behind_logged) {
                LogPrint("agent", "the tip, block " + std::to_string(tip.height) +
                                      ", is before the last " + Describe(*m_schedule->Last()) +
                                      ": is this another chain? Waiting for the tip to pass "
                                      "it (or move " +
                                      m_config.state_path + " away to start over)");
            }
            m_behind_logged = true;
            return;
        case HeartbeatStep::kSign: {
            HeartbeatRecord record = SignHeartbeat(m_params, m_device, tip.height, tip.hash);
            // Recorded first: after a crash the agent resends these bytes
            // rather than sign a second heartbeat for the interval.
            if (Status st = SaveHeartbeatRecord(m_config.state_path, record); !st) {
                LogPrint("agent", "error: " + st.error().message + "; no heartbeat sent");
                return;
            }
            m_schedule->Signed(std::move(record));
            break;
        }
        case HeartbeatStep::kResend:
            break;
    }
    m_behind_logged = false;
    Send();
}

void Agent::Send() {
    const HeartbeatRecord& record = *m_schedule->Last();
    auto outcome = SubmitAttestation(m_link, record.tx_hex);
    if (!outcome) return;
    // An outage during the call ended with this answer: nothing is lost.
    m_outages_seen = m_link.Outages();
    if (!*outcome) {
        LogPrint("agent", "error: " + outcome->error().message);
        return;  // sent again at the next look
    }
    m_schedule->Answered();
    const SubmitOutcome& o = **outcome;
    if (o.accepted) {
        LogPrint("agent", Describe(record) + " accepted: " + o.txid);
    } else if (IsAlreadyKnown(o.reason)) {
        LogPrint("agent",
                 Describe(record) + " is known to the node already (" + o.reason + "): " + o.txid);
    } else {
        LogRefusal(o.reason, o.message);
    }
}

void Agent::LogRefusal(const std::string& reason, const std::string& message) {
    std::string line = Describe(*m_schedule->Last()) + " refused (" + reason + "): " + message;
    if (auto answer = m_link.Call("getdevicerejections", m_address); answer && !answer->error) {
        if (auto summary = SummarizeRejections(answer->result))
            line += "; the node's refusals of this device so far: " + *summary;
    }
    LogPrint("agent", line);
}

// When the tip enters a new epoch, the one before it is complete.
void Agent::LogEpoch(const TipInfo& tip) {
    const uint64_t epoch = EpochOf(tip.height, m_params);
    const bool finished = m_epoch && epoch > *m_epoch;
    m_epoch = epoch;
    if (!finished) return;
    rapidjson::Document params(rapidjson::kArrayType);
    params.PushBack(rapidjson::Value(m_address.c_str(), params.GetAllocator()),
                    params.GetAllocator());
    params.PushBack(epoch - 1, params.GetAllocator());
    auto answer = m_link.Call("getdevicecontributions", params);
    if (!answer) return;
    if (answer->error) {
        LogPrint("agent", "error: getdevicecontributions: " + answer->error->message);
        return;
    }
    auto contributions = ParseContributions(answer->result);
    LogPrint("agent", contributions ? "epoch " + std::to_string(epoch - 1) +
                                          " ended; the device earned " + contributions->summary
                                    : "error: " + contributions.error().message);
    LogReward(epoch - 1);
}

// The closed epoch's reward, pool by pool, with every cap.
void Agent::LogReward(uint64_t epoch) {
    rapidjson::Document params(rapidjson::kArrayType);
    params.PushBack(epoch, params.GetAllocator());
    params.PushBack(rapidjson::Value(m_address.c_str(), params.GetAllocator()),
                    params.GetAllocator());
    auto answer = m_link.Call("getrewardbreakdown", params);
    if (!answer) return;
    if (answer->error) {
        LogPrint("agent", "error: getrewardbreakdown: " + answer->error->message);
        return;
    }
    auto summary = SummarizeRewardBreakdown(answer->result);
    LogPrint("agent", summary ? "epoch " + std::to_string(epoch) + " reward: " + *summary
                              : "error: " + summary.error().message);
}

}  // namespace maillon
