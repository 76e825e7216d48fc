// Hex, decimal-amount and time text encodings used by RPC, CLI, logs and
// tests, and the one way to echo a caller's text in a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace maillon {

std::string HexStr(std::span<const uint8_t> bytes);

// Lower- or upper-case hex, even length, nothing else. nullopt otherwise.
std::optional<std::vector<uint8_t>> ParseHex(std::string_view hex);

// Parses a base-10 unsigned integer with no sign, spaces or leading zeros
// (except "0" itself), rejecting overflow.
std::optional<uint64_t> ParseUInt64(std::string_view s);

// Formats base units as a decimal MLN amount: 150000000 -> "1.5".
std::string FormatMoney(uint64_t units);

// Milliseconds since the Unix epoch as ISO 8601 UTC:
// "2026-01-01T00:00:00.000Z".
std::string FormatIsoTime(uint64_t unix_ms);

// Parses "1.5" / "1" / "0.00000001" (at most 8 decimals) into base units.
// On failure, `why` (if given) gets the reason as the end of a sentence about
// the amount: "has more than 8 decimals (MLN amounts have at most 8 decimal
// places)", "is too large (...)" or "is not an amount like 1.5".
std::optional<uint64_t> ParseMoney(std::string_view s, std::string* why = nullptr);

// Caller text longer than this is cut when a message echoes it.
inline constexpr size_t kMaxEchoedChars = 100;

// `text` from a caller (a parameter, a method name, a config line), between two
// `quote` characters, for a message that echoes it. Every such echo goes
// through here, so that no message grows with its input and none carries raw
// binary: at most kMaxEchoedChars bytes of `text` are shown, followed inside the
// quotes by "..." and after them by the full length when it was cut; a byte
// outside printable ASCII, a `quote` and a backslash are written as \xNN.
//   QuoteEcho("abc") == "'abc'"
//   QuoteEcho(300 x "a") == "'aaa...aaa...' (300 characters)"
std::string QuoteEcho(std::string_view text, char quote = '\'');

}  // namespace maillon
