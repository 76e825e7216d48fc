// The transaction type registry: one line per type, by ascending id.
#include <array>

#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/claim_rewards.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/retire_device.h"
#include "consensus/tx/storage_deal.h"
#include "consensus/tx/storage_proof.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_type.h"

namespace maillon {

namespace {

// std::to_array sizes the table by its lines: no slot can be left empty.
const auto& Registry() {
    static const auto kTypes = std::to_array<const TxType*>({
        &TransferType(),
        &RegisterDeviceType(),
        &BuyCreditsType(),
        &RetireDeviceType(),
        &HeartbeatType(),
        &BandwidthReceiptType(),
        &StorageDealType(),
        &StorageProofType(),
        &ClaimRewardsType(),
    });
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
