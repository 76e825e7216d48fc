#include "rpc/rpc_result.h"

#include <set>

namespace maillon {

namespace {

using Type = RpcResult::Type;

const char* TypeWord(Type t) {
    switch (t) {
        case Type::kNone:
            return "none";
        case Type::kString:
            return "string";
        case Type::kHex:
            return "hex string";
        case Type::kUInt64:
            return "integer";
        case Type::kBool:
            return "boolean";
        case Type::kNull:
            return "null";
        case Type::kObject:
            return "object";
        case Type::kArray:
            return "array";
        case Type::kAny:
            return "any";
    }
    return "?";
}

const char* JsonTypeWord(const rapidjson::Value& v) {
    if (v.IsNull()) return "null";
    if (v.IsBool()) return "boolean";
    if (v.IsObject()) return "object";
    if (v.IsArray()) return "array";
    if (v.IsString()) return "string";
    if (v.IsUint64()) return "integer";
    return "number";
}

std::string Placeholder(const RpcResult& r) {
    switch (r.type) {
        case Type::kString:
            return "\"str\"";
        case Type::kHex:
            return "\"hex\"";
        case Type::kUInt64:
            return "n";
        case Type::kBool:
            return "true|false";
        case Type::kNull:
            return "null";
        case Type::kObject:
            return "{";
        case Type::kArray:
            return "[";
        case Type::kAny:
        case Type::kNone:
            return "...";
    }
    return "...";
}

void Format(const RpcResult& r, int indent, bool in_object, std::string& out) {
    const std::string pad(static_cast<size_t>(indent) * 2, ' ');
    std::string line = pad;
    if (in_object) line += "\"" + r.name + "\": ";
    line += Placeholder(r);
    std::string note = std::string("(") + TypeWord(r.type);
    if (r.optional) note += ", optional";
    if (r.nullable) note += ", or null";
    note += ")";
    if (!r.help.empty()) note += " " + r.help;
    if (line.size() < 32) line.resize(32, ' ');
    out += line + " " + note + "\n";
    if (r.type == Type::kObject || r.type == Type::kArray) {
        for (const RpcResult& in : r.inner)
            Format(in, indent + 1, r.type == Type::kObject, out);
        out += pad + (r.type == Type::kObject ? "}" : "]") + "\n";
    }
}

std::optional<std::string> Check(const RpcResult& r, const rapidjson::Value& v,
                                 const std::string& path);

std::optional<std::string> CheckOne(const RpcResult& r, const rapidjson::Value& v,
                                    const std::string& path) {
    auto mismatch = [&] {
        return path + ": expected " + TypeWord(r.type) + (r.nullable ? " or null" : "") + ", got " +
               JsonTypeWord(v);
    };
    if (v.IsNull() && r.nullable) return std::nullopt;
    switch (r.type) {
        case Type::kNone:
        case Type::kAny:
            return std::nullopt;
        case Type::kString:
            if (!v.IsString()) return mismatch();
            return std::nullopt;
        case Type::kHex: {
            if (!v.IsString()) return mismatch();
            const std::string_view s(v.GetString(), v.GetStringLength());
            if (s.size() % 2 || s.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
                return path + ": expected lower-case hex, got \"" + std::string(s.substr(0, 40)) +
                       "\"";
            }
            return std::nullopt;
        }
        case Type::kUInt64:
            if (!v.IsUint64()) return mismatch();
            return std::nullopt;
        case Type::kBool:
            if (!v.IsBool()) return mismatch();
            return std::nullopt;
        case Type::kNull:
            if (!v.IsNull()) return mismatch();
            return std::nullopt;
        case Type::kArray:
            if (!v.IsArray()) return mismatch();
            if (r.inner.empty()) return std::nullopt;
            for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
                if (auto e = Check(r.inner[0], v[i], path + "[" + std::to_string(i) + "]"))
                    return e;
            }
            return std::nullopt;
        case Type::kObject: {
            if (!v.IsObject()) return mismatch();
            std::set<std::string> documented;
            for (const RpcResult& m : r.inner) {
                documented.insert(m.name);
                auto it = v.FindMember(m.name.c_str());
                if (it == v.MemberEnd()) {
                    if (m.optional) continue;
                    return path + "." + m.name + ": missing";
                }
                if (auto e = Check(m, it->value, path + "." + m.name)) return e;
            }
            for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
                if (!documented.count(it->name.GetString())) {
                    return path + "." + it->name.GetString() + ": not documented";
                }
            }
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::optional<std::string> Check(const RpcResult& r, const rapidjson::Value& v,
                                 const std::string& path) {
    auto first = CheckOne(r, v, path);
    if (!first) return std::nullopt;
    for (const RpcResult& alt : r.alternatives) {
        if (!Check(alt, v, path)) return std::nullopt;
    }
    return first;
}

}  // namespace

std::string FormatResult(const RpcResult& result) {
    std::string out;
    Format(result, 0, false, out);
    for (const RpcResult& alt : result.alternatives) {
        out += "or\n";
        Format(alt, 0, false, out);
    }
    return out;
}

std::optional<std::string> CheckResult(const RpcResult& result, const rapidjson::Value& value) {
    return Check(result, value, "result");
}

}  // namespace maillon
