#include "consensus/validator_set.h"

#include <algorithm>
#include <string>

#include "crypto/hash_tags.h"
#include "serialize/codec.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

Error BadSet(const std::string& why) {
    return MakeError("bad-validator-set", "invalid validator set: " + why);
}

}  // namespace

Result<ValidatorSet> ValidatorSet::Make(std::vector<Validator> validators) {
    if (validators.size() > kMaxValidators) {
        return BadSet(std::to_string(validators.size()) + " validators, at most " +
                      std::to_string(kMaxValidators));
    }
    std::sort(validators.begin(), validators.end(),
              [](const Validator& a, const Validator& b) { return a.key < b.key; });
    ValidatorSet set;
    for (size_t i = 0; i < validators.size(); ++i) {
        const Validator& v = validators[i];
        if (i > 0 && validators[i - 1].key == v.key)
            return BadSet(HexStr(v.key) + " is listed twice");
        if (v.power == 0) return BadSet(HexStr(v.key) + " has no voting power");
        auto total = CheckedAdd(set.m_total, v.power);
        if (!total || *total > kMaxTotalVotingPower) {
            return BadSet("total voting power exceeds " + std::to_string(kMaxTotalVotingPower));
        }
        set.m_total = *total;
    }
    set.m_validators = std::move(validators);
    return set;
}

std::optional<size_t> ValidatorSet::IndexOf(const XOnlyPubKey& key) const {
    auto it = std::lower_bound(m_validators.begin(), m_validators.end(), key,
                               [](const Validator& v, const XOnlyPubKey& k) { return v.key < k; });
    if (it == m_validators.end() || it->key != key) return std::nullopt;
    return static_cast<size_t>(it - m_validators.begin());
}

bool ValidatorSet::IsQuorum(uint64_t power) const {
    // Both products fit: power <= total <= 2^60.
    return power <= m_total && 3 * power > 2 * m_total;
}

void ValidatorSet::Write(Writer& w) const {
    w.VarInt(m_validators.size());
    for (const Validator& v : m_validators) {
        w.Raw(v.key);
        w.U64(v.power);
    }
}

bool ValidatorSet::Read(Reader& r, ValidatorSet& out) {
    uint64_t count = 0;
    if (!r.Count(count, kMaxValidators, "validators.count")) return false;
    ValidatorSet set;
    set.m_validators.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
        const size_t pos = r.Position();
        Validator v;
        if (!r.Array(v.key, "validator.key") || !r.U64(v.power, "validator.power")) return false;
        if (!set.m_validators.empty() && !(set.m_validators.back().key < v.key)) {
            return r.FailAt(pos, "validator.key", "keys must be strictly ascending");
        }
        if (v.power == 0) return r.FailAt(pos + 32, "validator.power", "power must be at least 1");
        auto total = CheckedAdd(set.m_total, v.power);
        if (!total || *total > kMaxTotalVotingPower) {
            return r.FailAt(pos + 32, "validator.power",
                            "total power exceeds " + std::to_string(kMaxTotalVotingPower));
        }
        set.m_total = *total;
        set.m_validators.push_back(v);
    }
    out = std::move(set);
    return true;
}

std::vector<uint8_t> ValidatorSet::Encode() const {
    Writer w;
    Write(w);
    return w.Take();
}

Result<ValidatorSet> ValidatorSet::Decode(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    ValidatorSet set;
    Read(r, set);
    if (!r.Finish()) return r.GetError();
    return set;
}

Hash256 ValidatorSet::Hash() const {
    return TaggedHash(Tag::kValidatorSet, Encode());
}

}  // namespace maillon
