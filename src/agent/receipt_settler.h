// Settling bandwidth sessions. When a session ends, the device co-signs the
// last receipt its consumer signed (index 0) and ReceiptStore records it, in
// <network dir>/receipts/<consumer hex>-<session hex>.json
//   {"version":1,"tx":"<the receipt, signed by both>"}
// before anything sends it. ReceiptSettler, on the agent's thread, sends
// every recorded receipt with submitattestation at each look at the tip,
// until the node says it is in a block ("already-in-chain") or refuses it
// for good; then the file is deleted. So a receipt outlives restarts of the
// agent and of the node, and an unreachable node delays it, never loses it.
// Each acceptance and refusal is logged with its bytes and credits.
//
// ReceiptStore is thread-safe: the service loop adds, the settler sends.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/node_link.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

// Receipts waiting to be settled, at most; a new session is refused
// ("busy") while this many wait.
inline constexpr size_t kMaxPendingReceipts = 256;

class ReceiptStore {
public:
    // The receipts recorded in `dir` (created if missing). Errors: "file-io";
    // "state-corrupt" (a file that is not a bandwidth receipt of this device
    // on this network, signed by both: the message names it).
    static Result<std::unique_ptr<ReceiptStore>> Open(const std::string& dir,
                                                      const ChainParams& params,
                                                      const XOnlyPubKey& device);

    // Records a receipt signed by both (in its file before it returns).
    // Errors: "too-many-pending", "file-io".
    Status Add(const Transaction& receipt);
    // Deletes its file.
    void Remove(const Transaction& receipt);
    std::vector<Transaction> Pending() const;
    bool Full() const;

private:
    explicit ReceiptStore(std::string dir) : m_dir(std::move(dir)) {}
    Status Scan(const ChainParams& params, const XOnlyPubKey& device);
    std::string PathOf(const Transaction& receipt) const;

    const std::string m_dir;
    mutable std::mutex m_mutex;
    std::map<std::string, Transaction> m_pending;  // by file path; guarded by m_mutex
};

class ReceiptSettler {
public:
    ReceiptSettler(const ChainParams& params, NodeLink& link, ReceiptStore& store)
        : m_params(params), m_link(link), m_store(store) {}

    // Sends every pending receipt once.
    void Step();

private:
    void Settle(const Transaction& receipt);

    const ChainParams& m_params;
    NodeLink& m_link;
    ReceiptStore& m_store;
    std::set<Hash256> m_accepted;  // logged as accepted already
};

}  // namespace maillon
