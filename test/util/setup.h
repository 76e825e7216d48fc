// Helpers shared by the unit tests (test/unit) and bench_maillon: the dev
// network's parameters, deterministic keys, transfer and block builders, an
// in-memory StateView, a temporary directory and the path of the shared test
// vectors. No Boost.Test here (the benchmark links this library too): helpers
// that cannot fail in practice abort, as DevKey() does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "chain/chain.h"
#include "consensus/params.h"
#include "consensus/state_view.h"
#include "crypto/key.h"
#include "primitives/account.h"
#include "primitives/amount.h"
#include "primitives/block.h"
#include "primitives/transaction.h"
#include "util/result.h"

namespace maillon::test {

// The dev network's parameters (chain id 3, minimum fee 1000, DevKey() the
// only validator and genesis account).
const ChainParams& Dev();

// Deterministic private key number n: the same n gives the same key in every
// test and run, different n give different keys, none of them is DevKey().
PrivKey TestKey(uint64_t n);

// A transfer of `amount` from `sender` to `to`, not signed (all-zero signature).
Transaction UnsignedTransfer(const XOnlyPubKey& sender, const XOnlyPubKey& to, Amount amount,
                             Amount fee, uint64_t nonce, uint32_t chain_id = Dev().chain_id);

// The same transfer from `from`'s public key, signed by `from`.
Transaction MakeTransfer(const PrivKey& from, const XOnlyPubKey& to, Amount amount,
                         Amount fee = Dev().min_tx_fee, uint64_t nonce = 0,
                         uint32_t chain_id = Dev().chain_id);

// A block of `candidates` assembled on the chain's tip at `time_ms` (those that
// no longer apply are skipped), proposed and signed by the dev validator.
Result<Block> DevBlock(const Chain& chain, const std::vector<Transaction>& candidates,
                       uint64_t time_ms);

// An in-memory StateView: the accounts in `accounts`, every other address empty.
class MapState : public StateView {
public:
    Result<Account> GetAccount(const XOnlyPubKey& address) const override;
    std::map<XOnlyPubKey, Account> accounts;
};

// "ok" for a successful Result or Status, else its error code: lets a test
// compare outcomes with BOOST_CHECK_EQUAL.
template <typename R>
std::string Code(const R& r) {
    return r.ok() ? std::string("ok") : r.error().code;
}

// "" for a successful Result or Status, else its error message: the text for
// BOOST_REQUIRE_MESSAGE.
template <typename R>
std::string ErrorText(const R& r) {
    return r.ok() ? std::string() : r.error().message;
}

// The whole content of the file at `path`, "" if it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// Path of a file under ../shared/vectors (relative to the project root).
std::string VectorPath(const std::string& rel);

// A fresh directory under /tmp, removed with everything in it on destruction.
// Throws std::runtime_error if it cannot be created.
struct TempDir {
    std::filesystem::path path;

    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Path of `name` inside the directory.
    std::string File(const std::string& name) const { return (path / name).string(); }
};

}  // namespace maillon::test
