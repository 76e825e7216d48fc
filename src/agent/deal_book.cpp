#include "agent/deal_book.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <utility>

#include "agent/state_file.h"
#include "consensus/chunk_tree.h"
#include "consensus/transaction.h"
#include "consensus/tx/storage_deal.h"
#include "consensus/tx/storage_proof.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr uint64_t kDealsVersion = 1;
// A record takes at most ~6 KB (a proof of a 2048-byte chunk, in hex).
constexpr size_t kMaxDealsFileSize = 64 * 1024 * 1024;

std::string Encode(const std::map<Hash256, DealRecord>& deals) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("version");
    w.Uint64(kDealsVersion);
    w.Key("deals");
    w.StartArray();
    for (const auto& [id, d] : deals) {
        w.StartObject();
        w.Key("deal");
        w.String(HexStr(d.deal).c_str());
        w.Key("data_root");
        w.String(HexStr(d.data_root).c_str());
        w.Key("size");
        w.Uint64(d.size);
        w.Key("chunk_size");
        w.Uint64(d.chunk_size);
        if (!d.tx_hex.empty()) {
            w.Key("tx");
            w.String(d.tx_hex.c_str());
        }
        if (d.signed_height) {
            w.Key("signed_height");
            w.Uint64(*d.signed_height);
        }
        if (d.proof) {
            w.Key("proof");
            w.StartObject();
            w.Key("epoch");
            w.Uint64(d.proof->epoch);
            w.Key("tx");
            w.String(d.proof->tx_hex.c_str());
            w.EndObject();
        }
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

// The proof must be one this device signed for this deal and epoch.
Status CheckProof(const ProofRecord& p, const Hash256& deal, const ChainParams& params,
                  const XOnlyPubKey& device) {
    auto bytes = ParseHex(p.tx_hex);
    if (!bytes) return StateCorrupt("a proof's \"tx\" is not hex");
    auto tx = DecodeTransaction(*bytes);
    if (!tx) return StateCorrupt("a proof's \"tx\" does not decode: " + tx.error().message);
    const StorageProofPayload* proof = StorageProofOf(*tx);
    if (proof == nullptr || tx->ChainId() != params.chain_id || tx->Payer() != device ||
        proof->deal_id != deal || proof->epoch != p.epoch) {
        return StateCorrupt("the proof of deal " + HexStr(deal) +
                            " is not this device's storage_proof of it for epoch " +
                            std::to_string(p.epoch) + " on the " + params.name + " network");
    }
    return Status::Ok();
}

// The deal's signed transaction, when known.
std::optional<Transaction> SignedDealOf(const DealRecord& d) {
    if (d.tx_hex.empty()) return std::nullopt;
    auto bytes = ParseHex(d.tx_hex);
    if (!bytes) return std::nullopt;
    auto tx = DecodeTransaction(*bytes);
    return tx ? std::optional<Transaction>(std::move(*tx)) : std::nullopt;
}

// The signed deal must be this device's storage_deal with the record's id and terms.
Status CheckSignedDeal(const DealRecord& d, const ChainParams& params, const XOnlyPubKey& device) {
    const auto tx = SignedDealOf(d);
    const StorageDealPayload* terms = tx ? StorageDealOf(*tx) : nullptr;
    if (terms == nullptr || tx->ChainId() != params.chain_id || tx->Signers()[1] != device ||
        tx->Id() != d.deal || terms->data_root != d.data_root || terms->size != d.size ||
        terms->chunk_size != d.chunk_size) {
        return StateCorrupt(
            "the \"tx\" of deal " + HexStr(d.deal) +
            " is not this device's storage_deal of that id and those terms on the " + params.name +
            " network");
    }
    return Status::Ok();
}

// The deal's own fields.
Status DecodeTerms(const rapidjson::Value& v, DealRecord& d) {
    for (const auto& [name, field] : {std::pair{"deal", &d.deal}, {"data_root", &d.data_root}}) {
        auto hash = StateHash(v, name);
        if (!hash) return hash.error();
        *field = *hash;
    }
    auto size = StateUInt(v, "size");
    if (!size) return size.error();
    auto chunk_size = StateUInt(v, "chunk_size");
    if (!chunk_size) return chunk_size.error();
    if (*chunk_size == 0 || *chunk_size > kMaxChunkSize || *size == 0)
        return StateCorrupt("deal " + HexStr(d.deal) + " has no valid size and chunk size");
    d.size = *size;
    d.chunk_size = static_cast<uint32_t>(*chunk_size);
    if (v.HasMember("signed_height")) {
        auto height = StateUInt(v, "signed_height");
        if (!height) return height.error();
        d.signed_height = *height;
    }
    return Status::Ok();
}

Result<DealRecord> DecodeDeal(const rapidjson::Value& v, const ChainParams& params,
                              const XOnlyPubKey& device) {
    if (!v.IsObject()) return StateCorrupt("a deal is not an object");
    DealRecord d;
    if (Status st = DecodeTerms(v, d); !st) return st.error();
    if (v.HasMember("tx")) {
        auto tx = StateString(v, "tx");
        if (!tx) return tx.error();
        d.tx_hex = std::move(*tx);
        if (Status st = CheckSignedDeal(d, params, device); !st) return st.error();
    }
    auto proof = v.FindMember("proof");
    if (proof == v.MemberEnd()) return d;
    if (!proof->value.IsObject()) return StateCorrupt("\"proof\" is not an object");
    auto epoch = StateUInt(proof->value, "epoch");
    if (!epoch) return epoch.error();
    auto tx = StateString(proof->value, "tx");
    if (!tx) return tx.error();
    d.proof = ProofRecord{*epoch, std::move(*tx)};
    if (Status st = CheckProof(*d.proof, d.deal, params, device); !st) return st.error();
    return d;
}

Result<std::map<Hash256, DealRecord>> Decode(const std::string& text, const ChainParams& params,
                                             const XOnlyPubKey& device) {
    auto doc = ParseStateObject(text, kDealsVersion);
    if (!doc) return doc.error();
    auto list = doc->FindMember("deals");
    if (list == doc->MemberEnd() || !list->value.IsArray())
        return StateCorrupt("\"deals\" is missing or not an array");
    std::map<Hash256, DealRecord> deals;
    for (const rapidjson::Value& v : list->value.GetArray()) {
        auto d = DecodeDeal(v, params, device);
        if (!d) return d.error();
        deals[d->deal] = std::move(*d);
    }
    return deals;
}

}  // namespace

DealRecord RecordSignedDeal(const Transaction& signed_deal, uint64_t height) {
    const StorageDealPayload& terms = *StorageDealOf(signed_deal);
    return DealRecord{signed_deal.Id(),
                      terms.data_root,
                      terms.size,
                      terms.chunk_size,
                      HexStr(signed_deal.Serialize()),
                      height,
                      std::nullopt};
}

DealBook::DealBook(std::string path, std::map<Hash256, DealRecord> deals)
    : m_path(std::move(path)), m_deals(std::move(deals)) {
    for (const auto& [id, d] : m_deals) {
        if (auto tx = SignedDealOf(d)) m_by_sighash[tx->SigHash()] = id;
    }
}

Result<std::unique_ptr<DealBook>> DealBook::Load(const std::string& path, const ChainParams& params,
                                                 const XOnlyPubKey& device) {
    auto text = ReadStateFile(path, kMaxDealsFileSize);
    if (!text) return text.error();
    std::map<Hash256, DealRecord> deals;
    if (text->has_value()) {
        auto decoded = Decode(**text, params, device);
        if (!decoded) {
            return StateCorrupt("state file " + path + " is damaged: " + decoded.error().message +
                                ". It lists the storage deals the device signed, which it must "
                                "prove each epoch; repair or restore it");
        }
        deals = std::move(*decoded);
    }
    return std::unique_ptr<DealBook>(new DealBook(path, std::move(deals)));
}

Status DealBook::Save(const std::map<Hash256, DealRecord>& deals) const {
    return WriteStateFile(m_path, Encode(deals));
}

// The book as `change` leaves it: in the file first, then in memory.
Status DealBook::Update(const std::function<void(std::map<Hash256, DealRecord>&)>& change) {
    auto next = m_deals;
    change(next);
    if (Status st = Save(next); !st) return st;
    m_deals = std::move(next);
    return Status::Ok();
}

Status DealBook::Add(const DealRecord& deal) {
    std::lock_guard lock(m_mutex);
    if (m_deals.count(deal.deal)) return MakeError("deal-known", "this deal is signed already");
    if (m_deals.size() >= kMaxDeals) {
        return MakeError(ErrorKind::kPolicy, "too-many-deals",
                         "the agent keeps " + std::to_string(kMaxDeals) + " deals at most");
    }
    if (Status st = Update([&](auto& deals) { deals[deal.deal] = deal; }); !st) return st;
    if (auto tx = SignedDealOf(deal)) m_by_sighash[tx->SigHash()] = deal.deal;
    return Status::Ok();
}

Status DealBook::SetProof(const Hash256& deal, const ProofRecord& proof) {
    std::lock_guard lock(m_mutex);
    if (!m_deals.count(deal)) return MakeError("unknown-deal", "no such deal in the book");
    return Update([&](auto& deals) { deals[deal].proof = proof; });
}

Status DealBook::Remove(const Hash256& deal) {
    std::lock_guard lock(m_mutex);
    if (!m_deals.count(deal)) return Status::Ok();
    if (Status st = Update([&](auto& deals) { deals.erase(deal); }); !st) return st;
    std::erase_if(m_by_sighash, [&](const auto& entry) { return entry.second == deal; });
    return Status::Ok();
}

std::optional<DealRecord> DealBook::FindBySigHash(const Hash256& sighash) const {
    std::lock_guard lock(m_mutex);
    auto it = m_by_sighash.find(sighash);
    if (it == m_by_sighash.end()) return std::nullopt;
    return m_deals.at(it->second);
}

bool DealBook::HasRoot(const Hash256& data_root) const {
    std::lock_guard lock(m_mutex);
    return std::any_of(m_deals.begin(), m_deals.end(),
                       [&](const auto& entry) { return entry.second.data_root == data_root; });
}

std::vector<DealRecord> DealBook::Deals() const {
    std::lock_guard lock(m_mutex);
    std::vector<DealRecord> out;
    for (const auto& [id, d] : m_deals)
        out.push_back(d);
    return out;
}

}  // namespace maillon
