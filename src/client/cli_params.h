// How maillon-cli turns its command-line words into RPC parameters, amounts
// and device kinds (maillon-agent's -kinds reads the same words).
//
// ParseCliParam: `true`, `false`, `null`, JSON objects and arrays, and
// integers that fit in int64 or uint64 (no leading zeros, no '+') are sent as
// JSON; every other word (1.5, 1e3, a 64-digit hex txid that happens to be all
// digits, text) is sent as a JSON string, so that numbers never lose
// precision or turn identifiers into floats.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace maillon {

rapidjson::Value ParseCliParam(std::string_view word,
                               rapidjson::Document::AllocatorType& allocator);

// An MLN amount ("1.5"; at most 8 decimals) in base units. `what` names it in
// the error ("amount", "fee"); with positive=true, 0 is refused too.
Result<uint64_t> ParseCliAmount(const std::string& what, const std::string& text, bool positive);

// Device kinds: "uptime,bandwidth,storage" (any non-empty subset) or the bit
// mask 1..7. Error code "bad-kinds".
Result<uint8_t> ParseDeviceKinds(const std::string& text);
// The names of the kinds in `kinds`, comma-separated, as ParseDeviceKinds
// reads them ("" for none).
std::string FormatDeviceKinds(uint8_t kinds);

// "1.5 MLN (150000000 base units)": the CLI names both units, because it
// takes MLN while RPC results are in base units.
std::string FormatCliAmount(uint64_t units);

}  // namespace maillon
