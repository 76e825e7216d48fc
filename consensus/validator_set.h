// A validator set: who may propose and must sign blocks, with voting power
// (stake in base units). Sorted by key, each key once, power >= 1, at most
// kMaxValidators entries, total power at most kMaxTotalVotingPower (so that
// 3 * power never overflows 64 bits).
//
// Encoding (canonical): varint count | count x (key [32] | power u64), keys
// strictly ascending. Hash() = TaggedHash("MaillonValidatorSet", encoding):
// what block headers commit to.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

inline constexpr size_t kMaxValidators = 128;
inline constexpr uint64_t kMaxTotalVotingPower = uint64_t{1} << 60;

struct Validator {
    XOnlyPubKey key{};
    uint64_t power = 0;
    bool operator==(const Validator&) const = default;
};

class Reader;
class Writer;

class ValidatorSet {
public:
    ValidatorSet() = default;
    // Sorts by key; fails ("bad-validator-set") on a duplicate key, a zero
    // power, too many validators or too much total power.
    static Result<ValidatorSet> Make(std::vector<Validator> validators);

    const std::vector<Validator>& Validators() const { return m_validators; }
    size_t Size() const { return m_validators.size(); }
    uint64_t TotalPower() const { return m_total; }
    // Position of key in the set, if it is a member.
    std::optional<size_t> IndexOf(const XOnlyPubKey& key) const;
    // True when `power` is more than two thirds of the total: 3 * power > 2 * total.
    bool IsQuorum(uint64_t power) const;

    void Write(Writer& w) const;
    // Reads and checks every rule above (errors name the field and offset).
    static bool Read(Reader& r, ValidatorSet& out);
    std::vector<uint8_t> Encode() const;
    static Result<ValidatorSet> Decode(std::span<const uint8_t> bytes);
    Hash256 Hash() const;

    bool operator==(const ValidatorSet&) const = default;

private:
    std::vector<Validator> m_validators;
    uint64_t m_total = 0;
};

}  // namespace maillon
