#include "primitives/account.h"

#include "serialize/codec.h"

namespace maillon {

namespace {
constexpr uint8_t kAccountVersion = 1;
}

std::vector<uint8_t> SerializeAccount(const Account& a) {
    Writer w;
    w.U8(kAccountVersion);
    w.U64(a.balance);
    w.U64(a.nonce);
    w.U64(a.bonded);
    w.U64(a.credits);
    return w.Take();
}

Result<Account> DeserializeAccount(std::span<const uint8_t> bytes) {
    Reader r(bytes);
    Account a;
    uint8_t version = 0;
    r.U8(version, "account.version");
    if (r.ok() && version != kAccountVersion)
        r.FailAt(0, "account.version", "unknown version " + std::to_string(version));
    r.U64(a.balance, "account.balance");
    r.U64(a.nonce, "account.nonce");
    r.U64(a.bonded, "account.bonded");
    r.U64(a.credits, "account.credits");
    if (!r.Finish()) return r.GetError();
    return a;
}

Hash256 AccountKey(const XOnlyPubKey& address) {
    return TaggedHash("MaillonStateKey", address);
}

}  // namespace maillon
