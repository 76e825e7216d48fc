#include "primitives/address.h"

#include "crypto/bech32.h"

namespace maillon {

namespace {

constexpr uint8_t kAddressVersion = 0;

Error InvalidAddress(std::string_view address, const std::string& why) {
    return MakeError("invalid-address", "invalid address '" + std::string(address) + "': " + why);
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
        return fail("prefix '" + dec->hrp + "' is for another network, this one uses '" +
                    std::string(hrp) + "'");
    }
    if (dec->encoding != bech32::Encoding::kBech32m)
        return fail("uses a bech32 checksum, not bech32m");
    if (dec->data.empty() || dec->data[0] != kAddressVersion)
        return fail("unknown address version");
    auto bytes = bech32::ConvertBits(std::span(dec->data).subspan(1), 5, 8, false);
    if (!bytes) return fail(bytes.error().message);
    if (bytes->size() != 32)
        return fail("key is " + std::to_string(bytes->size()) + " bytes, not 32");
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
