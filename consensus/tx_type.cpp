#include "consensus/tx_type.h"

#include <string>

#include "primitives/address.h"

namespace maillon {

void AddJsonUInt(rapidjson::Value& out, std::string_view name, uint64_t value, JsonAlloc& a) {
    out.AddMember(rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a),
                  rapidjson::Value(value), a);
}

void AddJsonAddress(rapidjson::Value& out, std::string_view name, const XOnlyPubKey& key,
                    std::string_view hrp, JsonAlloc& a) {
    const std::string text = EncodeAddress(hrp, key);
    out.AddMember(rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a),
                  rapidjson::Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), a),
                  a);
}

}  // namespace maillon
