// DeviceRegistration: waits until the node knows the device. Given the
// owner's key (-register), it registers the device first: a register_device
// signed by the owner (role 0: pays the fee and the network's bond) and by
// the device (role 1), with the owner's next nonce and the network's minimum
// fee. Until a block includes it, the same transaction is sent again at every
// look (the node answers "already-in-mempool"), so a node that restarted and
// lost its mempool gets it back; one the node refuses is logged and replaced
// by a new one (a fresh nonce) at the next look.
//
// Runs on the agent's thread; everything it is given must outlive it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/node_link.h"
#include "agent/node_reply.h"
#include "agent/stop_signal.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/key.h"

namespace maillon {

// The registration, signed by both keys.
Transaction SignRegistration(const ChainParams& params, const PrivKey& owner, const PrivKey& device,
                             uint8_t kinds, uint64_t nonce);

class DeviceRegistration {
public:
    // `owner` null: only wait (the owner registers the device elsewhere).
    DeviceRegistration(const ChainParams& params, NodeLink& link, const StopSignal& stop,
                       const PrivKey& device, const PrivKey* owner, uint8_t kinds,
                       std::chrono::milliseconds poll_interval);

    // The device as getdevice reports it; nullopt when stop is requested.
    std::optional<DeviceInfo> WaitUntilKnown();

private:
    void Register();
    bool SignNew();
    void Note(const std::string& message);  // logs it unless it was the last thing noted

    const ChainParams& m_params;
    NodeLink& m_link;
    const StopSignal& m_stop;
    const PrivKey& m_device;
    const PrivKey* m_owner;
    const uint8_t m_kinds;
    const std::chrono::milliseconds m_poll;
    const std::string m_address;  // the device's
    std::string m_tx_hex;         // the registration being sent, until the node knows the device
    std::string m_last_note;
};

}  // namespace maillon
