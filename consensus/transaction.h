// Transactions, protocol v1: one signed envelope for every kind of action.
//
// Wire format (doc/protocol.md, "Transactions"):
//   version u8 (= 1) | type u8 | chain_id u32 | fee u64 | nonce u64 |
//   signer count varint | count x signer key [32] |
//   payload bytes (varint length, <= kMaxTxPayload) |
//   count x signature [64]
// The count must equal the number of roles the type declares
// (consensus/tx_type.h): signer i acts in the type's role i, and the first
// role is the payer, whose balance pays the fee and whose nonce guards against
// replay. Every signer signs the same hash,
//   SigHash() = TaggedHash("MaillonTxSig", every byte before the signatures),
// which commits to the chain id, every role's key and the payload. The id is
// TaggedHash("MaillonTxId", the whole encoding).
//
// A Transaction is immutable and always well formed: a known version and
// type, one signer per role, a payload of the type's layout, decoded once.
// Its signing hash, id and size are computed once, when it is made. It says
// nothing about validity: signatures and rules are checked by
// consensus/tx_verify.h. Copies are cheap and share the payload; any thread
// may read one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "primitives/amount.h"
#include "util/result.h"

namespace maillon {

class Reader;
class Writer;
class TxType;

inline constexpr uint8_t kTxVersion = 1;
inline constexpr size_t kMaxTxPayload = 4096;
inline constexpr size_t kMaxTxSigners = 4;
// Fixed fields, the longest signer count and payload length varints, the
// largest payload, four keys and four signatures.
inline constexpr size_t kMaxTxSize =
    1 + 1 + 4 + 8 + 8 + 1 + kMaxTxSigners * 32 + 2 + kMaxTxPayload + kMaxTxSigners * 64;

// The part a signer plays in a transaction. Declared by each type.
enum class Role : uint8_t {
    kSender,    // moves its own funds (transfer)
    kOwner,     // owns a device and pays its bond
    kDevice,    // the device's own key: proves possession
    kConsumer,  // used a device's service and pays for it in credits
    kClient,    // has a device store its data
};

// "sender", "owner", "device", "consumer", "client".
std::string_view RoleName(Role role);

// A decoded payload. Each transaction type defines its own (consensus/tx/).
class TxPayload {
public:
    virtual ~TxPayload() = default;
    // The payload's canonical encoding (without the envelope's length prefix).
    virtual void Write(Writer& w) const = 0;
};

// What a transaction is made of: fill it in, then Transaction::Make it.
struct TxFields {
    uint8_t version = kTxVersion;
    uint8_t type = 0;
    uint32_t chain_id = 0;
    Amount fee = 0;
    uint64_t nonce = 0;
    std::vector<XOnlyPubKey> signers;          // one per role of the type, in its order
    std::shared_ptr<const TxPayload> payload;  // of the type's payload class
    std::vector<SchnorrSig> signatures;        // one per signer; all zero until signed
};

class Transaction {
public:
    // Checks the shape described above (code "bad-tx-shape": unknown version
    // or type, wrong number of signers or signatures, a missing, foreign or
    // oversized payload). Empty `signatures` are filled with zeros.
    static Result<Transaction> Make(TxFields fields);

    const TxFields& Fields() const { return m_fields; }
    const TxType& Type() const { return *m_type; }
    uint8_t TypeId() const { return m_fields.type; }
    uint32_t ChainId() const { return m_fields.chain_id; }
    Amount Fee() const { return m_fields.fee; }
    uint64_t Nonce() const { return m_fields.nonce; }
    const std::vector<XOnlyPubKey>& Signers() const { return m_fields.signers; }
    const std::vector<SchnorrSig>& Signatures() const { return m_fields.signatures; }
    // The first signer: pays the fee, and its account nonce is the tx's nonce.
    const XOnlyPubKey& Payer() const { return m_fields.signers.front(); }

    // The payload as the type's own class P. P must be the payload class of
    // this transaction's type (each type's accessor, e.g. TransferOf(), is
    // the safe way in).
    template <class P>
    const P& Payload() const {
        return static_cast<const P&>(*m_fields.payload);
    }

    const Hash256& SigHash() const { return m_sighash; }
    const Hash256& Id() const { return m_id; }
    // Encoded size in bytes.
    size_t Size() const { return m_size; }
    std::vector<uint8_t> Serialize() const;

    // A copy with signer `index`'s signature made by `key` (which must be
    // that signer's key; otherwise the signature simply will not verify).
    Transaction Sign(size_t index, const PrivKey& key) const;

    bool operator==(const Transaction& other) const { return m_id == other.m_id; }

private:
    friend bool ReadTransaction(Reader& r, std::optional<Transaction>& out);
    Transaction() = default;
    TxFields m_fields;
    const TxType* m_type = nullptr;
    Hash256 m_sighash{};
    Hash256 m_id{};
    size_t m_size = 0;
};

// An unsigned transaction of a type's own making: the type's builders
// (UnsignedTransfer, ...) call this with fields that have the type's shape
// by construction, so a shape error is a bug and aborts.
Transaction MakeUnsigned(uint8_t type, uint32_t chain_id, std::vector<XOnlyPubKey> signers,
                         std::shared_ptr<const TxPayload> payload, Amount fee, uint64_t nonce);

// Decodes exactly one transaction of at most kMaxTxSize bytes: rejects
// truncation, trailing bytes, an unknown version or type, a signer count that
// is not the type's, and an oversized or malformed payload, naming the field
// and its offset.
Result<Transaction> DecodeTransaction(std::span<const uint8_t> bytes);

void WriteTransaction(Writer& w, const Transaction& tx);
// Reads one transaction from r (as part of a larger structure); false, with r
// failed at the offending field, when it does not decode.
bool ReadTransaction(Reader& r, std::optional<Transaction>& out);

}  // namespace maillon
