// Shared pieces of the state record encodings (consensus/records.h and
// consensus/contribution_records.h): the version byte every record starts
// with, and the typed read that turns an undecodable stored value into a
// corruption error naming the record and its key.
#pragma once

#include <optional>
#include <string>

#include "consensus/state.h"
#include "serialize/codec.h"
#include "util/result.h"
#include "util/strencodings.h"

namespace maillon {

inline constexpr uint8_t kRecordVersion = 1;

// Reads the leading version byte of a record named `what`.
bool ReadRecordVersion(Reader& r, const std::string& what);

// The record under `key` decoded by R::Decode, nullopt when absent.
template <class R>
Result<std::optional<R>> ReadRecord(const StateReader& state, const Hash256& key,
                                    const char* what) {
    auto value = state.Get(key);
    if (!value) return value.error();
    if (!value->has_value()) return std::optional<R>();
    auto record = R::Decode(**value);
    if (!record) {
        return MakeError(ErrorKind::kCorruption, "state-record-corrupt",
                         std::string("the ") + what + " record at state key " + HexStr(key) +
                             " does not decode (" + record.error().message +
                             "); the state database is corrupt");
    }
    return std::optional<R>(std::move(*record));
}

}  // namespace maillon
