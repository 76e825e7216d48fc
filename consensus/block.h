// Blocks, protocol v1.
//
// Header wire format (doc/protocol.md, "Blocks"), kBlockHeaderSize bytes:
//   version u32 | chain_id u32 | height u64 | time_ms u64 | parent [32] |
//   proposer [32] | validators_hash [32] | next_validators_hash [32] |
//   last_commit_hash [32] | tx_root [32] | state_root [32]
// Hash() = TaggedHash("MaillonBlockHash", the header encoding). A header is
// not signed by its proposer: a block is final when a commit certificate of
// the set in validators_hash signs its hash (consensus/commit.h). The child
// block carries that certificate, so it is stored with the chain; the tip's
// is stored on its own.
//
// Block = header | last_commit (the parent's certificate) | varint tx count |
// transactions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "consensus/commit.h"
#include "consensus/transaction.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

inline constexpr uint32_t kBlockVersion = 1;
inline constexpr size_t kBlockHeaderSize = 4 + 4 + 8 + 8 + 7 * 32;

struct BlockHeader {
    uint32_t version = kBlockVersion;
    uint32_t chain_id = 0;
    uint64_t height = 0;
    uint64_t time_ms = 0;  // milliseconds since the Unix epoch
    Hash256 parent{};
    XOnlyPubKey proposer{};          // receives the block's fees (zero for genesis)
    Hash256 validators_hash{};       // the set that must sign this block
    Hash256 next_validators_hash{};  // the set that must sign the next one
    Hash256 last_commit_hash{};      // Hash() of the body's last_commit
    Hash256 tx_root{};               // MerkleRoot of the transaction ids
    Hash256 state_root{};            // state tree root after this block

    Hash256 Hash() const;
    std::vector<uint8_t> Serialize() const;
    bool operator==(const BlockHeader&) const = default;
};

struct Block {
    BlockHeader header;
    CommitCertificate last_commit;
    std::vector<Transaction> txs;

    Hash256 ComputeTxRoot() const;
    std::vector<uint8_t> Serialize() const;
    // Serialize().size(), from the sizes each part already knows.
    size_t EncodedSize() const;
};

// The start of a block's encoding: what proofs and the tip need, without
// decoding (and hashing) every transaction behind it.
struct BlockHead {
    BlockHeader header;
    CommitCertificate last_commit;
};

Result<BlockHeader> DecodeBlockHeader(std::span<const uint8_t> bytes);
// Decodes the header and last commit at the start of a block's encoding and
// ignores the rest (whose checks are DecodeBlock's).
Result<BlockHead> DecodeBlockHead(std::span<const uint8_t> bytes);
// max_txs bounds the count before any allocation; callers bound the byte size.
Result<Block> DecodeBlock(std::span<const uint8_t> bytes, uint64_t max_txs);

}  // namespace maillon
