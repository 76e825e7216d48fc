// State records of rewards (doc/protocol.md §6.2, §11). Tags continue
// consensus/contribution_records.h's table:
//
// | tag | kind               | identifier         | absent means                  |
// |-----|--------------------|--------------------|-------------------------------|
// | 12  | owner contribution | owner key, epoch   | no units that epoch           |
// | 13  | reward cursor      | owner key          | nothing owed to the owner     |
// | 14  | epoch rewards      | epoch u64          | the epoch is not closed       |
// | 15  | epoch signers      | epoch u64          | no certificate signed yet     |
// | 16  | reward totals      | (none)             | nothing owed nor unminted yet |
//
// An owner's units are its devices' units of the epoch added together, so
// that the cap on one owner's part of a pool holds however many devices it
// splits them across. The cursor names the one epoch whose reward the owner
// is still owed: units of a later epoch settle it first (or claim_rewards
// does), so each owner has at most one unsettled epoch and settling costs
// O(1). Encodings in doc/protocol.md §6.2.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "consensus/records.h"
#include "consensus/rewards.h"
#include "consensus/state.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

// The units a contributor pool pays for, in a record that counts them (an
// owner's, a device's, an epoch's totals); 0 for the validator pool.
template <class Units>
uint64_t PoolUnits(const Units& units, Pool pool) {
    switch (pool) {
        case Pool::kBandwidth:
            return units.bandwidth_bytes;
        case Pool::kStorage:
            return units.storage_byte_epochs;
        case Pool::kUptime:
            return units.uptime_intervals;
        case Pool::kValidators:
            break;
    }
    return 0;
}

// Encoding: u8 version (1) | uptime_intervals u64 | bandwidth_bytes u64 |
// storage_byte_epochs u64 | bandwidth_credits u64 | storage_credits u64.
struct OwnerUnits {
    uint64_t uptime_intervals = 0;
    uint64_t bandwidth_bytes = 0;
    uint64_t storage_byte_epochs = 0;
    uint64_t bandwidth_credits = 0;  // burned by its devices' consumers
    uint64_t storage_credits = 0;    // burned from its devices' deals' escrow

    uint64_t Units(Pool pool) const { return PoolUnits(*this, pool); }
    // The credits burned for a paid-usage pool's units; nullopt for others.
    std::optional<uint64_t> Credits(Pool pool) const;
    // False when a sum would overflow 64 bits (then *this is unchanged).
    bool Add(const OwnerUnits& more);

    bool operator==(const OwnerUnits&) const = default;
    std::vector<uint8_t> Encode() const;
    static Result<OwnerUnits> Decode(std::span<const uint8_t> bytes);
};

// A closed epoch. Encoding: u8 version (1) | emission u64 | pools 4 x u64 |
// paid 4 x u64 | pro_rata_settled 4 x u64 | units_settled 4 x u64 |
// not_minted u64 (pools in index order).
struct EpochRewards {
    Amount emission = 0;
    PoolAmounts pools{};
    PoolAmounts paid{};              // minted from each pool so far
    PoolAmounts pro_rata_settled{};  // the settled owners' pro-rata shares
    std::array<uint64_t, kPoolCount> units_settled{};
    Amount not_minted = 0;  // of this epoch's emission, for good

    bool operator==(const EpochRewards&) const = default;
    std::vector<uint8_t> Encode() const;
    static Result<EpochRewards> Decode(std::span<const uint8_t> bytes);
};

// The commit certificates the blocks of an epoch carried, and how many of
// them each validator signed: its part of the validator pool is its power's
// share scaled by the certificates it signed (doc/protocol.md §11.3).
struct SignerCount {
    XOnlyPubKey validator{};
    uint64_t signed_count = 0;
    bool operator==(const SignerCount&) const = default;
};
// Encoding: u8 version (1) | certificates u64 | count varint (<=
// kMaxValidators) | count x (validator [32] | signed u64), validators in
// ascending order.
struct EpochSigners {
    uint64_t certificates = 0;
    std::vector<SignerCount> signers;

    bool operator==(const EpochSigners&) const = default;
    std::vector<uint8_t> Encode() const;
    static Result<EpochSigners> Decode(std::span<const uint8_t> bytes);
};

// Encoding: u8 version (1) | not_minted u64 | owed u64.
struct RewardTotals {
    Amount not_minted = 0;  // of all closed epochs' emission, for good
    Amount owed = 0;        // of closed contributor pools, not settled yet

    bool operator==(const RewardTotals&) const = default;
    std::vector<uint8_t> Encode() const;
    static Result<RewardTotals> Decode(std::span<const uint8_t> bytes);
};

Hash256 OwnerUnitsKey(const XOnlyPubKey& owner, uint64_t epoch);
Hash256 RewardCursorKey(const XOnlyPubKey& owner);
Hash256 EpochRewardsKey(uint64_t epoch);
Hash256 EpochSignersKey(uint64_t epoch);
Hash256 RewardTotalsKey();

// Zero units when absent.
Result<OwnerUnits> GetOwnerUnits(const StateReader& state, const XOnlyPubKey& owner,
                                 uint64_t epoch);
Status PutOwnerUnits(StateOverlay& state, const XOnlyPubKey& owner, uint64_t epoch,
                     const OwnerUnits& units);

// The epoch the owner is owed a reward for; nullopt when none. Encoding:
// u8 version (1) | epoch u64.
Result<std::optional<uint64_t>> GetRewardCursor(const StateReader& state, const XOnlyPubKey& owner);
// nullopt deletes it.
Status PutRewardCursor(StateOverlay& state, const XOnlyPubKey& owner,
                       std::optional<uint64_t> epoch);

Result<std::optional<EpochRewards>> GetEpochRewards(const StateReader& state, uint64_t epoch);
Status PutEpochRewards(StateOverlay& state, uint64_t epoch, const EpochRewards& rewards);

// No signers when absent.
Result<EpochSigners> GetEpochSigners(const StateReader& state, uint64_t epoch);
Status PutEpochSigners(StateOverlay& state, uint64_t epoch, const EpochSigners& signers);

// Zeros when absent.
Result<RewardTotals> GetRewardTotals(const StateReader& state);
Status PutRewardTotals(StateOverlay& state, const RewardTotals& totals);

}  // namespace maillon
