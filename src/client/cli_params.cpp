#include "client/cli_params.h"

#include <charconv>

#include "util/strencodings.h"

namespace maillon {

namespace {

// "-"? digits, no leading zero (JSON's integer syntax).
bool IsJsonInteger(std::string_view s) {
    const std::string_view digits = s.substr(!s.empty() && s[0] == '-' ? 1 : 0);
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return false;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

}  // namespace

rapidjson::Value ParseCliParam(std::string_view word,
                               rapidjson::Document::AllocatorType& allocator) {
    rapidjson::Value v;
    if (word == "true" || word == "false") {
        v.SetBool(word == "true");
        return v;
    }
    if (word == "null") return v;
    if (IsJsonInteger(word)) {
        const char* end = word.data() + word.size();
        if (word[0] == '-') {
            int64_t i = 0;
            const auto [ptr, ec] = std::from_chars(word.data(), end, i);
            if (ec == std::errc() && ptr == end) {
                v.SetInt64(i);
                return v;
            }
        } else if (const auto u = ParseUInt64(word)) {
            v.SetUint64(*u);
            return v;
        }
    }
    const size_t first = word.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && (word[first] == '{' || word[first] == '[')) {
        rapidjson::Document d;
        d.Parse(word.data(), word.size());
        if (!d.HasParseError() && (d.IsObject() || d.IsArray())) {
            v.CopyFrom(d, allocator);
            return v;
        }
    }
    v.SetString(word.data(), static_cast<rapidjson::SizeType>(word.size()), allocator);
    return v;
}

Result<uint64_t> ParseCliAmount(const std::string& what, const std::string& text, bool positive) {
    std::string why;
    const auto units = ParseMoney(text, &why);
    if (!units) return MakeError("bad-amount", what + " " + QuoteEcho(text) + " " + why);
    if (positive && *units == 0) {
        return MakeError("bad-amount", what + " must be more than 0, e.g. 1.5");
    }
    return *units;
}

std::string FormatCliAmount(uint64_t units) {
    return FormatMoney(units) + " MLN (" + std::to_string(units) + " base units)";
}

}  // namespace maillon
