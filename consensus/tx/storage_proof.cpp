#include "consensus/tx/storage_proof.h"

#include <array>
#include <string>

#include "consensus/chunk_tree.h"
#include "consensus/contribution_records.h"
#include "consensus/tx/device_rules.h"
#include "consensus/tx_type.h"
#include "crypto/hash_tags.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr std::array<Role, 1> kRoles = {Role::kDevice};
constexpr std::array<JsonField, 2> kFields = {{
    {"deal", JsonKind::kHex, "the deal's id (its storage_deal's txid)"},
    {"epoch", JsonKind::kUInt64, "the epoch proven"},
}};

// The epoch and window rules for a proof of `epoch` in ctx's block.
Status CheckProofTiming(const BlockContext& ctx, const Deal& deal, uint64_t epoch) {
    if (epoch < deal.start_epoch || epoch - deal.start_epoch >= deal.duration_epochs) {
        return MakeError("deal-not-active",
                         "the deal covers epochs " + std::to_string(deal.start_epoch) + ".." +
                             std::to_string(deal.start_epoch + deal.duration_epochs - 1) +
                             ", not " + std::to_string(epoch));
    }
    const uint64_t first = epoch * ctx.params.epoch_blocks;  // epoch is the deal's: no overflow
    if (epoch > ctx.Epoch() || ctx.height == first) {
        return MakeError("proof-too-early", "the challenge of epoch " + std::to_string(epoch) +
                                                " comes from block " + std::to_string(first) +
                                                "; prove it from block " +
                                                std::to_string(first + 1));
    }
    if (epoch < ctx.Epoch() || ctx.height - first > ctx.params.storage_proof_window_blocks) {
        return MakeError("late-proof",
                         "the proof of epoch " + std::to_string(epoch) + " had to be in blocks " +
                             std::to_string(first + 1) + ".." +
                             std::to_string(first + ctx.params.storage_proof_window_blocks));
    }
    if (deal.proven_epochs > 0 && deal.last_proven == epoch) {
        return MakeError("proof-already-counted",
                         "epoch " + std::to_string(epoch) + " of this deal is proven already");
    }
    return Status::Ok();
}

class StorageProof final : public TxTypeOf<StorageProofPayload> {
public:
    uint8_t Id() const override { return kStorageProofTypeId; }
    std::string_view Name() const override { return "storage_proof"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kNoFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAttestation; }

    Status Check(const Transaction&, const ChainParams&) const override { return Status::Ok(); }
    Amount Cost(const Transaction&, const ChainParams&) const override { return 0; }

    std::vector<uint8_t> ReplayKey(const Transaction& tx, const ChainParams&) const override {
        const auto& p = tx.Payload<StorageProofPayload>();
        Writer w;
        w.U8(kStorageProofTypeId);
        w.Raw(p.deal_id);
        w.U64(p.epoch);
        return w.Take();
    }

    uint64_t LastValidHeight(const Transaction& tx, const ChainParams& params) const override {
        const auto first = CheckedMul(tx.Payload<StorageProofPayload>().epoch, params.epoch_blocks);
        return first ? SaturatingAdd(*first, params.storage_proof_window_blocks) : UINT64_MAX;
    }

    Status Apply(const Transaction& tx, const BlockContext& ctx,
                 StateOverlay& state) const override {
        const auto& p = tx.Payload<StorageProofPayload>();
        auto deal = GetDeal(state, p.deal_id);
        if (!deal) return deal.error();
        if (!deal->has_value()) {
            return MakeError("unknown-deal", "no storage deal " + HexStr(p.deal_id));
        }
        Deal& d = **deal;
        if (d.device != tx.Payer()) {
            return MakeError("not-deal-device", "deal " + HexStr(p.deal_id) +
                                                    " is with another device, " + HexStr(d.device));
        }
        auto record = ActiveDevice(state, d.device, kDeviceStorage);
        if (!record) return record.error();
        Status st = CheckProofTiming(ctx, d, p.epoch);
        if (!st) return st;
        const auto seed = ctx.RecentHash(p.epoch * ctx.params.epoch_blocks);
        if (!seed) return MakeError("ref-block-unknown", "the challenge block is not known");
        const uint64_t count = ChunkCount(d.size, d.chunk_size);
        const uint64_t index = ChallengedChunk(p.deal_id, *seed, count);
        if (!VerifyChunk(d.data_root, index, count, p.chunk, p.path)) {
            return MakeError("bad-proof",
                             "the chunk and path do not lead to the deal's root for "
                             "the challenged chunk " +
                                 std::to_string(index) + " of " + std::to_string(count));
        }
        ContributionUnits units;
        units.storage_byte_epochs = d.size;
        units.credits_burned = d.size * d.price;  // <= the escrow, which fits a u64
        d.proven_epochs += 1;
        d.last_proven = p.epoch;
        d.escrow -= units.credits_burned;
        st = PutDeal(state, p.deal_id, d);
        if (!st) return st;
        return CreditDevice(ctx, state, d.device, *record, units);
    }

    std::span<const JsonField> PayloadFields() const override { return kFields; }
    void PayloadJson(const Transaction& tx, std::string_view, rapidjson::Value& out,
                     JsonAlloc& a) const override {
        const auto& p = tx.Payload<StorageProofPayload>();
        AddJsonHex(out, "deal", p.deal_id, a);
        AddJsonUInt(out, "epoch", p.epoch, a);
    }
};

}  // namespace

void StorageProofPayload::Write(Writer& w) const {
    w.Raw(deal_id);
    w.U64(epoch);
    w.Bytes(chunk);
    w.VarInt(path.size());
    for (const Hash256& h : path)
        w.Raw(h);
}

bool StorageProofPayload::Read(Reader& r, StorageProofPayload& p) {
    r.Array(p.deal_id, "storage_proof.deal");
    r.U64(p.epoch, "storage_proof.epoch");
    const size_t chunk_at = r.Position();
    r.Bytes(p.chunk, kMaxChunkSize, "storage_proof.chunk");
    if (r.ok() && p.chunk.empty()) return r.FailAt(chunk_at, "storage_proof.chunk", "empty chunk");
    uint64_t count = 0;
    if (!r.Count(count, kMaxChunkPathLength, "storage_proof.path")) return false;
    p.path.resize(count);
    for (Hash256& h : p.path)
        r.Array(h, "storage_proof.path");
    return r.ok();
}

const TxType& StorageProofType() {
    static const StorageProof kType;
    return kType;
}

const StorageProofPayload* StorageProofOf(const Transaction& tx) {
    return tx.TypeId() == kStorageProofTypeId ? &tx.Payload<StorageProofPayload>() : nullptr;
}

uint64_t ChallengedChunk(const Hash256& deal_id, const Hash256& block_hash, uint64_t count) {
    const Hash256 h = TaggedHasher(Tag::kChallenge).Write(deal_id).Write(block_hash).Finalize();
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | h[static_cast<size_t>(i)];
    return v % count;
}

Transaction UnsignedStorageProof(uint32_t chain_id, const XOnlyPubKey& device,
                                 const Hash256& deal_id, uint64_t epoch, std::vector<uint8_t> chunk,
                                 std::vector<Hash256> path) {
    auto payload = std::make_shared<StorageProofPayload>();
    payload->deal_id = deal_id;
    payload->epoch = epoch;
    payload->chunk = std::move(chunk);
    payload->path = std::move(path);
    return MakeUnsigned(kStorageProofTypeId, chain_id, {device}, std::move(payload), 0, 0);
}

}  // namespace maillon
