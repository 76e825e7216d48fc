#include "agent/registration.h"

#include "client/cli_params.h"
#include "consensus/tx/register_device.h"
#include "primitives/address.h"
#include "rpc/errors.h"
#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

Transaction SignRegistration(const ChainParams& params, const PrivKey& owner, const PrivKey& device,
                             uint8_t kinds, uint64_t nonce) {
    return UnsignedRegisterDevice(params.chain_id, owner.PubKey(), device.PubKey(), kinds,
                                  params.device_bond, params.min_tx_fee, nonce)
        .Sign(0, owner)
        .Sign(1, device);
}

DeviceRegistration::DeviceRegistration(const ChainParams& params, NodeLink& link,
                                       const StopSignal& stop, const PrivKey& device,
                                       const PrivKey* owner, uint8_t kinds,
                                       std::chrono::milliseconds poll_interval)
    : m_params(params),
      m_link(link),
      m_stop(stop),
      m_device(device),
      m_owner(owner),
      m_kinds(kinds),
      m_poll(poll_interval),
      m_address(EncodeAddress(params.hrp, device.PubKey())) {}

std::optional<DeviceInfo> DeviceRegistration::WaitUntilKnown() {
    for (;;) {
        auto answer = m_link.Call("getdevice", m_address);
        if (!answer) return std::nullopt;
        if (!answer->error) {
            auto info = ParseDeviceInfo(answer->result);
            if (info) return std::move(*info);
            Note("error: " + info.error().message);
        } else if (answer->error->code != kRpcNotFound) {
            Note("error: getdevice: " + answer->error->message);
        } else if (m_owner != nullptr) {
            Register();
        } else {
            Note("device " + m_address +
                 " is not registered; waiting for its owner to register it (maillon-cli "
                 "-keyfile=OWNER -devicekeyfile=DEVICE registerdevice uptime), or restart the "
                 "agent with -register -ownerkeyfile=OWNER");
        }
        if (m_stop.WaitFor(m_poll)) return std::nullopt;
    }
}

void DeviceRegistration::Register() {
    if (m_tx_hex.empty() && !SignNew()) return;
    auto sent = m_link.Call("sendrawtransaction", m_tx_hex);
    if (!sent) return;
    if (!sent->error) {
        Note("sent the registration " +
             std::string(sent->result.IsString() ? sent->result.GetString() : "") +
             "; waiting for a block to include it");
    } else if (sent->error->code != kRpcTxAlreadyKnown) {
        Note("the node refused the registration: " + sent->error->message +
             "; signing a new one at the next try");
        m_tx_hex.clear();
    }
}

// Signs a registration with the owner's next nonce; false (logged) when the
// node does not give it.
bool DeviceRegistration::SignNew() {
    const std::string owner = EncodeAddress(m_params.hrp, m_owner->PubKey());
    auto account = m_link.Call("getaccount", owner);
    if (!account) return false;
    if (account->error) {
        Note("error: getaccount " + owner + ": " + account->error->message);
        return false;
    }
    auto nonce = ParseNextNonce(account->result);
    if (!nonce) {
        Note("error: " + nonce.error().message);
        return false;
    }
    m_tx_hex = HexStr(SignRegistration(m_params, *m_owner, m_device, m_kinds, *nonce).Serialize());
    LogPrint("agent", "registering device " + m_address + " (" + FormatDeviceKinds(m_kinds) +
                          ") with owner " + owner + ": bond " + FormatMoney(m_params.device_bond) +
                          " MLN, fee " + FormatMoney(m_params.min_tx_fee) + " MLN, nonce " +
                          std::to_string(*nonce));
    return true;
}

void DeviceRegistration::Note(const std::string& message) {
    if (message == m_last_note) return;
    m_last_note = message;
    LogPrint("agent", message);
}

}  // namespace maillon
