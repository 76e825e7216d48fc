#include "agent/deal_terms.h"

#include "consensus/tx/storage_deal.h"
#include "consensus/tx_type.h"
#include "consensus/tx_verify.h"

namespace maillon {

namespace {

Status CheckTerms(const StorageDealPayload& p, const DealPolicy& policy, const ChunkStore& store) {
    const auto held = store.Find(p.data_root);
    if (!held) {
        return MakeError("unknown-root",
                         "the agent holds no complete file with this root: PUT_CHUNKS it first");
    }
    if (held->size != p.size || held->chunk_size != p.chunk_size) {
        return MakeError("deal-mismatch", "the agent holds this root with size " +
                                              std::to_string(held->size) + " and chunk size " +
                                              std::to_string(held->chunk_size));
    }
    if (p.price < policy.min_price) {
        return MakeError("price-too-low", "price " + std::to_string(p.price) +
                                              " is below this device's -minprice, " +
                                              std::to_string(policy.min_price));
    }
    if (p.duration_epochs > policy.max_deal_epochs) {
        return MakeError("deal-too-long", std::to_string(p.duration_epochs) +
                                              " epochs are more than this device's "
                                              "-maxdealepochs, " +
                                              std::to_string(policy.max_deal_epochs));
    }
    return Status::Ok();
}

}  // namespace

Result<Transaction> CheckDealToSign(const ChainParams& params, const XOnlyPubKey& device,
                                    const DealPolicy& policy, const ChunkStore& store,
                                    std::span<const uint8_t> bytes) {
    auto tx = DecodeTransaction(bytes);
    if (!tx) return MakeError("bad-tx", tx.error().message);
    const StorageDealPayload* deal = StorageDealOf(*tx);
    if (deal == nullptr) {
        return MakeError("not-a-deal",
                         "a " + std::string(tx->Type().Name()) + " is not a storage_deal");
    }
    if (Status st = CheckTransaction(*tx, params); !st) return st.error();
    if (tx->Signers()[1] != device) {
        return MakeError("not-this-device", "the deal names another device");
    }
    // The client's alone: the device's is not there yet.
    if (Status st = CheckSignerSignature(*tx, 0); !st) return st.error();
    if (Status st = CheckTerms(*deal, policy, store); !st) return st.error();
    return tx;
}

}  // namespace maillon
