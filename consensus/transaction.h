// Transactions: one signed envelope for every kind of action on the chain.
//
// Wire format (doc/protocol.md, "Transactions"):
//   type u8 | chain_id u32 | sender [32] | nonce u64 | fee u64 |
//   payload bytes (varint length, <= kMaxTxPayload) | signature [64]
// The payload's layout depends on the type; DecodeTransaction checks that
// it decodes for the declared type, so a decoded Transaction always has a
// well-formed payload. The signature is BIP340 by `sender` over SigHash():
// TaggedHash("MaillonTxSig", everything before the signature). The id is
// TaggedHash("MaillonTxId", the whole encoding).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "primitives/amount.h"
#include "util/result.h"

namespace maillon {

enum class TxType : uint8_t {
    kTransfer = 1,
};

inline constexpr size_t kMaxTxPayload = 4096;
inline constexpr size_t kMaxTxSize = 1 + 4 + 32 + 8 + 8 + 3 + kMaxTxPayload + 64;

// Payload of a transfer: recipient [32] | amount u64.
struct TransferPayload {
    XOnlyPubKey to{};
    Amount amount = 0;
};

std::vector<uint8_t> SerializeTransfer(const TransferPayload& p);
Result<TransferPayload> DecodeTransfer(std::span<const uint8_t> payload);

struct Transaction {
    TxType type = TxType::kTransfer;
    uint32_t chain_id = 0;
    XOnlyPubKey sender{};
    uint64_t nonce = 0;
    Amount fee = 0;
    std::vector<uint8_t> payload;
    SchnorrSig signature{};

    Hash256 SigHash() const;
    Hash256 Id() const;
    std::vector<uint8_t> Serialize() const;
    // Fills `signature`; the key must be the sender's.
    void Sign(const PrivKey& key);
};

// Decodes exactly one transaction: rejects truncation, trailing bytes, an
// unknown type, an oversized or malformed payload.
Result<Transaction> DecodeTransaction(std::span<const uint8_t> bytes);

std::string TxTypeName(TxType type);

class Writer;
class Reader;
void WriteTransaction(Writer& w, const Transaction& tx);
bool ReadTransaction(Reader& r, Transaction& tx);

}  // namespace maillon
