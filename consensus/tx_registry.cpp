// The transaction type registry: one line per type, by ascending id.
#include <array>

#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/retire_device.h"
#include "consensus/tx/storage_deal.h"
#include "consensus/tx/storage_proof.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_type.h"

namespace maillon {

namespace {

const std::array<const TxType*, 8>& Registry() {
    static const std::array<const TxType*, 8> kTypes = {
        &TransferType(),     &RegisterDeviceType(), &BuyCreditsType(),
        &RetireDeviceType(), &HeartbeatType(),
    };
    return kTypes;
}

}  // namespace

const TxType* FindTxType(uint8_t id) {
    for (const TxType* t : Registry()) {
        if (t->Id() == id) return t;
    }
    return nullptr;
}

std::span<const TxType* const> AllTxTypes() {
    return Registry();
}

}  // namespace maillon
