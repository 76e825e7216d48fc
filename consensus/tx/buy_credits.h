// buy_credits (type 3): the buyer burns MLN for data credits, which pay for
// bandwidth and storage and cannot be transferred.
// Roles: sender (the buyer: pays the fee and the amount, receives the
// credits). Payload: amount u64 (base units to burn).
// Rules: amount > 0; amount x params.credits_per_unit fits in a u64.
// Cost: amount. Effect: the buyer's credits += amount x credits_per_unit;
// the supply's burned amount += amount.
#pragma once

#include "consensus/transaction.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kBuyCreditsTypeId = 3;

struct BuyCreditsPayload final : TxPayload {
    Amount amount = 0;

    void Write(Writer& w) const override;
    static bool Read(Reader& r, BuyCreditsPayload& p);
};

const TxType& BuyCreditsType();

// The payload when tx is a buy_credits, else nullptr.
const BuyCreditsPayload* BuyCreditsOf(const Transaction& tx);

// An unsigned purchase (sign it with Transaction::Sign(0, buyer key)).
Transaction UnsignedBuyCredits(uint32_t chain_id, const XOnlyPubKey& buyer, Amount amount,
                               Amount fee, uint64_t nonce);

}  // namespace maillon
