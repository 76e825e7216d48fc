// Amounts are unsigned 64-bit counts of base units; 1 MLN = 10^8 units.
#pragma once

#include <cstdint>

namespace maillon {

using Amount = uint64_t;
inline constexpr Amount kCoin = 100'000'000;

}  // namespace maillon
