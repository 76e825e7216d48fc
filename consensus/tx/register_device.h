// register_device (type 2): an owner registers a device, locking the
// network's device bond from its own balance.
// Roles: owner (pays fee and bond), device (the device's key; its signature
// proves the owner holds it). Payload: kinds u8 | bond u64.
// Rules: kinds is a non-empty subset of uptime (1), bandwidth (2), storage
// (4); bond equals params.device_bond; the device is not registered yet.
// Cost: bond. Effect: a device record {owner, kinds, bond, height} under the
// device's key; the supply's locked amount += bond.
#pragma once

#include "consensus/transaction.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kRegisterDeviceTypeId = 2;

struct RegisterDevicePayload final : TxPayload {
    uint8_t kinds = 0;
    Amount bond = 0;

    void Write(Writer& w) const override;
    static bool Read(Reader& r, RegisterDevicePayload& p);
};

const TxType& RegisterDeviceType();

// The payload when tx is a register_device, else nullptr.
const RegisterDevicePayload* RegisterDeviceOf(const Transaction& tx);

// An unsigned registration: sign role 0 with the owner's key and role 1 with
// the device's (Transaction::Sign).
Transaction UnsignedRegisterDevice(uint32_t chain_id, const XOnlyPubKey& owner,
                                   const XOnlyPubKey& device, uint8_t kinds, Amount bond,
                                   Amount fee, uint64_t nonce);

}  // namespace maillon
