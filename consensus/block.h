// Blocks: a header signed by its proposer, and the transactions.
//
// Header wire format (doc/protocol.md, "Blocks"):
//   version u32 | chain_id u32 | height u64 | parent [32] | time_ms u64 |
//   proposer [32] | tx_root [32] | state_root [32] | proposer_sig [64]
// Hash() = TaggedHash("MaillonBlockHash", all fields but the signature); the
// proposer signs that hash with BIP340. Genesis (height 0) is unsigned.
// Block = header | tx count varint | transactions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "primitives/transaction.h"
#include "util/result.h"

namespace maillon {

inline constexpr uint32_t kBlockVersion = 1;
inline constexpr size_t kBlockHeaderSize = 4 + 4 + 8 + 32 + 8 + 32 + 32 + 32 + 64;

struct BlockHeader {
    uint32_t version = kBlockVersion;
    uint32_t chain_id = 0;
    uint64_t height = 0;
    Hash256 parent{};
    uint64_t time_ms = 0;  // milliseconds since the Unix epoch
    XOnlyPubKey proposer{};
    Hash256 tx_root{};     // MerkleRoot of the transaction ids
    Hash256 state_root{};  // state tree root after applying this block
    SchnorrSig proposer_sig{};

    Hash256 Hash() const;
    std::vector<uint8_t> Serialize() const;
};

struct Block {
    BlockHeader header;
    std::vector<Transaction> txs;

    Hash256 ComputeTxRoot() const;
    std::vector<uint8_t> Serialize() const;
};

Result<BlockHeader> DecodeBlockHeader(std::span<const uint8_t> bytes);
// max_txs bounds the count before any allocation; callers bound the byte size.
Result<Block> DecodeBlock(std::span<const uint8_t> bytes, uint64_t max_txs);

}  // namespace maillon
