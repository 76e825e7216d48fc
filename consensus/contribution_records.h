// State records of device contributions: what attestations (heartbeat,
// bandwidth_receipt, storage_proof) have proven, kept per device and per
// epoch for the rewards step. Tags continue consensus/records.h's table:
//
// | tag | kind            | identifier              | absent means          |
// |-----|-----------------|-------------------------|-----------------------|
// | 7   | device activity | device key              | never heartbeated     |
// | 8   | contribution    | device key, epoch u64   | no units that epoch   |
// | 9   | epoch totals    | epoch u64               | no units that epoch   |
// | 10  | settled session | consumer, device, session | not settled         |
// | 11  | storage deal    | deal id (its txid)      | no such deal          |
//
// (identifiers are concatenated; integers little-endian). Every attestation
// reads and writes a fixed number of these records, so its cost never grows
// with the number of devices or epochs. Encodings in doc/protocol.md §6.2.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "consensus/records.h"
#include "consensus/state.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

// Verified units, by kind, and the credits burned for paid usage. Encoding:
// u8 version (1) | uptime_intervals u64 | bandwidth_bytes u64 |
// storage_byte_epochs u64 | credits_burned u64.
struct ContributionUnits {
    uint64_t uptime_intervals = 0;     // heartbeat intervals counted
    uint64_t bandwidth_bytes = 0;      // bytes settled by bandwidth receipts
    uint64_t storage_byte_epochs = 0;  // deal bytes proven, once per epoch
    uint64_t credits_burned = 0;       // consumers' and clients' credits spent

    bool operator==(const ContributionUnits&) const = default;
    // False when a sum would overflow 64 bits (then *this is unchanged).
    bool Add(const ContributionUnits& more);

    std::vector<uint8_t> Encode() const;
    static Result<ContributionUnits> Decode(std::span<const uint8_t> bytes);
};

// A device's heartbeat history. Encoding: u8 version (1) |
// last_interval u64 | last_height u64.
struct DeviceActivity {
    uint64_t last_interval = 0;  // the heartbeat interval last counted
    uint64_t last_height = 0;    // the block that counted it

    bool operator==(const DeviceActivity&) const = default;
    std::vector<uint8_t> Encode() const;
    static Result<DeviceActivity> Decode(std::span<const uint8_t> bytes);
};

// A bandwidth session a receipt settled, kept for ever: a (consumer, device,
// session) triple is accepted once. The device is part of the key so that a
// consumer cannot void an honest device's receipt by settling the same
// session id with another device first. Encoding: u8 version (1) | device [32] |
// settled_height u64.
struct SettledSession {
    XOnlyPubKey device{};
    uint64_t settled_height = 0;

    bool operator==(const SettledSession&) const = default;
    std::vector<uint8_t> Encode() const;
    static Result<SettledSession> Decode(std::span<const uint8_t> bytes);
};

// A storage deal. Encoding: u8 version (1) | client [32] | device [32] |
// data_root [32] | size u64 | chunk_size u32 | start_epoch u64 |
// duration_epochs u32 | price u64 | proven_epochs u32 | last_proven u64 |
// escrow u64. The deal covers epochs start_epoch .. start_epoch +
// duration_epochs - 1; last_proven is the last epoch with an accepted proof
// (meaningful when proven_epochs > 0); escrow holds the credits not burned
// yet.
struct Deal {
    XOnlyPubKey client{};
    XOnlyPubKey device{};
    Hash256 data_root{};
    uint64_t size = 0;
    uint32_t chunk_size = 0;
    uint64_t start_epoch = 0;
    uint32_t duration_epochs = 0;
    uint64_t price = 0;  // credits per byte and epoch
    uint32_t proven_epochs = 0;
    uint64_t last_proven = 0;
    uint64_t escrow = 0;

    bool operator==(const Deal&) const = default;
    std::vector<uint8_t> Encode() const;
    static Result<Deal> Decode(std::span<const uint8_t> bytes);
};

Hash256 ContributionKey(const XOnlyPubKey& device, uint64_t epoch);
Hash256 EpochTotalsKey(uint64_t epoch);

Result<std::optional<DeviceActivity>> GetDeviceActivity(const StateReader& state,
                                                        const XOnlyPubKey& device);
Status PutDeviceActivity(StateOverlay& state, const XOnlyPubKey& device, const DeviceActivity& a);

Result<std::optional<SettledSession>> GetSettledSession(const StateReader& state,
                                                        const XOnlyPubKey& consumer,
                                                        const XOnlyPubKey& device,
                                                        const Hash256& session);
Status PutSettledSession(StateOverlay& state, const XOnlyPubKey& consumer,
                         const XOnlyPubKey& device, const Hash256& session,
                         const SettledSession& s);

Result<std::optional<Deal>> GetDeal(const StateReader& state, const Hash256& deal_id);
Status PutDeal(StateOverlay& state, const Hash256& deal_id, const Deal& deal);

// Zero units when absent.
Result<ContributionUnits> GetContribution(const StateReader& state, const XOnlyPubKey& device,
                                          uint64_t epoch);
Result<ContributionUnits> GetEpochTotals(const StateReader& state, uint64_t epoch);

// Adds `units` to the device's record for `epoch` and to the epoch's totals
// (reason "amount-overflow" if a counter would pass 2^64 - 1).
Status CreditContribution(StateOverlay& state, const XOnlyPubKey& device, uint64_t epoch,
                          const ContributionUnits& units);

}  // namespace maillon
