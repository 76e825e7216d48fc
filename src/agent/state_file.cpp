#include "agent/state_file.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <filesystem>

#include "util/file.h"
#include "util/strencodings.h"

namespace maillon {

Error StateCorrupt(const std::string& what) {
    return MakeError(ErrorKind::kCorruption, "state-corrupt", what);
}

Result<std::optional<std::string>> ReadStateFile(const std::string& path, size_t max_size) {
    std::error_code ec;
    const auto type = std::filesystem::symlink_status(path, ec).type();
    if (type == std::filesystem::file_type::not_found) return std::optional<std::string>();
    auto text = ReadFileBounded(path, max_size);
    if (!text) {
        return MakeError(text.error().kind, text.error().code,
                         "state file " + path + ": " + text.error().message);
    }
    return std::optional<std::string>(std::move(*text));
}

Status WriteStateFile(const std::string& path, std::string_view text) {
    Status st = WriteFileAtomically(path, text, FileReplace::kAlways);
    if (!st) {
        return MakeError(st.error().kind, st.error().code,
                         "cannot write state file " + path + ": " + st.error().message);
    }
    return Status::Ok();
}

std::string EncodeStateObject(uint64_t version, std::initializer_list<StateField> fields) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("version");
    w.Uint64(version);
    for (const StateField& f : fields) {
        w.Key(f.name);
        if (const auto* n = std::get_if<uint64_t>(&f.value)) {
            w.Uint64(*n);
        } else {
            const std::string& text = std::get<std::string>(f.value);
            w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
        }
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

Result<rapidjson::Document> ParseStateObject(std::string_view text, uint64_t version) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        return StateCorrupt("it is not a JSON object (" + std::to_string(text.size()) +
                            " bytes; a truncated write?)");
    }
    auto got = StateUInt(doc, "version");
    if (!got) return got.error();
    if (*got != version) {
        return StateCorrupt("version " + std::to_string(*got) + " is not " +
                            std::to_string(version) + ", the one this agent reads");
    }
    return doc;
}

Result<uint64_t> StateUInt(const rapidjson::Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsUint64()) {
        return StateCorrupt(std::string("\"") + name + "\" is missing or not an unsigned integer");
    }
    return it->value.GetUint64();
}

Result<std::string> StateString(const rapidjson::Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) {
        return StateCorrupt(std::string("\"") + name + "\" is missing or not a string");
    }
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

Result<Hash256> StateHash(const rapidjson::Value& obj, const char* name) {
    auto text = StateString(obj, name);
    if (!text) return text.error();
    auto bytes = ParseHex(*text);
    Hash256 h{};
    if (!bytes || bytes->size() != h.size())
        return StateCorrupt(std::string("\"") + name + "\" is not 64 hex digits");
    std::copy(bytes->begin(), bytes->end(), h.begin());
    return h;
}

}  // namespace maillon
