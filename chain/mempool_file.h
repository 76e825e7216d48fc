// mempool.dat: the pending transactions saved at a clean shutdown and loaded
// (each one validated again, as if newly submitted) at the next start.
//
// Format (integers little-endian, as in doc/protocol.md):
//   magic "MLNMPOOL" | u32 version (1) | u32 chain id | varint count |
//   count x (varint length | transaction encoding) | SHA-256 of all before
// The file is written to a temporary name, synced and renamed, so a crash
// leaves the old file or the new one. A file that is damaged, of another
// chain or of another version is set aside as a whole (an error says why);
// the node then starts with an empty mempool.
//
// Thread-safety: as Mempool's; call while nothing else writes the file.
#pragma once

#include <cstddef>
#include <string>

#include "chain/mempool.h"
#include "chain/tip.h"
#include "util/result.h"

namespace maillon {

// Most transactions a file may hold; more is refused before allocating.
inline constexpr uint64_t kMaxMempoolFileTxs = 1'000'000;

Status SaveMempool(const Mempool& pool, const ChainParams& params, const std::string& path);

struct MempoolLoad {
    size_t kept = 0;     // accepted again
    size_t dropped = 0;  // refused now: mined meanwhile, no longer valid, or over a limit
};

// Loads `path` into `pool` against the current tip; a missing file loads
// nothing. Transactions that no longer apply are dropped and counted. The
// file stays (the next clean shutdown replaces it), so a crash before then
// loses nothing it held.
Result<MempoolLoad> LoadMempool(Mempool& pool, const ChainParams& params, const TipSource& tip,
                                uint64_t now_ms, const std::string& path);

}  // namespace maillon
