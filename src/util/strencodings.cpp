#include "util/strencodings.h"

#include <cstdio>
#include <ctime>

#include "primitives/amount.h"
#include "util/overflow.h"

namespace maillon {

std::string HexStr(std::span<const uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(bytes.size() * 2, '0');
    for (size_t i = 0; i < bytes.size(); ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 15];
    }
    return out;
}

static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::vector<uint8_t>> ParseHex(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    std::vector<uint8_t> out(hex.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return out;
}

std::optional<uint64_t> ParseUInt64(std::string_view s) {
    if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        auto m = CheckedMul(v, 10);
        if (!m) return std::nullopt;
        auto a = CheckedAdd(*m, static_cast<uint64_t>(c - '0'));
        if (!a) return std::nullopt;
        v = *a;
    }
    return v;
}

std::string FormatIsoTime(uint64_t unix_ms) {
    // Every uint64 of milliseconds is a year that fits tm_year.
    const auto t = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(unix_ms % 1000));
    return buf;
}

std::string FormatMoney(uint64_t units) {
    std::string whole = std::to_string(units / kCoin);
    uint64_t frac = units % kCoin;
    if (frac == 0) return whole;
    std::string f = std::to_string(frac);
    f.insert(0, 8 - f.size(), '0');
    while (f.back() == '0')
        f.pop_back();
    return whole + "." + f;
}

std::optional<uint64_t> ParseMoney(std::string_view s, std::string* why) {
    auto fail = [why](const char* reason) -> std::optional<uint64_t> {
        if (why != nullptr) *why = reason;
        return std::nullopt;
    };
    auto digits = [](std::string_view d) {
        if (d.empty()) return false;
        for (char c : d) {
            if (c < '0' || c > '9') return false;
        }
        return true;
    };
    const size_t dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    const std::string_view frac =
        dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    if (!digits(whole) || (whole.size() > 1 && whole[0] == '0') ||
        (dot != std::string_view::npos && !digits(frac))) {
        return fail("is not an amount like 1.5");
    }
    if (frac.size() > 8) {
        return fail("has more than 8 decimals (MLN amounts have at most 8 decimal places)");
    }
    constexpr const char* kTooLarge = "is too large (the largest amount is 184467440737.09551615)";
    auto w = ParseUInt64(whole);
    if (!w) return fail(kTooLarge);
    uint64_t f = 0;
    for (size_t i = 0; i < 8; ++i) {
        const char c = i < frac.size() ? frac[i] : '0';
        f = f * 10 + static_cast<uint64_t>(c - '0');
    }
    auto m = CheckedMul(*w, kCoin);
    if (!m) return fail(kTooLarge);
    auto sum = CheckedAdd(*m, f);
    if (!sum) return fail(kTooLarge);
    return sum;
}

std::string QuoteEcho(std::string_view text, char quote) {
    static constexpr char kDigits[] = "0123456789abcdef";
    const std::string_view shown = text.substr(0, kMaxEchoedChars);
    std::string out;
    out.reserve(shown.size() + 32);
    out.push_back(quote);
    for (const char c : shown) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte > 0x7e || c == quote || c == '\\') {
            out += "\\x";
            out.push_back(kDigits[byte >> 4]);
            out.push_back(kDigits[byte & 15]);
        } else {
            out.push_back(c);
        }
    }
    if (shown.size() < text.size()) out += "...";
    out.push_back(quote);
    if (shown.size() < text.size()) out += " (" + std::to_string(text.size()) + " characters)";
    return out;
}

}  // namespace maillon
