#include "consensus/rewards.h"

#include <algorithm>
#include <cstdlib>

namespace maillon {

std::string_view PoolName(Pool pool) {
    switch (pool) {
        case Pool::kValidators:
            return "validators";
        case Pool::kBandwidth:
            return "bandwidth";
        case Pool::kStorage:
            return "storage";
        case Pool::kUptime:
            return "uptime";
    }
    std::abort();
}

std::optional<uint64_t> MulDiv(uint64_t a, uint64_t b, uint64_t c) {
    if (c == 0) std::abort();
    const unsigned __int128 q = static_cast<unsigned __int128>(a) * b / c;
    if (q > UINT64_MAX) return std::nullopt;
    return static_cast<uint64_t>(q);
}

Amount ScheduledEmission(const RewardParams& params, uint64_t epoch) {
    const uint64_t halvings = epoch / params.halving_epochs;
    return halvings >= 64 ? 0 : params.initial_epoch_emission >> halvings;
}

Amount EpochEmission(const RewardParams& params, uint64_t epoch, Amount issued) {
    const Amount room = issued >= params.max_supply ? 0 : params.max_supply - issued;
    return std::min(ScheduledEmission(params, epoch), room);
}

PoolAmounts SplitEmission(const RewardParams& params, Amount emission) {
    PoolAmounts pools{};
    for (size_t k = 0; k < kPoolCount; ++k)
        pools[k] = *MulDiv(emission, params.pool_bps[k], kBasisPoints);  // bps <= 10,000
    return pools;
}

Amount OwnerCap(const RewardParams& params, Amount pool) {
    return *MulDiv(pool, params.owner_cap_bps, kBasisPoints);
}

Amount CreditValue(uint64_t credits, uint64_t credits_per_unit) {
    return credits / credits_per_unit;
}

Share ComputeShare(const ShareInputs& in) {
    Share s;
    s.owner_cap = in.owner_cap;
    s.credit_cap = in.credit_value;
    if (in.units == 0 || in.total_units == 0) return s;
    s.pro_rata = *MulDiv(in.pool, std::min(in.units, in.total_units), in.total_units);
    s.paid = std::min(s.pro_rata, s.owner_cap);
    if (s.credit_cap) s.paid = std::min(s.paid, *s.credit_cap);
    return s;
}

}  // namespace maillon
