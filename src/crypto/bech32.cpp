#include "crypto/bech32.h"

#include "util/strencodings.h"

namespace maillon::bech32 {

namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Const = 1;
constexpr uint32_t kBech32mConst = 0x2bc830a3;
constexpr size_t kMaxLength = 90;

int8_t CharsetIndex(char c) {
    for (int i = 0; i < 32; ++i) {
        if (kCharset[i] == c) return static_cast<int8_t>(i);
    }
    return -1;
}

uint32_t PolyMod(std::span<const uint8_t> values) {
    static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                         0x2a1462b3};
    uint32_t chk = 1;
    for (uint8_t v : values) {
        uint8_t top = chk >> 25;
        chk = (chk & 0x1ffffff) << 5 ^ v;
        for (int i = 0; i < 5; ++i) {
            if ((top >> i) & 1) chk ^= kGen[i];
        }
    }
    return chk;
}

std::vector<uint8_t> ExpandHrp(std::string_view hrp) {
    std::vector<uint8_t> out;
    out.reserve(hrp.size() * 2 + 1);
    for (char c : hrp)
        out.push_back(static_cast<uint8_t>(c) >> 5);
    out.push_back(0);
    for (char c : hrp)
        out.push_back(static_cast<uint8_t>(c) & 31);
    return out;
}

uint32_t Constant(Encoding e) {
    return e == Encoding::kBech32 ? kBech32Const : kBech32mConst;
}

}  // namespace

std::string Encode(Encoding encoding, std::string_view hrp, std::span<const uint8_t> values) {
    std::vector<uint8_t> enc = ExpandHrp(hrp);
    enc.insert(enc.end(), values.begin(), values.end());
    enc.insert(enc.end(), 6, 0);
    const uint32_t mod = PolyMod(enc) ^ Constant(encoding);
    std::string out(hrp);
    out += '1';
    for (uint8_t v : values)
        out += kCharset[v];
    for (int i = 0; i < 6; ++i)
        out += kCharset[(mod >> (5 * (5 - i))) & 31];
    return out;
}

Result<Decoded> Decode(std::string_view str) {
    auto fail = [](const std::string& msg) { return MakeError("invalid-bech32", msg); };
    if (str.size() > kMaxLength) {
        return fail("string is " + std::to_string(str.size()) + " characters, the limit is 90");
    }
    bool lower = false, upper = false;
    for (char c : str) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126) return fail("character out of range (33..126)");
        if (c >= 'a' && c <= 'z') lower = true;
        if (c >= 'A' && c <= 'Z') upper = true;
    }
    if (lower && upper) return fail("mixed upper and lower case");
    const size_t sep = str.rfind('1');
    if (sep == std::string_view::npos) return fail("missing separator '1'");
    if (sep == 0) return fail("empty human-readable part");
    if (str.size() - sep - 1 < 6) return fail("data part shorter than the 6-character checksum");

    Decoded d;
    for (size_t i = 0; i < sep; ++i) {
        char c = str[i];
        d.hrp += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    std::vector<uint8_t> values;
    for (size_t i = sep + 1; i < str.size(); ++i) {
        char c = str[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        const int8_t v = CharsetIndex(c);
        if (v < 0) return fail("invalid data character " + QuoteEcho(std::string_view(&str[i], 1)));
        values.push_back(static_cast<uint8_t>(v));
    }
    std::vector<uint8_t> enc = ExpandHrp(d.hrp);
    enc.insert(enc.end(), values.begin(), values.end());
    const uint32_t mod = PolyMod(enc);
    if (mod == kBech32Const) {
        d.encoding = Encoding::kBech32;
    } else if (mod == kBech32mConst) {
        d.encoding = Encoding::kBech32m;
    } else {
        return fail("invalid checksum");
    }
    values.resize(values.size() - 6);
    d.data = std::move(values);
    return d;
}

Result<std::vector<uint8_t>> ConvertBits(std::span<const uint8_t> in, int from_bits, int to_bits,
                                         bool pad) {
    uint32_t acc = 0;
    int bits = 0;
    const uint32_t maxv = (1u << to_bits) - 1;
    std::vector<uint8_t> out;
    for (uint8_t v : in) {
        if (v >> from_bits) return MakeError("invalid-bech32", "input value out of range");
        acc = (acc << from_bits) | v;
        bits += from_bits;
        while (bits >= to_bits) {
            bits -= to_bits;
            out.push_back(static_cast<uint8_t>((acc >> bits) & maxv));
        }
    }
    if (pad) {
        if (bits) out.push_back(static_cast<uint8_t>((acc << (to_bits - bits)) & maxv));
    } else if (bits >= from_bits) {
        return MakeError("invalid-bech32", "too much padding");
    } else if ((acc << (to_bits - bits)) & maxv) {
        return MakeError("invalid-bech32", "non-zero padding bits");
    }
    return out;
}

}  // namespace maillon::bech32
