#include "client/cli_params.h"

#include <algorithm>
#include <charconv>

#include "consensus/records.h"
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

Result<uint8_t> ParseDeviceKinds(const std::string& text) {
    if (auto n = ParseUInt64(text); n && *n >= 1 && *n <= kDeviceKindsMask) {
        return static_cast<uint8_t>(*n);
    }
    uint8_t kinds = 0;
    size_t start = 0;
    for (;;) {
        const size_t comma = text.find(',', start);
        const std::string_view name = std::string_view(text).substr(start, comma - start);
        auto it = std::find_if(kDeviceKindNames.begin(), kDeviceKindNames.end(),
                               [&](const DeviceKindName& k) { return k.name == name; });
        if (it == kDeviceKindNames.end()) {
            return MakeError("bad-kinds", "kinds " + QuoteEcho(text) +
                                              ": use uptime, bandwidth and storage, "
                                              "comma-separated, or a bit mask 1..7");
        }
        kinds |= it->bit;
        if (comma == std::string::npos) return kinds;
        start = comma + 1;
    }
}

std::string FormatDeviceKinds(uint8_t kinds) {
    std::string out;
    for (const DeviceKindName& k : kDeviceKindNames) {
        if ((kinds & k.bit) != 0) out += (out.empty() ? "" : ",") + std::string(k.name);
    }
    return out;
}

}  // namespace maillon
