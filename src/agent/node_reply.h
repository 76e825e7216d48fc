// What maillon-agent reads from the node's replies (doc/rpc.md has each
// method's result). A reply without a field the agent needs is an error
// naming the method and the field ("bad-reply"), never a crash or a guess.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

// getblockchaininfo: the tip.
struct TipInfo {
    uint64_t height = 0;  // "blocks"
    Hash256 hash{};       // "bestblockhash"
};
Result<TipInfo> ParseTipInfo(const rapidjson::Value& reply);

// getblockhash: a block's hash.
Result<Hash256> ParseBlockHash(const rapidjson::Value& reply);

// getdeal: the epochs a deal's proofs are due in.
struct DealInfo {
    uint64_t start_epoch = 0;
    uint64_t end_epoch = 0;  // the last one
    uint64_t proven_epochs = 0;
};
Result<DealInfo> ParseDealInfo(const rapidjson::Value& reply);

// getdevice.
struct DeviceInfo {
    std::string owner;
    uint8_t kinds = 0;
    uint64_t registered_height = 0;
    std::optional<uint64_t> retired_height;
};
Result<DeviceInfo> ParseDeviceInfo(const rapidjson::Value& reply);

// getaccount: the nonce the account's next transaction takes.
Result<uint64_t> ParseNextNonce(const rapidjson::Value& reply);
// getcredits: the account's data credits.
Result<uint64_t> ParseCredits(const rapidjson::Value& reply);

// One entry of submitattestation's reply.
struct SubmitOutcome {
    bool accepted = false;
    std::string txid;     // "" when the node could not decode the entry
    std::string reason;   // refused: the reason code
    std::string message;  // refused: what to fix
};
// The reply to a call with one attestation: an array of one entry.
Result<SubmitOutcome> ParseSubmitOutcome(const rapidjson::Value& reply);

// getdevicecontributions: "uptime_intervals (of N network-wide), ..." for
// the log, and the block that counted the device's last heartbeat.
struct Contributions {
    std::string summary;
    std::optional<uint64_t> last_heartbeat_height;
};
Result<Contributions> ParseContributions(const rapidjson::Value& reply);

// getrewardbreakdown of a device: one line, e.g. "owner reward 5714285714 (settled):
// uptime: 2 of 7 units (this device 2), pro rata 5714285714, owner cap 10000000000, paid
// 5714285714 (this device 5714285714)" ("no units" when it has none).
Result<std::string> SummarizeRewardBreakdown(const rapidjson::Value& reply);

// getdevicerejections: "reason x count, ..." ("none" when empty).
Result<std::string> SummarizeRejections(const rapidjson::Value& reply);

}  // namespace maillon
