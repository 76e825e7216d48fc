// The transaction type table: everything the node knows about one type of
// transaction sits in one TxType, defined in one file under consensus/tx/ and
// listed by one line of the registry (consensus/tx_registry.cpp). Generic
// code (decoding, validity, the mempool, blocks, RPC) asks the table and
// never switches on a type. doc/developer-notes.md, "How to add a transaction
// type", is the checklist.
//
// Each entry declares:
//   - its id (the envelope's type byte) and name;
//   - its roles: one signer each, in order; the first is the payer;
//   - its fee policy and replay policy (nonce-ordered, or an attestation);
//   - its payload codec, and the stateless rules of the payload;
//   - its cost: base units it takes from the payer besides the fee;
//   - its state transition, given the block context, and whom it credits;
//   - its JSON: the payload's members, described (for help and result
//     checks) and written.
// Entries are immutable singletons: every thread may use them.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "consensus/block_context.h"
#include "consensus/params.h"
#include "consensus/state.h"
#include "consensus/transaction.h"
#include "serialize/codec.h"
#include "util/result.h"

namespace maillon {

enum class FeePolicy : uint8_t {
    kMinimumFee,  // fee >= params.min_tx_fee, paid to the block's proposer
    kNoFee,       // fee == 0: attestations, bounded by their replay and rate rules instead
};

enum class ReplayPolicy : uint8_t {
    kAccountNonce,  // nonce == the payer's account nonce, which the tx increments
    // nonce == 0 and no account is touched: the type's own state rules accept
    // each ReplayKey() at most once (e.g. one heartbeat per device and
    // interval). Such a transaction is an attestation: it has its own room
    // in a block and its own lane in the mempool. Its payer (first role) is
    // the device that attests, and its cost must be 0.
    kAttestation,
};

// How a payload member appears in JSON.
enum class JsonKind : uint8_t {
    kAddress,  // an x-only key as this network's address
    kAmount,   // base units, a JSON integer
    kUInt64,   // a JSON integer
    kHex,      // bytes (a hash), as a lower-case hex string
};

struct JsonField {
    std::string_view name;
    JsonKind kind;
    std::string_view help;
};

using JsonAlloc = rapidjson::Document::AllocatorType;

class TxType {
public:
    virtual ~TxType() = default;

    virtual uint8_t Id() const = 0;
    virtual std::string_view Name() const = 0;
    virtual std::span<const Role> Roles() const = 0;
    virtual FeePolicy Fees() const = 0;
    virtual ReplayPolicy Replay() const = 0;

    // True when p is this type's payload class.
    virtual bool IsPayload(const TxPayload& p) const = 0;
    // Reads this type's payload from r (the caller checks that nothing is
    // left); nullptr, with r failed at the bad field, when it does not decode.
    virtual std::shared_ptr<const TxPayload> ReadPayload(Reader& r) const = 0;

    // The payload's own stateless rules; the envelope's (chain id, fee,
    // overflow, distinct signers) are checked by CheckTransaction.
    virtual Status Check(const Transaction& tx, const ChainParams& params) const = 0;
    // Base units taken from the payer's balance besides the fee.
    virtual Amount Cost(const Transaction& tx, const ChainParams& params) const = 0;
    // The type's state change. ApplyTransaction has already taken the fee
    // and the cost from the payer and advanced its nonce; on error the caller
    // discards `state`.
    virtual Status Apply(const Transaction& tx, const BlockContext& ctx,
                         StateOverlay& state) const = 0;

    // kAttestation types: the identity the rules accept at most once; the
    // mempool holds at most one pending attestation per key. Empty for
    // other types.
    virtual std::vector<uint8_t> ReplayKey(const Transaction&, const ChainParams&) const {
        return {};
    }
    // kAttestation types: the last block height at which the rules can
    // still accept it (its window), so that the mempool can drop it after;
    // UINT64_MAX when there is none.
    virtual uint64_t LastValidHeight(const Transaction&, const ChainParams&) const {
        return UINT64_MAX;
    }

    // Accounts the transaction credits with base units, and how many: what
    // an address's history lists as received. None by default.
    virtual std::vector<std::pair<XOnlyPubKey, Amount>> Credits(const Transaction&) const {
        return {};
    }

    virtual std::span<const JsonField> PayloadFields() const = 0;
    // Adds PayloadFields() to `out` (an object), addresses with prefix `hrp`.
    virtual void PayloadJson(const Transaction& tx, std::string_view hrp, rapidjson::Value& out,
                             JsonAlloc& a) const = 0;
};

inline bool IsAttestation(const TxType& type) {
    return type.Replay() == ReplayPolicy::kAttestation;
}

// The codec and payload-class part of a TxType whose payload class is P,
// which provides `static bool Read(Reader&, P&)` and `void Write(Writer&)`.
template <class P>
class TxTypeOf : public TxType {
public:
    bool IsPayload(const TxPayload& p) const final { return dynamic_cast<const P*>(&p) != nullptr; }
    std::shared_ptr<const TxPayload> ReadPayload(Reader& r) const final {
        auto p = std::make_shared<P>();
        if (!P::Read(r, *p)) return nullptr;
        return p;
    }
};

// Helpers for PayloadJson: add one member to an object.
void AddJsonUInt(rapidjson::Value& out, std::string_view name, uint64_t value, JsonAlloc& a);
void AddJsonAddress(rapidjson::Value& out, std::string_view name, const XOnlyPubKey& key,
                    std::string_view hrp, JsonAlloc& a);
void AddJsonHex(rapidjson::Value& out, std::string_view name, std::span<const uint8_t> bytes,
                JsonAlloc& a);

// The registry: the type with this id, or nullptr.
const TxType* FindTxType(uint8_t id);
// Every known type, by ascending id.
std::span<const TxType* const> AllTxTypes();

}  // namespace maillon
