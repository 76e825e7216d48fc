// transfer (type 1): the sender moves `amount` base units to `to`.
// Roles: sender. Payload: to [32] | amount u64.
// Rules: amount > 0; to is not the sender and is a curve point. Cost: amount.
// Effect: to's balance += amount.
#pragma once

#include "consensus/transaction.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kTransferTypeId = 1;

struct TransferPayload final : TxPayload {
    XOnlyPubKey to{};
    Amount amount = 0;

    void Write(Writer& w) const override;
    static bool Read(Reader& r, TransferPayload& p);
};

const TxType& TransferType();

// The payload when tx is a transfer, else nullptr.
const TransferPayload* TransferOf(const Transaction& tx);

// An unsigned transfer (sign it with Transaction::Sign(0, sender key)).
Transaction UnsignedTransfer(uint32_t chain_id, const XOnlyPubKey& sender, const XOnlyPubKey& to,
                             Amount amount, Amount fee, uint64_t nonce);

}  // namespace maillon
