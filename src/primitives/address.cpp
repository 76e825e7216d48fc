#include "primitives/address.h"

#include "crypto/bech32.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr uint8_t kAddressVersion = 0;
// 5-bit groups after the version that carry a 32-byte key (256 bits, padded).
constexpr size_t kKeyGroups = (32 * 8 + 4) / 5;
Error InvalidAddress(std::string_view address, const std::string& why) {
    return MakeError("invalid-address", "invalid address " + QuoteEcho(address) + ": " + why);
}

bool IsMaillonPrefix(std::string_view hrp) {
    return hrp == "mln" || hrp == "tmln" || hrp == "dmln";
}

}  // namespace

std::string EncodeAddress(std::string_view hrp, const XOnlyPubKey& key) {
    std::vector<uint8_t> data{kAddressVersion};
    auto bits = bech32::ConvertBits(key, 8, 5, true);
    data.insert(data.end(), bits->begin(), bits->end());
    return bech32::Encode(bech32::Encoding::kBech32m, hrp, data);
}

Result<XOnlyPubKey> DecodeAddressWithoutCurveCheck(std::string_view hrp, std::string_view address) {
    auto fail = [&](const std::string& why) { return InvalidAddress(address, why); };
    auto dec = bech32::Decode(address);
    if (!dec) return fail(dec.error().message);
    if (dec->hrp != hrp) {
        return fail("prefix " + QuoteEcho(dec->hrp) + " is " +
                    (IsMaillonPrefix(dec->hrp) ? "for another network" : "not a Maillon prefix") +
                    "; this network's addresses start with '" + std::string(hrp) + "1'");
    }
    if (dec->encoding != bech32::Encoding::kBech32m)
        return fail("uses a bech32 checksum, not bech32m");
    if (dec->data.empty())
        return fail("nothing between the prefix and the checksum; an address holds a key");
    if (dec->data[0] != kAddressVersion) {
        return fail("unknown address version " + std::to_string(dec->data[0]) +
                    " (this node knows version 0)");
    }
    if (dec->data.size() - 1 != kKeyGroups) {
        return fail("the key part is " + std::to_string(dec->data.size() - 1) +
                    " characters, a 32-byte key takes " + std::to_string(kKeyGroups) +
                    " (truncated or mistyped?)");
    }
    // 52 groups are 260 bits: exactly 32 bytes and 4 padding bits, which must
    // be zero.
    auto bytes = bech32::ConvertBits(std::span(dec->data).subspan(1), 5, 8, false);
    if (!bytes) {
        return fail(
            "the last character of the key part sets bits beyond the 32-byte key "
            "(mistyped?)");
    }
    XOnlyPubKey key;
    std::copy(bytes->begin(), bytes->end(), key.begin());
    return key;
}

Status CheckAddressKey(std::string_view address, const XOnlyPubKey& key) {
    if (!IsValidXOnly(key)) return InvalidAddress(address, "key is not a valid curve point");
    return Status::Ok();
}

Result<XOnlyPubKey> DecodeAddress(std::string_view hrp, std::string_view address) {
    auto key = DecodeAddressWithoutCurveCheck(hrp, address);
    if (!key) return key;
    if (Status st = CheckAddressKey(address, *key); !st) return st.error();
    return key;
}

}  // namespace maillon
