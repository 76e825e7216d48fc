#include "consensus/state_view.h"

namespace maillon {

Result<Account> AccountOverlay::GetAccount(const XOnlyPubKey& address) const {
    auto it = m_changes.find(address);
    if (it != m_changes.end()) return it->second;
    return m_base.GetAccount(address);
}

}  // namespace maillon
