// The arithmetic of rewards (doc/protocol.md §11, the normative text): an
// epoch's emission, its split into pools, and one owner's share of a pool
// with the caps that apply. Integers only; every division rounds down, and
// products that can pass 64 bits are taken in 128 bits. Pure: no state, no
// I/O, no globals.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "consensus/params.h"
#include "primitives/amount.h"

namespace maillon {

enum class Pool : uint8_t { kValidators = 0, kBandwidth = 1, kStorage = 2, kUptime = 3 };
inline constexpr size_t kPoolCount = 4;
inline constexpr std::array<Pool, 3> kContributorPools = {Pool::kBandwidth, Pool::kStorage,
                                                          Pool::kUptime};
inline constexpr uint64_t kBasisPoints = 10'000;
using PoolAmounts = std::array<Amount, kPoolCount>;

std::string_view PoolName(Pool pool);
// Pools paid for usage the devices' clients paid credits for: their rewards
// are capped by those credits' value.
inline bool IsPaidUsagePool(Pool pool) {
    return pool == Pool::kBandwidth || pool == Pool::kStorage;
}

// floor(a * b / c) for c > 0, in 128 bits. nullopt when the quotient does
// not fit 64 bits (never the case when b <= c).
std::optional<uint64_t> MulDiv(uint64_t a, uint64_t b, uint64_t c);

// initial_epoch_emission >> (epoch / halving_epochs), 0 once the shift
// reaches 64.
Amount ScheduledEmission(const RewardParams& params, uint64_t epoch);
// What an epoch mints at most: the schedule, cut so that `issued` (genesis,
// minted and owed so far) plus it stays at or below max_supply.
Amount EpochEmission(const RewardParams& params, uint64_t epoch, Amount issued);
// pools[k] = floor(emission * pool_bps[k] / 10,000). Their sum is at most
// the emission; the difference is not minted.
PoolAmounts SplitEmission(const RewardParams& params, Amount emission);

// floor(pool * owner_cap_bps / 10,000).
Amount OwnerCap(const RewardParams& params, Amount pool);
// The base units `credits` data credits were bought for:
// floor(credits / credits_per_unit).
Amount CreditValue(uint64_t credits, uint64_t credits_per_unit);

struct ShareInputs {
    Amount pool = 0;
    uint64_t total_units = 0;  // every owner's, > 0 when units > 0
    uint64_t units = 0;        // this owner's, <= total_units
    Amount owner_cap = 0;
    std::optional<Amount> credit_value;  // paid-usage pools only
};

struct Share {
    Amount pro_rata = 0;  // floor(pool * units / total_units)
    Amount owner_cap = 0;
    std::optional<Amount> credit_cap;
    Amount paid = 0;  // the least of the three
    bool operator==(const Share&) const = default;
};

// An owner's reward from one pool. Zero units earn zero; the pro-rata
// shares of all owners sum to at most the pool.
Share ComputeShare(const ShareInputs& in);

}  // namespace maillon
