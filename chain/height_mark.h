// HeightMark: a one-line file beside the chain database that records the last
// block this node committed ("<height> <hash hex>").
//
// LevelDB reads a log file cut short as a database that simply ends earlier,
// so a truncated or replaced log would restart the chain some blocks lower
// without a word. The mark is written after each block's synced batch, so it
// is never ahead of what the database had made durable; a database whose tip
// is below its mark has lost blocks, and Chain::Open says so.
//
// The mark is a check, not a record: it is written without fsync (a crash may
// leave it behind the database, which is harmless) and a mark that does not
// parse is ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/hash.h"

namespace maillon {

struct HeightMark {
    uint64_t height{0};
    Hash256 hash{};
};

std::optional<HeightMark> ReadHeightMark(const std::string& path);
// Replaces the file atomically (write, then rename); false if it could not.
bool WriteHeightMark(const std::string& path, const HeightMark& mark);

}  // namespace maillon
