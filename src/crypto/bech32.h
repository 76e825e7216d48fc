// Bech32 and Bech32m (BIP173 / BIP350) encoding of a human-readable part and
// 5-bit data, plus the 8-to-5-bit regrouping addresses need.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace maillon::bech32 {

enum class Encoding { kBech32, kBech32m };

struct Decoded {
    Encoding encoding;
    std::string hrp;            // lower case
    std::vector<uint8_t> data;  // 5-bit groups, checksum removed
};

// Encodes lower-case hrp and 5-bit values (each < 32). Result is lower case.
std::string Encode(Encoding encoding, std::string_view hrp, std::span<const uint8_t> values);

// Decodes a string of at most 90 characters with either checksum. Rejects
// mixed case, characters outside 33..126, a missing separator, an empty hrp,
// a data part shorter than the checksum and an invalid checksum, each with
// its own message.
Result<Decoded> Decode(std::string_view str);

// Regroups bits: 8->5 with padding (pad=true), or 5->8 rejecting any
// non-zero padding or a leftover group of 5 or more bits (pad=false).
Result<std::vector<uint8_t>> ConvertBits(std::span<const uint8_t> in, int from_bits, int to_bits,
                                         bool pad);

}  // namespace maillon::bech32
