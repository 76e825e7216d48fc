#include "chain/device_index.h"

#include <algorithm>

#include "consensus/records.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/retire_device.h"

namespace maillon {

std::string DeviceIndexKey(const XOnlyPubKey& device) {
    std::string key = kDeviceIndexPrefix;
    key.append(reinterpret_cast<const char*>(device.data()), device.size());
    return key;
}

std::optional<XOnlyPubKey> DeviceOfIndexKey(std::string_view key) {
    if (key.size() != 1 + 32 || !key.starts_with(kDeviceIndexPrefix)) return std::nullopt;
    XOnlyPubKey device;
    std::copy(key.begin() + 1, key.end(), reinterpret_cast<char*>(device.data()));
    return device;
}

void AddToDeviceIndex(const Block& block, const StateChanges& changes, leveldb::WriteBatch& batch) {
    for (const Transaction& tx : block.txs) {
        std::optional<XOnlyPubKey> device;
        if (RegisterDeviceOf(tx)) device = tx.Signers()[1];
        if (const auto* retire = RetireDeviceOf(tx)) device = retire->device;
        if (!device) continue;
        auto change = changes.find(DeviceKey(*device));
        if (change == changes.end()) continue;
        if (change->second) {
            batch.Put(DeviceIndexKey(*device), "");
        } else {
            batch.Delete(DeviceIndexKey(*device));
        }
    }
}

}  // namespace maillon
