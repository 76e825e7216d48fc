#include "chain/address_index.h"

#include <map>

#include "consensus/tx_type.h"
#include "serialize/codec.h"

namespace maillon {

namespace {

constexpr char kPrefix = 'a';
constexpr size_t kKeySize = 1 + 32 + 8 + 4;

void PutBigEndian(std::string& out, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetBigEndian(std::string_view in, size_t pos, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = (v << 8) | static_cast<uint8_t>(in[pos + static_cast<size_t>(i)]);
    return v;
}

void Put(leveldb::WriteBatch& batch, const XOnlyPubKey& address, uint64_t height, uint32_t index,
         const HistoryEntry& e) {
    Writer w;
    w.Raw(e.id);
    w.U8(e.type);
    w.U8(static_cast<uint8_t>(e.kind));
    w.U64(e.amount);
    w.U64(e.fee);
    const std::vector<uint8_t>& v = w.Data();
    batch.Put(AddressIndexKey(address, height, index),
              leveldb::Slice(reinterpret_cast<const char*>(v.data()), v.size()));
}

}  // namespace

std::string_view HistoryKindName(HistoryKind kind) {
    switch (kind) {
        case HistoryKind::kSent:
            return "sent";
        case HistoryKind::kReceived:
            return "received";
        case HistoryKind::kSelf:
            return "self";
        case HistoryKind::kSigned:
            return "signed";
        case HistoryKind::kProposerFees:
            return "proposer-fees";
    }
    return "";
}

std::string AddressIndexPrefix(const XOnlyPubKey& address) {
    std::string k(1, kPrefix);
    k.append(reinterpret_cast<const char*>(address.data()), address.size());
    return k;
}

std::string AddressIndexKey(const XOnlyPubKey& address, uint64_t height, uint32_t index) {
    std::string k = AddressIndexPrefix(address);
    PutBigEndian(k, height, 8);
    PutBigEndian(k, index, 4);
    return k;
}

void AddToAddressIndex(const Block& block, const Hash256& hash, const ChainParams& params,
                       leveldb::WriteBatch& batch) {
    const uint64_t height = block.header.height;
    Amount fees = 0;
    for (size_t i = 0; i < block.txs.size(); ++i) {
        const Transaction& tx = block.txs[i];
        // One record per address, however many parts it plays.
        std::map<XOnlyPubKey, HistoryEntry> touched;
        auto entry = [&](const XOnlyPubKey& who, HistoryKind kind) -> HistoryEntry& {
            auto [it, fresh] = touched.try_emplace(who);
            if (fresh) {
                it->second.id = tx.Id();
                it->second.type = tx.TypeId();
                it->second.kind = kind;
            }
            return it->second;
        };
        HistoryEntry& payer = entry(tx.Payer(), HistoryKind::kSent);
        payer.amount = tx.Type().Cost(tx, params);
        payer.fee = tx.Fee();
        for (size_t s = 1; s < tx.Signers().size(); ++s)
            entry(tx.Signers()[s], HistoryKind::kSigned);
        for (const auto& [to, amount] : tx.Type().Credits(tx)) {
            HistoryEntry& e = entry(to, HistoryKind::kReceived);
            if (e.kind == HistoryKind::kSent) {
                e.kind = HistoryKind::kSelf;
                e.amount = 0;
            } else if (e.kind == HistoryKind::kSigned) {
                e.kind = HistoryKind::kReceived;
            }
            e.amount += amount;  // a block's amounts were checked against overflow
        }
        for (const auto& [who, e] : touched)
            Put(batch, who, height, static_cast<uint32_t>(i), e);
        fees += tx.Fee();
    }
    if (fees > 0) {
        HistoryEntry e;
        e.id = hash;
        e.kind = HistoryKind::kProposerFees;
        e.amount = fees;
        Put(batch, block.header.proposer, height, kFeesIndex, e);
    }
}

Result<HistoryEntry> DecodeHistoryEntry(std::string_view key, std::string_view value) {
    auto bad = [] {
        return MakeError(ErrorKind::kCorruption, "bad-index-record",
                         "an address index record does not decode");
    };
    if (key.size() != kKeySize || key[0] != kPrefix) return bad();
    HistoryEntry e;
    e.height = GetBigEndian(key, 33, 8);
    e.index = static_cast<uint32_t>(GetBigEndian(key, 41, 4));
    Reader r({reinterpret_cast<const uint8_t*>(value.data()), value.size()});
    uint8_t kind = 0;
    r.Array(e.id, "id");
    r.U8(e.type, "type");
    r.U8(kind, "kind");
    r.U64(e.amount, "amount");
    r.U64(e.fee, "fee");
    if (!r.Finish() || kind < 1 || kind > 5) return bad();
    e.kind = static_cast<HistoryKind>(kind);
    return e;
}

}  // namespace maillon
