// storage_proof (type 8, an attestation): in an epoch of its deal, the device
// proves it still holds the chunk the chain challenges it for.
// Roles: device (pays nothing). Payload: deal_id [32] | epoch u64 |
// chunk (bytes, 1..kMaxChunkSize) | path count (varint, <= 20) x [32].
// The challenged chunk of epoch e is ChallengedChunk(deal_id, hash of block
// e x epoch_blocks, chunk count): that block is made in the epoch itself,
// so the device cannot know the index before the epoch starts.
// Rules: the deal exists ("unknown-deal") and names this device
// ("not-deal-device"); the device is registered, not retired and offers
// storage; epoch is one of the deal's ("deal-not-active"); the including
// block is in epoch e, after its first block and at most
// params.storage_proof_window_blocks into it ("late-proof" after the window
// or for a past epoch, "proof-too-early" for the first block or a later
// epoch); no proof was accepted for this deal and epoch
// ("proof-already-counted"); the chunk and path lead to the deal's root at
// the challenged index ("bad-proof").
// Effect: the deal counts the epoch as proven and burns size x price credits
// from its escrow; the device's contribution for the epoch gains size
// byte-epochs and those credits, as do the epoch's totals.
// Replay key: (deal, epoch).
#pragma once

#include <vector>

#include "consensus/transaction.h"
#include "crypto/hash.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kStorageProofTypeId = 8;

struct StorageProofPayload final : TxPayload {
    Hash256 deal_id{};
    uint64_t epoch = 0;
    std::vector<uint8_t> chunk;
    std::vector<Hash256> path;

    void Write(Writer& w) const override;
    static bool Read(Reader& r, StorageProofPayload& p);
};

const TxType& StorageProofType();

const StorageProofPayload* StorageProofOf(const Transaction& tx);

// The index of the challenged chunk: the first 8 bytes of
// TaggedHash("MaillonStorageChallenge", deal_id || block_hash), as a
// little-endian u64, modulo count (count >= 1).
uint64_t ChallengedChunk(const Hash256& deal_id, const Hash256& block_hash, uint64_t count);

// An unsigned proof (sign it with Transaction::Sign(0, device key)).
Transaction UnsignedStorageProof(uint32_t chain_id, const XOnlyPubKey& device,
                                 const Hash256& deal_id, uint64_t epoch, std::vector<uint8_t> chunk,
                                 std::vector<Hash256> path);

}  // namespace maillon
