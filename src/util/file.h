// Whole small files: writing one so that readers, and a crash, see either
// the old contents or the new ones, never a part; reading one of bounded
// size.
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

// Reads the regular file at `path` if it holds at most `max_size` bytes,
// checking the size before reading and again while reading (the file may
// grow meanwhile); a FIFO is refused, never waited on. Errors, without the
// path: "file-io" ("cannot open: ...", "not a regular file", ...),
// "file-too-large" ("file is N bytes but at most M are read").
Result<std::string> ReadFileBounded(const std::string& path, size_t max_size);

}  // namespace maillon
