#include "consensus/tx/storage_deal.h"

#include <array>
#include <string>

#include "consensus/chunk_tree.h"
#include "consensus/contribution_records.h"
#include "consensus/tx/device_rules.h"
#include "consensus/tx_type.h"
#include "util/overflow.h"

namespace maillon {

namespace {

constexpr std::array<Role, 2> kRoles = {Role::kClient, Role::kDevice};
constexpr std::array<JsonField, 5> kFields = {{
    {"data_root", JsonKind::kHex, "the chunk tree root of the stored bytes"},
    {"size", JsonKind::kUInt64, "bytes stored"},
    {"chunk_size", JsonKind::kUInt64, "bytes per chunk (the last may be shorter)"},
    {"duration_epochs", JsonKind::kUInt64, "epochs the deal runs, from the next one"},
    {"price", JsonKind::kUInt64, "credits per byte and epoch"},
}};

std::optional<uint64_t> Escrow(const StorageDealPayload& p) {
    auto per_epoch = CheckedMul(p.size, p.price);
    return per_epoch ? CheckedMul(*per_epoch, p.duration_epochs) : std::nullopt;
}

class StorageDeal final : public TxTypeOf<StorageDealPayload> {
public:
    uint8_t Id() const override { return kStorageDealTypeId; }
    std::string_view Name() const override { return "storage_deal"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kMinimumFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAccountNonce; }

    Status Check(const Transaction& tx, const ChainParams& params) const override {
        const auto& p = tx.Payload<StorageDealPayload>();
        if (p.size == 0) return MakeError("zero-amount", "a deal must store at least one byte");
        if (p.chunk_size == 0 || p.chunk_size > kMaxChunkSize) {
            return MakeError("bad-chunk-size", "chunk size " + std::to_string(p.chunk_size) +
                                                   " must be 1.." + std::to_string(kMaxChunkSize));
        }
        if (ChunkCount(p.size, p.chunk_size) > kMaxDealChunks) {
            return MakeError("deal-too-large", std::to_string(ChunkCount(p.size, p.chunk_size)) +
                                                   " chunks; a deal holds at most " +
                                                   std::to_string(kMaxDealChunks));
        }
        if (p.duration_epochs == 0 || p.duration_epochs > params.max_deal_epochs) {
            return MakeError("bad-deal-duration", "duration " + std::to_string(p.duration_epochs) +
                                                      " epochs must be 1.." +
                                                      std::to_string(params.max_deal_epochs));
        }
        if (p.price == 0) return MakeError("zero-amount", "a deal's price must be positive");
        if (!Escrow(p)) {
            return MakeError("amount-overflow", "size x duration x price overflows 64 bits");
        }
        return Status::Ok();
    }
    Amount Cost(const Transaction&, const ChainParams&) const override { return 0; }

    Status Apply(const Transaction& tx, const BlockContext& ctx,
                 StateOverlay& state) const override {
        const auto& p = tx.Payload<StorageDealPayload>();
        const XOnlyPubKey& client = tx.Signers()[0];
        const XOnlyPubKey& device = tx.Signers()[1];
        auto record = ActiveDevice(state, device, kDeviceStorage);
        if (!record) return record.error();
        Status st = CheckNotSelfDealing(*record, client);
        if (!st) return st;
        const uint64_t escrow = *Escrow(p);  // Check() made sure it fits
        st = SpendCredits(state, client, escrow);
        if (!st) return st;
        Deal deal;
        deal.client = client;
        deal.device = device;
        deal.data_root = p.data_root;
        deal.size = p.size;
        deal.chunk_size = p.chunk_size;
        deal.start_epoch = ctx.Epoch() + 1;
        deal.duration_epochs = p.duration_epochs;
        deal.price = p.price;
        deal.escrow = escrow;
        return PutDeal(state, tx.Id(), deal);
    }

    std::span<const JsonField> PayloadFields() const override { return kFields; }
    void PayloadJson(const Transaction& tx, std::string_view, rapidjson::Value& out,
                     JsonAlloc& a) const override {
        const auto& p = tx.Payload<StorageDealPayload>();
        AddJsonHex(out, "data_root", p.data_root, a);
        AddJsonUInt(out, "size", p.size, a);
        AddJsonUInt(out, "chunk_size", p.chunk_size, a);
        AddJsonUInt(out, "duration_epochs", p.duration_epochs, a);
        AddJsonUInt(out, "price", p.price, a);
    }
};

}  // namespace

void StorageDealPayload::Write(Writer& w) const {
    w.Raw(data_root);
    w.U64(size);
    w.U32(chunk_size);
    w.U32(duration_epochs);
    w.U64(price);
}

bool StorageDealPayload::Read(Reader& r, StorageDealPayload& p) {
    r.Array(p.data_root, "storage_deal.data_root");
    r.U64(p.size, "storage_deal.size");
    r.U32(p.chunk_size, "storage_deal.chunk_size");
    r.U32(p.duration_epochs, "storage_deal.duration_epochs");
    return r.U64(p.price, "storage_deal.price");
}

const TxType& StorageDealType() {
    static const StorageDeal kType;
    return kType;
}

const StorageDealPayload* StorageDealOf(const Transaction& tx) {
    return tx.TypeId() == kStorageDealTypeId ? &tx.Payload<StorageDealPayload>() : nullptr;
}

Transaction UnsignedStorageDeal(uint32_t chain_id, const XOnlyPubKey& client,
                                const XOnlyPubKey& device, const StorageDealPayload& terms,
                                Amount fee, uint64_t nonce) {
    auto payload = std::make_shared<StorageDealPayload>(terms);
    return MakeUnsigned(kStorageDealTypeId, chain_id, {client, device}, std::move(payload), fee,
                        nonce);
}

}  // namespace maillon
