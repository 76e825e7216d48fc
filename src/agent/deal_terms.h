// The checks the agent makes before its device co-signs a storage deal
// (SIGN_DEAL, doc/agent.md): the deal must be one the chain would take, for
// a file the agent holds whole, on terms the owner accepts (-minprice,
// -maxdealepochs). Pure, apart from asking the store what it holds.
#pragma once

#include <cstdint>
#include <span>

#include "agent/chunk_store.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

struct DealPolicy {
    uint64_t min_price = 1;          // credits per byte and epoch
    uint32_t max_deal_epochs = 365;  // the longest deal signed
};

// The deal in `bytes`, when: it decodes ("bad-tx"); it is a storage_deal
// ("not-a-deal") that passes the chain's stateless rules (their reason
// codes: "wrong-chain", "fee-too-low", "bad-deal-duration", ...); its device
// is `device` ("not-this-device"); the client's signature verifies
// ("bad-signature"); the store holds its data_root complete ("unknown-root")
// with its size and chunk size ("deal-mismatch"); price >= min_price
// ("price-too-low") and duration <= max_deal_epochs ("deal-too-long").
Result<Transaction> CheckDealToSign(const ChainParams& params, const XOnlyPubKey& device,
                                    const DealPolicy& policy, const ChunkStore& store,
                                    std::span<const uint8_t> bytes);

}  // namespace maillon
