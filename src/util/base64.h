// Base64 (RFC 4648, standard alphabet, with '=' padding) for HTTP Basic
// authentication. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace maillon {

std::string EncodeBase64(std::span<const uint8_t> data);
std::string EncodeBase64(std::string_view text);

// Strict decoding: length a multiple of 4, padding only at the end, no
// whitespace, and unused bits of the last symbol zero. nullopt otherwise.
std::optional<std::vector<uint8_t>> DecodeBase64(std::string_view text);

}  // namespace maillon
