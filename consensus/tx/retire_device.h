// retire_device (type 4): the owner retires a device, and later takes its
// bond back.
// Roles: owner (pays the fee; the device key need not sign: it may be lost).
// Payload: device [32].
// Rules: the device is registered and the payer is its owner.
// Effect, in two steps with the same transaction type:
//  - on an active device: a retirement record {retired_height} (tag 6); the
//    device earns nothing from this transaction on (an attestation after it
//    in the same block is refused);
//  - on a retired device, at least params.device_unbond_blocks after its
//    retirement: the bond returns to the owner's balance, the supply's
//    locked amount -= bond, and both records are deleted (the key may be
//    registered again). Earlier: "bond-still-locked".
// Cost: 0.
#pragma once

#include "consensus/transaction.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kRetireDeviceTypeId = 4;

struct RetireDevicePayload final : TxPayload {
    XOnlyPubKey device{};

    void Write(Writer& w) const override;
    static bool Read(Reader& r, RetireDevicePayload& p);
};

const TxType& RetireDeviceType();

// The payload when tx is a retire_device, else nullptr.
const RetireDevicePayload* RetireDeviceOf(const Transaction& tx);

// An unsigned retirement (sign it with Transaction::Sign(0, owner key)).
Transaction UnsignedRetireDevice(uint32_t chain_id, const XOnlyPubKey& owner,
                                 const XOnlyPubKey& device, Amount fee, uint64_t nonce);

}  // namespace maillon
