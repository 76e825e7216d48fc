// The device index: every registered device, by key, so that listdevices can
// page through them without the state (whose keys are hashes) being
// scannable. Records (written with their block's batch, rebuilt by -reindex):
//   "d" + device key [32] -> (empty)
// A block's register_device and retire_device transactions are the only
// ones that create or delete a device record; the index follows the block's
// state changes for those devices.
#pragma once

#include <leveldb/write_batch.h>

#include <optional>
#include <string>
#include <string_view>

#include "consensus/block.h"
#include "consensus/state.h"
#include "crypto/key.h"

namespace maillon {

inline constexpr char kDeviceIndexPrefix[] = "d";

std::string DeviceIndexKey(const XOnlyPubKey& device);
// The device of an index key, nullopt when the key is not one.
std::optional<XOnlyPubKey> DeviceOfIndexKey(std::string_view key);

// Puts or deletes the index records of the devices `block` registered or
// released, as `changes` (the block's state changes) leave them.
void AddToDeviceIndex(const Block& block, const StateChanges& changes, leveldb::WriteBatch& batch);

}  // namespace maillon
