// The read-only view of account state that consensus rules see, and an
// ordered overlay that collects a block's changes without touching storage.
#pragma once

#include <map>

#include "crypto/key.h"
#include "primitives/account.h"
#include "util/result.h"

namespace maillon {

class StateView {
public:
    virtual ~StateView() = default;
    // The account at `address`; a never-seen address is an empty Account.
    // An error means the backing store is unreadable (not a rule violation).
    virtual Result<Account> GetAccount(const XOnlyPubKey& address) const = 0;
};

// Accounts read through to a base view and modified in memory. Iteration over
// Changes() is ordered by address, so every node derives the same writes.
// Not thread-safe; lives for the duration of one block or one check.
class AccountOverlay : public StateView {
public:
    explicit AccountOverlay(const StateView& base) : m_base(base) {}

    Result<Account> GetAccount(const XOnlyPubKey& address) const override;
    void SetAccount(const XOnlyPubKey& address, const Account& account) {
        m_changes[address] = account;
    }
    const std::map<XOnlyPubKey, Account>& Changes() const { return m_changes; }

private:
    const StateView& m_base;
    std::map<XOnlyPubKey, Account> m_changes;
};

}  // namespace maillon
