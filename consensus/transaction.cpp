#include "primitives/transaction.h"

#include "serialize/codec.h"

namespace maillon {

namespace {

void WriteUnsigned(Writer& w, const Transaction& tx) {
    w.U8(static_cast<uint8_t>(tx.type));
    w.U32(tx.chain_id);
    w.Raw(tx.sender);
    w.U64(tx.nonce);
    w.U64(tx.fee);
    w.Bytes(tx.payload);
}

bool ReadTransfer(Reader& r, TransferPayload& p) {
    r.Array(p.to, "transfer.to");
    r.U64(p.amount, "transfer.amount");
    return r.Finish("transfer payload");
}

// Checks the payload layout of a known type, which starts at byte `base` of
// what `r` reads; false (with r failed at the payload's bad field) otherwise.
bool CheckPayload(Reader& r, TxType type, std::span<const uint8_t> payload, size_t base) {
    Reader inner(payload);
    switch (type) {
        case TxType::kTransfer: {
            TransferPayload p;
            ReadTransfer(inner, p);
            return r.Adopt(inner, base);
        }
    }
    return r.Fail("tx.type", "unknown transaction type");
}

}  // namespace

std::vector<uint8_t> SerializeTransfer(const TransferPayload& p) {
    Writer w;
    w.Raw(p.to);
    w.U64(p.amount);
    return w.Take();
}

Result<TransferPayload> DecodeTransfer(std::span<const uint8_t> payload) {
    Reader r(payload);
    TransferPayload p;
    if (!ReadTransfer(r, p)) return r.GetError();
    return p;
}

void WriteTransaction(Writer& w, const Transaction& tx) {
    WriteUnsigned(w, tx);
    w.Raw(tx.signature);
}

bool ReadTransaction(Reader& r, Transaction& tx) {
    const size_t type_pos = r.Position();
    uint8_t type = 0;
    if (r.U8(type, "tx.type") && type != static_cast<uint8_t>(TxType::kTransfer)) {
        r.FailAt(type_pos, "tx.type",
                 "unknown transaction type " + std::to_string(type) + " (known: 1 = transfer)");
    }
    tx.type = static_cast<TxType>(type);
    r.U32(tx.chain_id, "tx.chain_id");
    r.Array(tx.sender, "tx.sender");
    r.U64(tx.nonce, "tx.nonce");
    r.U64(tx.fee, "tx.fee");
    r.Bytes(tx.payload, kMaxTxPayload, "tx.payload");
    if (r.ok()) CheckPayload(r, tx.type, tx.payload, r.Position() - tx.payload.size());
    r.Array(tx.signature, "tx.signature");
    return r.ok();
}

Result<Transaction> DecodeTransaction(std::span<const uint8_t> bytes) {
    if (bytes.size() > kMaxTxSize) {
        return MakeError("decode-error", "transaction is " + std::to_string(bytes.size()) +
                                             " bytes, the limit is " + std::to_string(kMaxTxSize));
    }
    Reader r(bytes);
    Transaction tx;
    ReadTransaction(r, tx);
    if (!r.Finish()) return r.GetError();
    return tx;
}

Hash256 Transaction::SigHash() const {
    Writer w;
    WriteUnsigned(w, *this);
    return TaggedHash("MaillonTxSig", w.Data());
}

Hash256 Transaction::Id() const {
    return TaggedHash("MaillonTxId", Serialize());
}

std::vector<uint8_t> Transaction::Serialize() const {
    Writer w;
    WriteTransaction(w, *this);
    return w.Take();
}

void Transaction::Sign(const PrivKey& key) {
    signature = key.Sign(SigHash());
}

std::string TxTypeName(TxType type) {
    switch (type) {
        case TxType::kTransfer:
            return "transfer";
    }
    return "unknown";
}

}  // namespace maillon
