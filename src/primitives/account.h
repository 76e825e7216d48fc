// Account state: what the state tree stores per address.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key.h"
#include "primitives/amount.h"
#include "util/result.h"

namespace maillon {

struct Account {
    Amount balance = 0;
    uint64_t nonce = 0;    // number of transactions this account has sent
    Amount bonded = 0;     // stake locked for validation and device bonds
    uint64_t credits = 0;  // non-transferable data credits

    bool IsEmpty() const { return balance == 0 && nonce == 0 && bonded == 0 && credits == 0; }
    bool operator==(const Account&) const = default;
};

// Encoding: version u8 (=1), balance u64, nonce u64, bonded u64, credits u64.
std::vector<uint8_t> SerializeAccount(const Account& account);
Result<Account> DeserializeAccount(std::span<const uint8_t> bytes);

// The state tree key of an address: TaggedHash("MaillonStateKey", pubkey).
Hash256 AccountKey(const XOnlyPubKey& address);

}  // namespace maillon
