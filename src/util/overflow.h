// Checked integer arithmetic for consensus code: every operation reports
// overflow instead of wrapping. Callers treat a nullopt as a rule violation.
#pragma once

#include <cstdint>
#include <optional>

namespace maillon {

inline std::optional<uint64_t> CheckedAdd(uint64_t a, uint64_t b) {
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
    return r;
}

// a + b, or UINT64_MAX when that overflows: for bounds ("valid until"),
// never for amounts.
inline uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
    return CheckedAdd(a, b).value_or(UINT64_MAX);
}

inline std::optional<uint64_t> CheckedSub(uint64_t a, uint64_t b) {
    if (b > a) return std::nullopt;
    return a - b;
}

inline std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
    return r;
}

}  // namespace maillon
