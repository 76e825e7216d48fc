#include "consensus/state.h"

#include <cassert>
#include <string>

#include "util/strencodings.h"

namespace maillon {

Result<std::optional<StateValue>> StateOverlay::Get(const Hash256& key) const {
    auto it = m_changes.find(key);
    if (it != m_changes.end()) return it->second;
    return m_base.Get(key);
}

Status StateOverlay::Put(const Hash256& key, StateValue value) {
    if (value.size() > kMaxStateValueSize) {
        return MakeError("state-value-too-large",
                         "the value for state key " + HexStr(key) + " is " +
                             std::to_string(value.size()) + " bytes; at most " +
                             std::to_string(kMaxStateValueSize) + " are allowed");
    }
    m_changes.insert_or_assign(key, std::move(value));
    return Status::Ok();
}

void StateOverlay::Delete(const Hash256& key) {
    m_changes.insert_or_assign(key, std::nullopt);
}

void StateOverlay::MergeInto(StateOverlay& parent) && {
    assert(&m_base == &parent);
    parent.m_merged += m_changes.size();
    if (parent.m_changes.empty()) {
        parent.m_changes = std::move(m_changes);
    } else {
        parent.m_changes.merge(m_changes);  // moves the nodes of keys new to the parent
        for (auto& [key, value] : m_changes)
            parent.m_changes[key] = std::move(value);  // the rest overwrite
    }
    m_changes.clear();
}

}  // namespace maillon
