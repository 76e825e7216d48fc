// storage_deal (type 7): a client has a device store its (encrypted) data
// for a number of epochs, paying in data credits as the deal runs.
// Roles: client (pays the fee and the credits), device (agrees to store).
// Payload: data_root [32] (the chunk tree root, doc/protocol.md §6.5) |
// size u64 (bytes stored) | chunk_size u32 | duration_epochs u32 |
// price u64 (credits per byte and epoch).
// Rules: size > 0; 1 <= chunk_size <= kMaxChunkSize; at most kMaxDealChunks
// chunks ("deal-too-large"); 1 <= duration_epochs <= params.max_deal_epochs
// ("bad-deal-duration"); price > 0 ("zero-amount"); size x duration x price
// fits a u64 ("amount-overflow"); the device is registered, not retired and
// offers storage; the client is not its owner ("self-dealing"); the client
// has size x duration x price credits ("insufficient-credits").
// Effect: those credits leave the client's account into the deal's escrow; a
// deal record under the transaction's id, starting at the epoch after the
// including block's. Each epoch's share (size x price) is burned when that
// epoch's storage_proof is accepted; the share of an epoch without one is
// never burned for the device, and stays in the escrow (it is not refunded).
// Cost: 0 base units (the fee only).
#pragma once

#include "consensus/transaction.h"
#include "crypto/hash.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kStorageDealTypeId = 7;

struct StorageDealPayload final : TxPayload {
    Hash256 data_root{};
    uint64_t size = 0;
    uint32_t chunk_size = 0;
    uint32_t duration_epochs = 0;
    uint64_t price = 0;

    void Write(Writer& w) const override;
    static bool Read(Reader& r, StorageDealPayload& p);
};

const TxType& StorageDealType();

const StorageDealPayload* StorageDealOf(const Transaction& tx);

// An unsigned deal; the client signs it at index 0 and the device at 1.
Transaction UnsignedStorageDeal(uint32_t chain_id, const XOnlyPubKey& client,
                                const XOnlyPubKey& device, const StorageDealPayload& terms,
                                Amount fee, uint64_t nonce);

}  // namespace maillon
