// Amounts are unsigned 64-bit counts of base units; 1 MLN = 10^8 units.
#pragma once

#include <cstdint>

namespace maillon {

using Amount = uint64_t;
inline constexpr Amount kCoin = 100'000'000;
// The total supply stays at or below this (2^53 - 1 units, about 90 million
// MLN), so that every amount is a JSON number any client, JavaScript's
// IEEE-double Number included, reads exactly. Genesis is checked against it.
inline constexpr Amount kMaxSupply = (Amount{1} << 53) - 1;

}  // namespace maillon
