#include "consensus/contribution_records.h"

#include "consensus/record_io.h"
#include "serialize/codec.h"
#include "util/overflow.h"

namespace maillon {

bool ContributionUnits::Add(const ContributionUnits& more) {
    const auto up = CheckedAdd(uptime_intervals, more.uptime_intervals);
    const auto bw = CheckedAdd(bandwidth_bytes, more.bandwidth_bytes);
    const auto st = CheckedAdd(storage_byte_epochs, more.storage_byte_epochs);
    const auto cr = CheckedAdd(credits_burned, more.credits_burned);
    if (!up || !bw || !st || !cr) return false;
    *this = ContributionUnits{*up, *bw, *st, *cr};
    return true;
}

std::vector<uint8_t> ContributionUnits::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(uptime_intervals);
    w.U64(bandwidth_bytes);
    w.U64(storage_byte_epochs);
    w.U64(credits_burned);
    return w.Take();
}

Result<ContributionUnits> ContributionUnits::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    ContributionUnits u;
    ReadRecordVersion(r, "contribution");
    r.U64(u.uptime_intervals, "contribution.uptime_intervals");
    r.U64(u.bandwidth_bytes, "contribution.bandwidth_bytes");
    r.U64(u.storage_byte_epochs, "contribution.storage_byte_epochs");
    r.U64(u.credits_burned, "contribution.credits_burned");
    if (!r.Finish()) return r.GetError();
    return u;
}

std::vector<uint8_t> DeviceActivity::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(last_interval);
    w.U64(last_height);
    return w.Take();
}

Result<DeviceActivity> DeviceActivity::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    DeviceActivity a;
    ReadRecordVersion(r, "device activity");
    r.U64(a.last_interval, "device_activity.last_interval");
    r.U64(a.last_height, "device_activity.last_height");
    if (!r.Finish()) return r.GetError();
    return a;
}

std::vector<uint8_t> SettledSession::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.Raw(device);
    w.U64(settled_height);
    return w.Take();
}

Result<SettledSession> SettledSession::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    SettledSession s;
    ReadRecordVersion(r, "settled session");
    r.Array(s.device, "session.device");
    r.U64(s.settled_height, "session.settled_height");
    if (!r.Finish()) return r.GetError();
    return s;
}

std::vector<uint8_t> Deal::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.Raw(client);
    w.Raw(device);
    w.Raw(data_root);
    w.U64(size);
    w.U32(chunk_size);
    w.U64(start_epoch);
    w.U32(duration_epochs);
    w.U64(price);
    w.U32(proven_epochs);
    w.U64(last_proven);
    w.U64(escrow);
    return w.Take();
}

Result<Deal> Deal::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    Deal d;
    ReadRecordVersion(r, "deal");
    r.Array(d.client, "deal.client");
    r.Array(d.device, "deal.device");
    r.Array(d.data_root, "deal.data_root");
    r.U64(d.size, "deal.size");
    r.U32(d.chunk_size, "deal.chunk_size");
    r.U64(d.start_epoch, "deal.start_epoch");
    r.U32(d.duration_epochs, "deal.duration_epochs");
    r.U64(d.price, "deal.price");
    r.U32(d.proven_epochs, "deal.proven_epochs");
    r.U64(d.last_proven, "deal.last_proven");
    r.U64(d.escrow, "deal.escrow");
    if (!r.Finish()) return r.GetError();
    return d;
}

Hash256 ContributionKey(const XOnlyPubKey& device, uint64_t epoch) {
    Writer id;
    id.Raw(device);
    id.U64(epoch);
    return StateKey(RecordTag::kContribution, id.Data());
}

Hash256 EpochTotalsKey(uint64_t epoch) {
    Writer id;
    id.U64(epoch);
    return StateKey(RecordTag::kEpochTotals, id.Data());
}

Result<std::optional<DeviceActivity>> GetDeviceActivity(const StateReader& state,
                                                        const XOnlyPubKey& device) {
    return ReadRecord<DeviceActivity>(state, StateKey(RecordTag::kDeviceActivity, device),
                                      "device activity");
}

Status PutDeviceActivity(StateOverlay& state, const XOnlyPubKey& device, const DeviceActivity& a) {
    return state.Put(StateKey(RecordTag::kDeviceActivity, device), a.Encode());
}

namespace {

Hash256 SessionKey(const XOnlyPubKey& consumer, const XOnlyPubKey& device, const Hash256& session) {
    Writer id;
    id.Raw(consumer);
    id.Raw(device);
    id.Raw(session);
    return StateKey(RecordTag::kSession, id.Data());
}

}  // namespace

Result<std::optional<SettledSession>> GetSettledSession(const StateReader& state,
                                                        const XOnlyPubKey& consumer,
                                                        const XOnlyPubKey& device,
                                                        const Hash256& session) {
    return ReadRecord<SettledSession>(state, SessionKey(consumer, device, session),
                                      "settled session");
}

Status PutSettledSession(StateOverlay& state, const XOnlyPubKey& consumer,
                         const XOnlyPubKey& device, const Hash256& session,
                         const SettledSession& s) {
    return state.Put(SessionKey(consumer, device, session), s.Encode());
}

Result<std::optional<Deal>> GetDeal(const StateReader& state, const Hash256& deal_id) {
    return ReadRecord<Deal>(state, StateKey(RecordTag::kDeal, deal_id), "deal");
}

Status PutDeal(StateOverlay& state, const Hash256& deal_id, const Deal& deal) {
    return state.Put(StateKey(RecordTag::kDeal, deal_id), deal.Encode());
}

namespace {

Result<ContributionUnits> ReadUnits(const StateReader& state, const Hash256& key,
                                    const char* what) {
    auto record = ReadRecord<ContributionUnits>(state, key, what);
    if (!record) return record.error();
    return record->value_or(ContributionUnits{});
}

Status AddUnits(StateOverlay& state, const Hash256& key, const char* what,
                const ContributionUnits& units) {
    auto current = ReadUnits(state, key, what);
    if (!current) return current.error();
    if (!current->Add(units)) {
        return MakeError("amount-overflow",
                         std::string("a counter of the ") + what + " record would pass 2^64 - 1");
    }
    return state.Put(key, current->Encode());
}

}  // namespace

Result<ContributionUnits> GetContribution(const StateReader& state, const XOnlyPubKey& device,
                                          uint64_t epoch) {
    return ReadUnits(state, ContributionKey(device, epoch), "contribution");
}

Result<ContributionUnits> GetEpochTotals(const StateReader& state, uint64_t epoch) {
    return ReadUnits(state, EpochTotalsKey(epoch), "epoch totals");
}

Status CreditContribution(StateOverlay& state, const XOnlyPubKey& device, uint64_t epoch,
                          const ContributionUnits& units) {
    Status st = AddUnits(state, ContributionKey(device, epoch), "contribution", units);
    if (!st) return st;
    return AddUnits(state, EpochTotalsKey(epoch), "epoch totals", units);
}

}  // namespace maillon
