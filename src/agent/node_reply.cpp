#include "agent/node_reply.h"

#include <algorithm>
#include <utility>

#include "util/strencodings.h"

namespace maillon {

namespace {

Error BadReply(const char* method, const std::string& what) {
    return MakeError("bad-reply", std::string("the node's ") + method + " reply " + what);
}

const rapidjson::Value* Member(const rapidjson::Value& obj, const char* name) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(name);
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

Result<uint64_t> UInt(const rapidjson::Value& obj, const char* method, const char* name) {
    const rapidjson::Value* v = Member(obj, name);
    if (v == nullptr || !v->IsUint64())
        return BadReply(method, std::string("has no \"") + name + "\" (an unsigned integer)");
    return v->GetUint64();
}

// An unsigned integer or null.
Result<std::optional<uint64_t>> NullableUInt(const rapidjson::Value& obj, const char* method,
                                             const char* name) {
    const rapidjson::Value* v = Member(obj, name);
    if (v != nullptr && v->IsNull()) return std::optional<uint64_t>();
    auto n = UInt(obj, method, name);
    if (!n) return n.error();
    return std::optional<uint64_t>(*n);
}

Result<std::string> String(const rapidjson::Value& obj, const char* method, const char* name) {
    const rapidjson::Value* v = Member(obj, name);
    if (v == nullptr || !v->IsString())
        return BadReply(method, std::string("has no \"") + name + "\" (a string)");
    return std::string(v->GetString(), v->GetStringLength());
}

// 64 hex digits, as a hash; `what` names the field in the error.
Result<Hash256> HashOf(const std::string& hex, const char* method, const char* what) {
    const auto bytes = ParseHex(hex);
    Hash256 hash{};
    if (!bytes || bytes->size() != hash.size())
        return BadReply(method, std::string("has ") + what + " that is not 32 bytes of hex");
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    return hash;
}

// "name=N" for each unit of a contribution object.
// The first of the results that failed, if one did.
template <class... R>
std::optional<Error> FirstError(const R&... results) {
    std::optional<Error> first;
    ((first || results.ok() || (first = results.error(), true)), ...);
    return first;
}

Result<std::string> Units(const rapidjson::Value& obj, const char* method) {
    std::string out;
    for (const char* name :
         {"uptime_intervals", "bandwidth_bytes", "storage_byte_epochs", "credits_burned"}) {
        auto n = UInt(obj, method, name);
        if (!n) return n.error();
        out += std::string(out.empty() ? "" : ", ") + name + "=" + std::to_string(*n);
    }
    return out;
}

}  // namespace

Result<TipInfo> ParseTipInfo(const rapidjson::Value& reply) {
    constexpr const char* kMethod = "getblockchaininfo";
    auto height = UInt(reply, kMethod, "blocks");
    if (!height) return height.error();
    auto hash_hex = String(reply, kMethod, "bestblockhash");
    if (!hash_hex) return hash_hex.error();
    auto hash = HashOf(*hash_hex, kMethod, "a \"bestblockhash\"");
    if (!hash) return hash.error();
    return TipInfo{*height, *hash};
}

Result<Hash256> ParseBlockHash(const rapidjson::Value& reply) {
    if (!reply.IsString()) return BadReply("getblockhash", "is not a string");
    return HashOf(std::string(reply.GetString(), reply.GetStringLength()), "getblockhash",
                  "a hash");
}

Result<DealInfo> ParseDealInfo(const rapidjson::Value& reply) {
    DealInfo d;
    const std::pair<const char*, uint64_t*> fields[] = {{"start_epoch", &d.start_epoch},
                                                        {"end_epoch", &d.end_epoch},
                                                        {"proven_epochs", &d.proven_epochs}};
    for (const auto& [name, field] : fields) {
        auto n = UInt(reply, "getdeal", name);
        if (!n) return n.error();
        *field = *n;
    }
    return d;
}

Result<DeviceInfo> ParseDeviceInfo(const rapidjson::Value& reply) {
    constexpr const char* kMethod = "getdevice";
    DeviceInfo d;
    auto owner = String(reply, kMethod, "owner");
    if (!owner) return owner.error();
    auto kinds = UInt(reply, kMethod, "kinds");
    if (!kinds) return kinds.error();
    auto registered = UInt(reply, kMethod, "registered_height");
    if (!registered) return registered.error();
    auto retired = NullableUInt(reply, kMethod, "retired_height");
    if (!retired) return retired.error();
    d.owner = std::move(*owner);
    d.kinds = static_cast<uint8_t>(*kinds);
    d.registered_height = *registered;
    d.retired_height = *retired;
    return d;
}

Result<uint64_t> ParseNextNonce(const rapidjson::Value& reply) {
    return UInt(reply, "getaccount", "next_nonce");
}

Result<uint64_t> ParseCredits(const rapidjson::Value& reply) {
    return UInt(reply, "getcredits", "credits");
}

Result<SubmitOutcome> ParseSubmitOutcome(const rapidjson::Value& reply) {
    constexpr const char* kMethod = "submitattestation";
    if (!reply.IsArray() || reply.Size() != 1 || !reply[0].IsObject())
        return BadReply(kMethod, "is not an array of one object");
    const rapidjson::Value& entry = reply[0];
    const rapidjson::Value* accepted = Member(entry, "accepted");
    if (accepted == nullptr || !accepted->IsBool())
        return BadReply(kMethod, "has no \"accepted\" (true or false)");
    SubmitOutcome out;
    out.accepted = accepted->GetBool();
    if (const rapidjson::Value* txid = Member(entry, "txid"); txid && txid->IsString())
        out.txid = txid->GetString();
    if (out.accepted) return out;
    auto reason = String(entry, kMethod, "reason");
    if (!reason) return reason.error();
    auto message = String(entry, kMethod, "message");
    if (!message) return message.error();
    out.reason = std::move(*reason);
    out.message = std::move(*message);
    return out;
}

Result<Contributions> ParseContributions(const rapidjson::Value& reply) {
    constexpr const char* kMethod = "getdevicecontributions";
    auto own = Units(reply, kMethod);
    if (!own) return own.error();
    const rapidjson::Value* totals = Member(reply, "epoch_totals");
    if (totals == nullptr) return BadReply(kMethod, "has no \"epoch_totals\"");
    auto all = Units(*totals, kMethod);
    if (!all) return all.error();
    auto last = NullableUInt(reply, kMethod, "last_heartbeat_height");
    if (!last) return last.error();
    return Contributions{*own + " (every device's: " + *all + ")", *last};
}

Result<std::string> SummarizeRewardBreakdown(const rapidjson::Value& reply) {
    constexpr const char* kMethod = "getrewardbreakdown";
    const rapidjson::Value* pools = Member(reply, "pools");
    const rapidjson::Value* settled = Member(reply, "settled");
    if (pools == nullptr || !pools->IsArray()) return BadReply(kMethod, "has no \"pools\"");
    if (settled == nullptr || !settled->IsBool()) return BadReply(kMethod, "has no \"settled\"");
    auto total = UInt(reply, kMethod, "total");
    if (!total) return total.error();
    std::string out = "owner reward " + std::to_string(*total) + " base units (" +
                      (settled->GetBool() ? "settled" : "owed") + ")";
    if (pools->Empty()) return out + ": no units";
    for (const rapidjson::Value& p : pools->GetArray()) {
        auto name = String(p, kMethod, "pool");
        auto units = UInt(p, kMethod, "units");
        auto all = UInt(p, kMethod, "total_units");
        auto mine = NullableUInt(p, kMethod, "device_units");
        auto pro_rata = UInt(p, kMethod, "pro_rata");
        auto cap = UInt(p, kMethod, "owner_cap");
        auto credit_cap = NullableUInt(p, kMethod, "credit_cap");
        auto paid = UInt(p, kMethod, "paid");
        auto device_paid = NullableUInt(p, kMethod, "device_paid");
        if (auto e =
                FirstError(name, units, all, mine, pro_rata, cap, credit_cap, paid, device_paid))
            return *e;
        out += "; " + *name + ": " + std::to_string(*units) + " of " + std::to_string(*all) +
               " units (this device " + std::to_string(mine->value_or(0)) + "), pro rata " +
               std::to_string(*pro_rata) + ", owner cap " + std::to_string(*cap);
        if (*credit_cap) out += ", credit cap " + std::to_string(**credit_cap);
        out += ", paid " + std::to_string(*paid) + " (this device " +
               std::to_string(device_paid->value_or(0)) + ")";
    }
    return out;
}

Result<std::string> SummarizeRejections(const rapidjson::Value& reply) {
    constexpr const char* kMethod = "getdevicerejections";
    const rapidjson::Value* list = Member(reply, "rejections");
    if (list == nullptr || !list->IsArray()) return BadReply(kMethod, "has no \"rejections\"");
    std::string out;
    for (const rapidjson::Value& r : list->GetArray()) {
        auto reason = String(r, kMethod, "reason");
        if (!reason) return reason.error();
        auto count = UInt(r, kMethod, "count");
        if (!count) return count.error();
        out += (out.empty() ? "" : ", ") + *reason + " x" + std::to_string(*count);
    }
    return out.empty() ? std::string("none") : out;
}

}  // namespace maillon
