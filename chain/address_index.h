// The address index: for each address, every transaction that touches it and
// every block whose fees it earned as proposer, so that a wallet can list an
// address's history, newest first, without scanning the chain.
//
// Records (written with their block's batch, rebuilt by -reindex):
//   "a" + address [32] + height (u64 big-endian) + index (u32 big-endian)
//     -> id [32] | tx type u8 | kind u8 | amount u64 | fee u64 (little-endian)
// index is the transaction's position in the block, or kFeesIndex for the
// block's fees (id: the block hash, type 0, fee 0). The key order is the
// chain's order, so reading backwards from a cursor is newest first, and a
// page costs what it returns.
#pragma once

#include <leveldb/write_batch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/block.h"
#include "consensus/params.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

enum class HistoryKind : uint8_t {
    kSent = 1,          // the payer: amount is what left its balance besides the fee
    kReceived = 2,      // credited with `amount` by someone else's transaction
    kSelf = 3,          // payer and credited: amount is the credit, the fee was paid
    kSigned = 4,        // a co-signer (e.g. a device) whose balance did not change
    kProposerFees = 5,  // the block's fees, earned as its proposer
};

// "sent", "received", "self", "signed", "proposer-fees".
std::string_view HistoryKindName(HistoryKind kind);

inline constexpr uint32_t kFeesIndex = 0xffffffff;

struct HistoryEntry {
    uint64_t height = 0;
    uint32_t index = 0;
    Hash256 id{};  // txid, or the block hash for kProposerFees
    uint8_t type = 0;
    HistoryKind kind = HistoryKind::kSent;
    Amount amount = 0;
    Amount fee = 0;
};

std::string AddressIndexPrefix(const XOnlyPubKey& address);
std::string AddressIndexKey(const XOnlyPubKey& address, uint64_t height, uint32_t index);

// Puts the index records of `block` (whose hash is `hash`) into `batch`.
void AddToAddressIndex(const Block& block, const Hash256& hash, const ChainParams& params,
                       leveldb::WriteBatch& batch);

// Decodes one record; code "bad-index-record" when it does not.
Result<HistoryEntry> DecodeHistoryEntry(std::string_view key, std::string_view value);

}  // namespace maillon
