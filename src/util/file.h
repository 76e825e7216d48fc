// Writing a whole file so that readers, and a crash, see either the old
// contents or the new ones, never a part.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace maillon {

enum class FileReplace {
    kNever,   // fail with "file-exists" when path exists; it is left untouched
    kAlways,  // replace an existing file
};

// Writes `data` to a temporary file beside `path` (mode 0600), syncs it,
// renames it to `path` and syncs the directory (best effort: some file
// systems cannot). Errors: "file-exists", "file-io" (the message says which
// step failed and why, without the path, which the caller names).
Status WriteFileAtomically(const std::string& path, std::string_view data, FileReplace replace);

// The whole file, refused before it is read when larger than max_bytes:
// "file-io" (the message names the path and the reason), "file-too-large".
Result<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes);

}  // namespace maillon
