#include "consensus/reward_records.h"

#include "consensus/record_io.h"
#include "consensus/validator_set.h"
#include "serialize/codec.h"
#include "util/overflow.h"

namespace maillon {

namespace {

Hash256 EpochKey(RecordTag tag, uint64_t epoch) {
    Writer id;
    id.U64(epoch);
    return StateKey(tag, id.Data());
}

void WriteAmounts(Writer& w, std::span<const uint64_t, kPoolCount> values) {
    for (uint64_t v : values)
        w.U64(v);
}

void ReadAmounts(Reader& r, std::span<uint64_t, kPoolCount> values, const char* field) {
    for (uint64_t& v : values)
        r.U64(v, field);
}

// A record that is one version byte and one u64.
struct EpochNumber {
    uint64_t epoch = 0;
    std::vector<uint8_t> Encode() const {
        Writer w;
        w.U8(kRecordVersion);
        w.U64(epoch);
        return w.Take();
    }
    static Result<EpochNumber> Decode(std::span<const uint8_t> bytes) {
        Reader r(bytes);
        EpochNumber e;
        ReadRecordVersion(r, "reward cursor");
        r.U64(e.epoch, "reward_cursor.epoch");
        if (!r.Finish()) return r.GetError();
        return e;
    }
};

}  // namespace

std::optional<uint64_t> OwnerUnits::Credits(Pool pool) const {
    if (pool == Pool::kBandwidth) return bandwidth_credits;
    if (pool == Pool::kStorage) return storage_credits;
    return std::nullopt;
}

bool OwnerUnits::Add(const OwnerUnits& more) {
    const auto up = CheckedAdd(uptime_intervals, more.uptime_intervals);
    const auto bw = CheckedAdd(bandwidth_bytes, more.bandwidth_bytes);
    const auto st = CheckedAdd(storage_byte_epochs, more.storage_byte_epochs);
    const auto bc = CheckedAdd(bandwidth_credits, more.bandwidth_credits);
    const auto sc = CheckedAdd(storage_credits, more.storage_credits);
    if (!up || !bw || !st || !bc || !sc) return false;
    *this = OwnerUnits{*up, *bw, *st, *bc, *sc};
    return true;
}

std::vector<uint8_t> OwnerUnits::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(uptime_intervals);
    w.U64(bandwidth_bytes);
    w.U64(storage_byte_epochs);
    w.U64(bandwidth_credits);
    w.U64(storage_credits);
    return w.Take();
}

Result<OwnerUnits> OwnerUnits::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    OwnerUnits u;
    ReadRecordVersion(r, "owner contribution");
    r.U64(u.uptime_intervals, "owner_contribution.uptime_intervals");
    r.U64(u.bandwidth_bytes, "owner_contribution.bandwidth_bytes");
    r.U64(u.storage_byte_epochs, "owner_contribution.storage_byte_epochs");
    r.U64(u.bandwidth_credits, "owner_contribution.bandwidth_credits");
    r.U64(u.storage_credits, "owner_contribution.storage_credits");
    if (!r.Finish()) return r.GetError();
    return u;
}

std::vector<uint8_t> EpochRewards::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(emission);
    WriteAmounts(w, pools);
    WriteAmounts(w, paid);
    WriteAmounts(w, pro_rata_settled);
    WriteAmounts(w, units_settled);
    w.U64(not_minted);
    return w.Take();
}

Result<EpochRewards> EpochRewards::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    EpochRewards e;
    ReadRecordVersion(r, "epoch rewards");
    r.U64(e.emission, "epoch_rewards.emission");
    ReadAmounts(r, e.pools, "epoch_rewards.pools");
    ReadAmounts(r, e.paid, "epoch_rewards.paid");
    ReadAmounts(r, e.pro_rata_settled, "epoch_rewards.pro_rata_settled");
    ReadAmounts(r, e.units_settled, "epoch_rewards.units_settled");
    r.U64(e.not_minted, "epoch_rewards.not_minted");
    if (!r.Finish()) return r.GetError();
    return e;
}

std::vector<uint8_t> EpochSigners::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(certificates);
    w.VarInt(signers.size());
    for (const SignerCount& s : signers) {
        w.Raw(s.validator);
        w.U64(s.signed_count);
    }
    return w.Take();
}

Result<EpochSigners> EpochSigners::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    EpochSigners e;
    ReadRecordVersion(r, "epoch signers");
    r.U64(e.certificates, "epoch_signers.certificates");
    uint64_t count = 0;
    if (r.Count(count, kMaxValidators, "epoch_signers.count")) e.signers.resize(count);
    for (SignerCount& s : e.signers) {
        r.Array(s.validator, "epoch_signers.validator");
        r.U64(s.signed_count, "epoch_signers.signed");
    }
    if (!r.Finish()) return r.GetError();
    for (size_t i = 1; i < e.signers.size(); ++i) {
        if (!(e.signers[i - 1].validator < e.signers[i].validator))
            return MakeError("decode-error", "epoch signers are not in ascending order");
    }
    return e;
}

std::vector<uint8_t> RewardTotals::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(not_minted);
    w.U64(owed);
    return w.Take();
}

Result<RewardTotals> RewardTotals::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    RewardTotals t;
    ReadRecordVersion(r, "reward totals");
    r.U64(t.not_minted, "reward_totals.not_minted");
    r.U64(t.owed, "reward_totals.owed");
    if (!r.Finish()) return r.GetError();
    return t;
}

Hash256 OwnerUnitsKey(const XOnlyPubKey& owner, uint64_t epoch) {
    Writer id;
    id.Raw(owner);
    id.U64(epoch);
    return StateKey(RecordTag::kOwnerContribution, id.Data());
}

Hash256 RewardCursorKey(const XOnlyPubKey& owner) {
    return StateKey(RecordTag::kRewardCursor, owner);
}

Hash256 EpochRewardsKey(uint64_t epoch) {
    return EpochKey(RecordTag::kEpochRewards, epoch);
}

Hash256 EpochSignersKey(uint64_t epoch) {
    return EpochKey(RecordTag::kEpochSigners, epoch);
}

Hash256 RewardTotalsKey() {
    return StateKey(RecordTag::kRewardTotals);
}

Result<OwnerUnits> GetOwnerUnits(const StateReader& state, const XOnlyPubKey& owner,
                                 uint64_t epoch) {
    auto record = ReadRecord<OwnerUnits>(state, OwnerUnitsKey(owner, epoch), "owner contribution");
    if (!record) return record.error();
    return record->value_or(OwnerUnits{});
}

Status PutOwnerUnits(StateOverlay& state, const XOnlyPubKey& owner, uint64_t epoch,
                     const OwnerUnits& units) {
    return state.Put(OwnerUnitsKey(owner, epoch), units.Encode());
}

Result<std::optional<uint64_t>> GetRewardCursor(const StateReader& state,
                                                const XOnlyPubKey& owner) {
    auto record = ReadRecord<EpochNumber>(state, RewardCursorKey(owner), "reward cursor");
    if (!record) return record.error();
    if (!record->has_value()) return std::optional<uint64_t>();
    return std::optional<uint64_t>((*record)->epoch);
}

Status PutRewardCursor(StateOverlay& state, const XOnlyPubKey& owner,
                       std::optional<uint64_t> epoch) {
    const Hash256 key = RewardCursorKey(owner);
    if (!epoch) {
        state.Delete(key);
        return Status::Ok();
    }
    return state.Put(key, EpochNumber{*epoch}.Encode());
}

Result<std::optional<EpochRewards>> GetEpochRewards(const StateReader& state, uint64_t epoch) {
    return ReadRecord<EpochRewards>(state, EpochRewardsKey(epoch), "epoch rewards");
}

Status PutEpochRewards(StateOverlay& state, uint64_t epoch, const EpochRewards& rewards) {
    return state.Put(EpochRewardsKey(epoch), rewards.Encode());
}

Result<EpochSigners> GetEpochSigners(const StateReader& state, uint64_t epoch) {
    auto record = ReadRecord<EpochSigners>(state, EpochSignersKey(epoch), "epoch signers");
    if (!record) return record.error();
    return record->value_or(EpochSigners{});
}

Status PutEpochSigners(StateOverlay& state, uint64_t epoch, const EpochSigners& signers) {
    return state.Put(EpochSignersKey(epoch), signers.Encode());
}

Result<RewardTotals> GetRewardTotals(const StateReader& state) {
    auto record = ReadRecord<RewardTotals>(state, RewardTotalsKey(), "reward totals");
    if (!record) return record.error();
    return record->value_or(RewardTotals{});
}

Status PutRewardTotals(StateOverlay& state, const RewardTotals& totals) {
    return state.Put(RewardTotalsKey(), totals.Encode());
}

}  // namespace maillon
