// The agent's small state files (the heartbeat record, the deals it signed,
// the stored files' descriptions, the bandwidth receipts it settles): one
// JSON object each, replaced atomically (util/file.h) so that a crash leaves
// the old contents or the new, and read with a bound on their size. A file
// that does not parse, or lacks a field, is "state-corrupt" (kind
// corruption), with a message naming the field: the caller names the file
// and says what to do.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

Error StateCorrupt(const std::string& what);

// The text of the file at `path`; nullopt when there is none. Errors (the
// message names the file): "file-io", "file-too-large".
Result<std::optional<std::string>> ReadStateFile(const std::string& path, size_t max_size);
// Replaces the file atomically. Errors: "file-io", naming it.
Status WriteStateFile(const std::string& path, std::string_view text);

// A member of a flat state object.
struct StateField {
    const char* name;
    std::variant<uint64_t, std::string> value;
};
// {"version":V,"name":value,...} and a newline: a flat state object's text.
std::string EncodeStateObject(uint64_t version, std::initializer_list<StateField> fields);

// `text` as a JSON object whose "version" is `version`.
Result<rapidjson::Document> ParseStateObject(std::string_view text, uint64_t version);

// Members of a state object, or "state-corrupt" naming the missing or
// mistyped one.
Result<uint64_t> StateUInt(const rapidjson::Value& obj, const char* name);
Result<std::string> StateString(const rapidjson::Value& obj, const char* name);
Result<Hash256> StateHash(const rapidjson::Value& obj, const char* name);

}  // namespace maillon
