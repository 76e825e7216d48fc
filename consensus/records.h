// The record kinds of the chain state. Each kind has its own key tag, so keys
// of different kinds never collide:
//     key = TaggedHash("MaillonStateKey", u8 tag || identifier)
// and a versioned encoding (doc/protocol.md, "State"). Typed accessors read
// and write them through a StateReader / StateOverlay.
//
// | tag | kind                | identifier     | absent means                  |
// |-----|---------------------|----------------|-------------------------------|
// | 1   | account             | x-only key     | an empty account              |
// | 2   | supply              | (none)         | corrupt state (set at genesis)|
// | 3   | validators          | (none)         | corrupt state (set at genesis)|
// | 4   | last validators     | (none)         | corrupt state (set at genesis)|
// | 5   | device              | device key     | not registered                |
// | 6   | retirement          | device key     | not retiring                  |
// | 7-11| contributions: consensus/contribution_records.h                       |
// |12-16| rewards: consensus/reward_records.h                                   |
//
// "validators" is the set that must sign the next block; "last validators"
// the set that signed the latest one (whose certificate the next block
// carries). A stored record that does not decode is reported as corruption.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "consensus/state.h"
#include "consensus/validator_set.h"
#include "crypto/key.h"
#include "primitives/amount.h"
#include "util/result.h"

namespace maillon {

enum class RecordTag : uint8_t {
    kAccount = 1,
    kSupply = 2,
    kValidators = 3,
    kLastValidators = 4,
    kDevice = 5,
    kRetirement = 6,
    kDeviceActivity = 7,
    kContribution = 8,
    kEpochTotals = 9,
    kSession = 10,
    kDeal = 11,
    kOwnerContribution = 12,
    kRewardCursor = 13,
    kEpochRewards = 14,
    kEpochSigners = 15,
    kRewardTotals = 16,
};

Hash256 StateKey(RecordTag tag, std::span<const uint8_t> id = {});
inline Hash256 AccountKey(const XOnlyPubKey& address) {
    return StateKey(RecordTag::kAccount, address);
}
inline Hash256 DeviceKey(const XOnlyPubKey& device) {
    return StateKey(RecordTag::kDevice, device);
}

// balance, nonce (transactions sent), credits (non-transferable data credits).
// Encoding: u8 version (1) | balance u64 | nonce u64 | credits u64.
struct Account {
    Amount balance = 0;
    uint64_t nonce = 0;
    uint64_t credits = 0;

    bool IsEmpty() const { return balance == 0 && nonce == 0 && credits == 0; }
    bool operator==(const Account&) const = default;

    std::vector<uint8_t> Encode() const;
    static Result<Account> Decode(std::span<const uint8_t> bytes);
};

// Where every base unit is: sum of balances + locked + burned = genesis +
// minted, at every height. Encoding: u8 version (1) | genesis u64 | minted u64
// | burned u64 | locked u64.
struct Supply {
    Amount genesis = 0;  // created by the genesis state
    Amount minted = 0;   // created since, by emission
    Amount burned = 0;   // destroyed (e.g. for data credits)
    Amount locked = 0;   // held out of balances: validator stake, device bonds

    bool operator==(const Supply&) const = default;

    std::vector<uint8_t> Encode() const;
    static Result<Supply> Decode(std::span<const uint8_t> bytes);
};

// Device kinds, a bit mask of what a device offers.
inline constexpr uint8_t kDeviceUptime = 1;
inline constexpr uint8_t kDeviceBandwidth = 2;
inline constexpr uint8_t kDeviceStorage = 4;
inline constexpr uint8_t kDeviceKindsMask = kDeviceUptime | kDeviceBandwidth | kDeviceStorage;

struct DeviceKindName {
    std::string_view name;
    uint8_t bit;
};
inline constexpr std::array<DeviceKindName, 3> kDeviceKindNames = {{
    {"uptime", kDeviceUptime},
    {"bandwidth", kDeviceBandwidth},
    {"storage", kDeviceStorage},
}};

// A registered device. Encoding: u8 version (1) | owner [32] | kinds u8 |
// bond u64 | registered_height u64.
struct Device {
    XOnlyPubKey owner{};
    uint8_t kinds = 0;
    Amount bond = 0;  // locked from the owner's balance (counted in Supply::locked)
    uint64_t registered_height = 0;

    bool operator==(const Device&) const = default;

    std::vector<uint8_t> Encode() const;
    static Result<Device> Decode(std::span<const uint8_t> bytes);
};

// Typed accessors. Reads fail only when the store fails or a stored record is
// corrupt; writes fail only when a value would exceed kMaxStateValueSize.
Result<Account> GetAccount(const StateReader& state, const XOnlyPubKey& address);
// An empty account is deleted rather than stored, so an account's absence and
// an all-zero account are the same state (and the same root).
Status PutAccount(StateOverlay& state, const XOnlyPubKey& address, const Account& account);

Result<Supply> GetSupply(const StateReader& state);
Status PutSupply(StateOverlay& state, const Supply& supply);

// tag must be kValidators or kLastValidators.
Result<ValidatorSet> GetValidatorSet(const StateReader& state, RecordTag tag);
Status PutValidatorSet(StateOverlay& state, RecordTag tag, const ValidatorSet& set);

Result<std::optional<Device>> GetDevice(const StateReader& state, const XOnlyPubKey& device);
Status PutDevice(StateOverlay& state, const XOnlyPubKey& device, const Device& record);

// A retiring device's retirement record (tag 6, keyed by the device): the
// height of the block that retired it. Encoding: u8 version (1) |
// retired_height u64. A device with one earns nothing.
Result<std::optional<uint64_t>> GetRetiredHeight(const StateReader& state,
                                                 const XOnlyPubKey& device);
Status PutRetiredHeight(StateOverlay& state, const XOnlyPubKey& device, uint64_t height);
// Deletes the device's record and its retirement record.
void DeleteDevice(StateOverlay& state, const XOnlyPubKey& device);

}  // namespace maillon
