#include "consensus/transaction.h"

#include <cstdlib>
#include <string>

#include "consensus/tx_type.h"
#include "crypto/hash_tags.h"
#include "serialize/codec.h"

namespace maillon {

namespace {

Error BadShape(const std::string& why) {
    return MakeError("bad-tx-shape", "malformed transaction: " + why);
}

std::string KnownTypes() {
    std::string out;
    for (const TxType* t : AllTxTypes()) {
        if (!out.empty()) out += ", ";
        out += std::to_string(t->Id()) + " = " + std::string(t->Name());
    }
    return out;
}

// "transfer is signed in 1 role (sender), got 2 signers".
std::string SignerMismatch(const TxType& type, uint64_t got) {
    std::string roles;
    for (Role role : type.Roles()) {
        if (!roles.empty()) roles += ", ";
        roles += RoleName(role);
    }
    return std::string(type.Name()) + " is signed in " + std::to_string(type.Roles().size()) +
           (type.Roles().size() == 1 ? " role (" : " roles (") + roles + "), got " +
           std::to_string(got) + (got == 1 ? " signer" : " signers");
}

// Everything before the signatures.
void WriteUnsigned(Writer& w, const TxFields& f, std::span<const uint8_t> payload) {
    w.U8(f.version);
    w.U8(f.type);
    w.U32(f.chain_id);
    w.U64(f.fee);
    w.U64(f.nonce);
    w.VarInt(f.signers.size());
    for (const XOnlyPubKey& k : f.signers)
        w.Raw(k);
    w.Bytes(payload);
}

}  // namespace

std::string_view RoleName(Role role) {
    switch (role) {
        case Role::kSender:
            return "sender";
        case Role::kOwner:
            return "owner";
        case Role::kDevice:
            return "device";
        case Role::kConsumer:
            return "consumer";
        case Role::kClient:
            return "client";
    }
    return "unknown";
}

Result<Transaction> Transaction::Make(TxFields fields) {
    if (fields.version != kTxVersion) {
        return BadShape("version " + std::to_string(fields.version) + ", this node knows " +
                        std::to_string(kTxVersion));
    }
    const TxType* type = FindTxType(fields.type);
    if (!type) {
        return BadShape("unknown type " + std::to_string(fields.type) + " (known: " + KnownTypes() +
                        ")");
    }
    if (fields.signers.size() != type->Roles().size()) {
        return BadShape(SignerMismatch(*type, fields.signers.size()));
    }
    if (fields.signatures.empty()) fields.signatures.resize(fields.signers.size());
    if (fields.signatures.size() != fields.signers.size()) {
        return BadShape(std::to_string(fields.signatures.size()) + " signatures for " +
                        std::to_string(fields.signers.size()) + " signers");
    }
    if (!fields.payload || !type->IsPayload(*fields.payload)) {
        return BadShape("the payload is not a " + std::string(type->Name()) + " payload");
    }
    Writer payload;
    fields.payload->Write(payload);
    if (payload.Data().size() > kMaxTxPayload) {
        return BadShape("payload is " + std::to_string(payload.Data().size()) +
                        " bytes, the limit is " + std::to_string(kMaxTxPayload));
    }
    Writer w;
    WriteUnsigned(w, fields, payload.Data());
    Transaction tx;
    tx.m_sighash = TaggedHash(Tag::kTxSig, w.Data());
    for (const SchnorrSig& s : fields.signatures)
        w.Raw(s);
    tx.m_id = TaggedHash(Tag::kTxId, w.Data());
    tx.m_size = w.Data().size();
    tx.m_type = type;
    tx.m_fields = std::move(fields);
    return tx;
}

Transaction MakeUnsigned(uint8_t type, uint32_t chain_id, std::vector<XOnlyPubKey> signers,
                         std::shared_ptr<const TxPayload> payload, Amount fee, uint64_t nonce) {
    TxFields f;
    f.type = type;
    f.chain_id = chain_id;
    f.fee = fee;
    f.nonce = nonce;
    f.signers = std::move(signers);
    f.payload = std::move(payload);
    auto tx = Transaction::Make(std::move(f));
    if (!tx) std::abort();
    return std::move(*tx);
}

std::vector<uint8_t> Transaction::Serialize() const {
    Writer w;
    WriteTransaction(w, *this);
    return w.Take();
}

Transaction Transaction::Sign(size_t index, const PrivKey& key) const {
    Transaction out = *this;
    out.m_fields.signatures.at(index) = key.Sign(m_sighash);
    // The signatures are part of the id and of nothing else.
    Writer w;
    WriteTransaction(w, out);
    out.m_id = TaggedHash(Tag::kTxId, w.Data());
    return out;
}

void WriteTransaction(Writer& w, const Transaction& tx) {
    Writer payload;
    tx.Fields().payload->Write(payload);
    WriteUnsigned(w, tx.Fields(), payload.Data());
    for (const SchnorrSig& s : tx.Signatures())
        w.Raw(s);
}

bool ReadTransaction(Reader& r, std::optional<Transaction>& out) {
    const size_t start = r.Position();
    TxFields f;
    if (r.U8(f.version, "tx.version") && f.version != kTxVersion) {
        return r.FailAt(start, "tx.version",
                        "unknown transaction version " + std::to_string(f.version) +
                            " (this node knows " + std::to_string(kTxVersion) + ")");
    }
    const size_t type_pos = r.Position();
    const TxType* type = nullptr;
    if (r.U8(f.type, "tx.type") && !(type = FindTxType(f.type))) {
        return r.FailAt(type_pos, "tx.type",
                        "unknown transaction type " + std::to_string(f.type) +
                            " (known: " + KnownTypes() + ")");
    }
    r.U32(f.chain_id, "tx.chain_id");
    r.U64(f.fee, "tx.fee");
    r.U64(f.nonce, "tx.nonce");
    const size_t count_pos = r.Position();
    uint64_t count = 0;
    if (r.Count(count, kMaxTxSigners, "tx.signer_count") && count != type->Roles().size()) {
        return r.FailAt(count_pos, "tx.signer_count", SignerMismatch(*type, count));
    }
    f.signers.resize(r.ok() ? count : 0);
    for (XOnlyPubKey& k : f.signers)
        r.Array(k, "tx.signer");
    std::span<const uint8_t> payload;
    if (r.BytesView(payload, kMaxTxPayload, "tx.payload")) {
        Reader inner(payload);
        f.payload = type->ReadPayload(inner);
        if (f.payload) {
            inner.Finish((std::string(type->Name()) + " payload").c_str());
        } else if (inner.ok()) {
            inner.Fail("tx.payload", "does not decode");
        }
        r.Adopt(inner, r.Position() - payload.size());
    }
    const size_t sig_pos = r.Position();
    f.signatures.resize(f.signers.size());
    for (SchnorrSig& s : f.signatures)
        r.Array(s, "tx.signature");
    if (!r.ok()) return false;

    Transaction tx;
    tx.m_sighash = TaggedHash(Tag::kTxSig, r.Slice(start, sig_pos));
    tx.m_id = TaggedHash(Tag::kTxId, r.Slice(start, r.Position()));
    tx.m_size = r.Position() - start;
    tx.m_type = type;
    tx.m_fields = std::move(f);
    out = std::move(tx);
    return true;
}

Result<Transaction> DecodeTransaction(std::span<const uint8_t> bytes) {
    if (bytes.size() > kMaxTxSize) {
        return MakeError("decode-error", "tx: " + std::to_string(bytes.size()) +
                                             " bytes, the limit is " + std::to_string(kMaxTxSize) +
                                             " (at byte " + std::to_string(kMaxTxSize) + ")");
    }
    Reader r(bytes);
    std::optional<Transaction> tx;
    ReadTransaction(r, tx);
    if (!r.Finish()) return r.GetError();
    return std::move(*tx);
}

}  // namespace maillon
