#include "consensus/tx_type.h"

#include <string>

#include "primitives/address.h"
#include "util/strencodings.h"

namespace maillon {

void AddJsonUInt(rapidjson::Value& out, std::string_view name, uint64_t value, JsonAlloc& a) {
    out.AddMember(rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a),
                  rapidjson::Value(value), a);
}

namespace {

void AddJsonText(rapidjson::Value& out, std::string_view name, const std::string& text,
                 JsonAlloc& a) {
    out.AddMember(rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a),
                  rapidjson::Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), a),
                  a);
}

}  // namespace

void AddJsonAddress(rapidjson::Value& out, std::string_view name, const XOnlyPubKey& key,
                    std::string_view hrp, JsonAlloc& a) {
    AddJsonText(out, name, EncodeAddress(hrp, key), a);
}

void AddJsonHex(rapidjson::Value& out, std::string_view name, std::span<const uint8_t> bytes,
                JsonAlloc& a) {
    AddJsonText(out, name, HexStr(bytes), a);
}

}  // namespace maillon
