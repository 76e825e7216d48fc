// The two clocks the programs read, in milliseconds: the wall clock (Unix
// epoch; what block times and logs show; it can step) and a steady clock
// (arbitrary origin; for measuring how long something took). Never used by
// consensus rules, which take their time from blocks.
#pragma once

#include <cstdint>

namespace maillon {

uint64_t NowMs();
int64_t SteadyMs();

}  // namespace maillon
