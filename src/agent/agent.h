// Agent: maillon-agent's work for one device, on the thread that calls Run():
//  1. make sure the node knows the device (agent/registration.h: with the
//     owner's key it registers it, else it waits for the owner to);
//  2. look at the node's tip every poll interval and send the heartbeat the
//     schedule asks for (agent/heartbeat_schedule.h), recording it in the
//     state file before sending it (agent/heartbeat_state.h); log each
//     acceptance, and each refusal with its reason;
//  3. when the tip enters a new epoch, log what the device earned in the
//     epoch that ended (getdevicecontributions).
//  4. with the device services (agent/device_services.h), at each look:
//     tell the service loop the tip and the device's kinds, send the storage
//     proofs due (agent/storage_prover.h) and settle the bandwidth sessions
//     that ended (agent/receipt_settler.h).
// The node being down is never a reason to stop: NodeLink waits for it.
#pragma once

#include <optional>
#include <string>

#include "agent/agent_config.h"
#include "agent/device_services.h"
#include "agent/heartbeat_schedule.h"
#include "agent/node_link.h"
#include "agent/node_reply.h"
#include "agent/receipt_settler.h"
#include "agent/stop_signal.h"
#include "agent/storage_prover.h"
#include "consensus/params.h"
#include "crypto/key.h"

namespace maillon {

// The state file's record (agent/heartbeat_state.h), which must be the
// device's own: one of another device ("state-other-device") means the
// -datadir or the -devicekeyfile is not the one meant.
Result<std::optional<HeartbeatRecord>> LoadDeviceRecord(const AgentConfig& config,
                                                        const ChainParams& params,
                                                        const XOnlyPubKey& device);

class Agent {
public:
    // `owner`: with -register, the owner's key, dropped once the device is
    // known. `services` (may be null: none) must outlive the agent.
    Agent(const ChainParams& params, const AgentConfig& config, NodeLink& link,
          const StopSignal& stop, PrivKey device, std::optional<PrivKey> owner,
          std::optional<HeartbeatRecord> record, DeviceServices* services);

    // Until stop is requested; an error when the device cannot earn
    // (it was retired: "device-retired").
    Status Run();

private:
    std::optional<DeviceInfo> WaitForDevice();
    void StartSchedule();
    std::optional<TipInfo> ReadTip();
    void Heartbeat(const TipInfo& tip);
    void Send();
    void LogRefusal(const std::string& reason, const std::string& message);
    void LogEpoch(const TipInfo& tip);
    void LogReward(uint64_t epoch);
    void StepServices(const TipInfo& tip);

    const ChainParams& m_params;
    const AgentConfig& m_config;
    NodeLink& m_link;
    const StopSignal& m_stop;
    const PrivKey m_device;
    std::optional<PrivKey> m_owner;
    const std::string m_address;                  // the device's
    std::optional<HeartbeatRecord> m_loaded;      // until the schedule starts
    std::optional<HeartbeatSchedule> m_schedule;  // only for a device with uptime
    DeviceServices* const m_services;
    std::optional<StorageProver> m_prover;    // with m_services
    std::optional<ReceiptSettler> m_settler;  // with m_services
    uint64_t m_outages_seen = 0;
    std::optional<uint64_t> m_epoch;  // the last tip's
    bool m_behind_logged = false;
};

}  // namespace maillon
