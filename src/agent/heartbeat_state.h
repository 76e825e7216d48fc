// The agent's record of the last heartbeat it signed, kept in a small state
// file (<network data directory>/heartbeat.json) so that a restarted agent
// never signs a second heartbeat for an interval it already signed: the
// chain counts one per device and interval, and a second, different one would
// only be refused ("heartbeat-already-counted") and counted against the
// device in the node's getdevicerejections. Sending the recorded bytes again
// is harmless: same transaction, same txid.
//
// The record is written (atomically) before the heartbeat is sent, so a
// crash between the two leaves a record of a heartbeat that may not have
// arrived, never a heartbeat without a record.
//
// File format, one JSON object:
//   {"version":1, "interval":N, "ref_height":H, "tx":"<signed heartbeat hex>"}
// interval and ref_height are the heartbeat's own (repeated for people and
// scripts reading the file) and must agree with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/params.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

struct HeartbeatRecord {
    uint64_t interval = 0;    // ref_height / params.heartbeat_interval_blocks
    uint64_t ref_height = 0;  // the block the heartbeat names
    std::string tx_hex;       // the signed heartbeat, as sent
    XOnlyPubKey device{};     // its signer

    bool operator==(const HeartbeatRecord&) const = default;
};

inline constexpr uint32_t kHeartbeatRecordVersion = 1;
// A state file larger than this is refused unread: the record takes ~250 bytes.
inline constexpr size_t kMaxHeartbeatRecordSize = 64 * 1024;

// Signs a heartbeat of `device` naming block (ref_height, ref_hash).
HeartbeatRecord SignHeartbeat(const ChainParams& params, const PrivKey& device, uint64_t ref_height,
                              const Hash256& ref_hash);

std::string EncodeHeartbeatRecord(const HeartbeatRecord& record);
// Error code "state-corrupt"; the message says what is wrong (not JSON, a
// missing or mistyped field, a transaction that is not a heartbeat of this
// network, fields that disagree with it).
Result<HeartbeatRecord> DecodeHeartbeatRecord(std::string_view text, const ChainParams& params);

// nullopt when nothing is at `path` (a first start). Errors: "state-corrupt"
// (the message names the file, what is wrong and what to do), "file-io".
Result<std::optional<HeartbeatRecord>> LoadHeartbeatRecord(const std::string& path,
                                                           const ChainParams& params);
// Replaces the file atomically (util/file.h). Errors: "file-io", naming it.
Status SaveHeartbeatRecord(const std::string& path, const HeartbeatRecord& record);

}  // namespace maillon
