#include "consensus/records.h"

#include <string>

#include "consensus/record_io.h"
#include "crypto/hash_tags.h"
#include "serialize/codec.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

Error MissingRecord(const char* what) {
    return MakeError(ErrorKind::kCorruption, "state-record-missing",
                     std::string("the ") + what +
                         " record, written at genesis, is missing; the state database is "
                         "corrupt");
}

}  // namespace

bool ReadRecordVersion(Reader& r, const std::string& what) {
    uint8_t version = 0;
    if (!r.U8(version, (what + ".version").c_str())) return false;
    if (version != kRecordVersion) {
        return r.FailAt(0, (what + ".version").c_str(),
                        "unknown version " + std::to_string(version));
    }
    return true;
}

Hash256 StateKey(RecordTag tag, std::span<const uint8_t> id) {
    const uint8_t t = static_cast<uint8_t>(tag);
    return TaggedHasher(Tag::kStateKey).Write({&t, 1}).Write(id).Finalize();
}

std::vector<uint8_t> Account::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(balance);
    w.U64(nonce);
    w.U64(credits);
    return w.Take();
}

Result<Account> Account::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    Account a;
    ReadRecordVersion(r, "account");
    r.U64(a.balance, "account.balance");
    r.U64(a.nonce, "account.nonce");
    r.U64(a.credits, "account.credits");
    if (!r.Finish()) return r.GetError();
    return a;
}

std::vector<uint8_t> Supply::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(genesis);
    w.U64(minted);
    w.U64(burned);
    w.U64(locked);
    return w.Take();
}

Result<Supply> Supply::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    Supply s;
    ReadRecordVersion(r, "supply");
    r.U64(s.genesis, "supply.genesis");
    r.U64(s.minted, "supply.minted");
    r.U64(s.burned, "supply.burned");
    r.U64(s.locked, "supply.locked");
    if (!r.Finish()) return r.GetError();
    return s;
}

std::vector<uint8_t> Device::Encode() const {
    Writer w;
    w.U8(kRecordVersion);
    w.Raw(owner);
    w.U8(kinds);
    w.U64(bond);
    w.U64(registered_height);
    return w.Take();
}

Result<Device> Device::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    Device d;
    ReadRecordVersion(r, "device");
    r.Array(d.owner, "device.owner");
    r.U8(d.kinds, "device.kinds");
    r.U64(d.bond, "device.bond");
    r.U64(d.registered_height, "device.registered_height");
    if (!r.Finish()) return r.GetError();
    return d;
}

Result<Account> GetAccount(const StateReader& state, const XOnlyPubKey& address) {
    auto record = ReadRecord<Account>(state, AccountKey(address), "account");
    if (!record) return record.error();
    return record->value_or(Account{});
}

Status PutAccount(StateOverlay& state, const XOnlyPubKey& address, const Account& account) {
    if (account.IsEmpty()) {
        state.Delete(AccountKey(address));
        return Status::Ok();
    }
    return state.Put(AccountKey(address), account.Encode());
}

Result<Supply> GetSupply(const StateReader& state) {
    auto record = ReadRecord<Supply>(state, StateKey(RecordTag::kSupply), "supply");
    if (!record) return record.error();
    if (!record->has_value()) return MissingRecord("supply");
    return **record;
}

Status PutSupply(StateOverlay& state, const Supply& supply) {
    return state.Put(StateKey(RecordTag::kSupply), supply.Encode());
}

namespace {

// The validator set record: u8 version (1) | the set's canonical encoding.
struct ValidatorSetRecord {
    ValidatorSet set;
    static Result<ValidatorSetRecord> Decode(std::span<const uint8_t> bytes) {
        Reader r(bytes);
        ValidatorSetRecord rec;
        ReadRecordVersion(r, "validators");
        if (r.ok()) ValidatorSet::Read(r, rec.set);
        if (!r.Finish()) return r.GetError();
        return rec;
    }
};

}  // namespace

Result<ValidatorSet> GetValidatorSet(const StateReader& state, RecordTag tag) {
    const char* what = tag == RecordTag::kValidators ? "validators" : "last validators";
    auto record = ReadRecord<ValidatorSetRecord>(state, StateKey(tag), what);
    if (!record) return record.error();
    if (!record->has_value()) return MissingRecord(what);
    return std::move((*record)->set);
}

Status PutValidatorSet(StateOverlay& state, RecordTag tag, const ValidatorSet& set) {
    Writer w;
    w.U8(kRecordVersion);
    set.Write(w);
    return state.Put(StateKey(tag), w.Take());
}

Result<std::optional<Device>> GetDevice(const StateReader& state, const XOnlyPubKey& device) {
    return ReadRecord<Device>(state, DeviceKey(device), "device");
}

Status PutDevice(StateOverlay& state, const XOnlyPubKey& device, const Device& record) {
    return state.Put(DeviceKey(device), record.Encode());
}

}  // namespace maillon

namespace maillon {

namespace {

struct RetirementRecord {
    uint64_t retired_height = 0;
    static Result<RetirementRecord> Decode(std::span<const uint8_t> bytes) {
        Reader r(bytes);
        RetirementRecord rec;
        ReadRecordVersion(r, "retirement");
        r.U64(rec.retired_height, "retirement.retired_height");
        if (!r.Finish()) return r.GetError();
        return rec;
    }
};

Hash256 RetirementKey(const XOnlyPubKey& device) {
    return StateKey(RecordTag::kRetirement, device);
}

}  // namespace

Result<std::optional<uint64_t>> GetRetiredHeight(const StateReader& state,
                                                 const XOnlyPubKey& device) {
    auto record = ReadRecord<RetirementRecord>(state, RetirementKey(device), "retirement");
    if (!record) return record.error();
    if (!record->has_value()) return std::optional<uint64_t>();
    return std::optional<uint64_t>((*record)->retired_height);
}

Status PutRetiredHeight(StateOverlay& state, const XOnlyPubKey& device, uint64_t height) {
    Writer w;
    w.U8(kRecordVersion);
    w.U64(height);
    return state.Put(RetirementKey(device), w.Take());
}

void DeleteDevice(StateOverlay& state, const XOnlyPubKey& device) {
    state.Delete(DeviceKey(device));
    state.Delete(RetirementKey(device));
}

}  // namespace maillon
