// DealBook: the storage deals the device signed, kept in a state file
// (<network dir>/deals.json, agent/state_file.h) so that the agent proves
// them after a restart, with the last storage proof it signed for each.
// The chain accepts one proof per deal and epoch; the record of a proof is
// written before the proof is sent, so that a restarted agent sends those
// same bytes again rather than sign a second proof for the epoch.
//
// The signed deal itself is kept too, so that a client that asks again for
// a deal the device signed (its answer was lost) gets those same bytes back:
// signing anew would make a second deal id for one deal. A deal that does
// not reach the chain within kDealLandingEpochs of its signing is dropped
// (agent/storage_prover.h).
//
// File format, one JSON object:
//   {"version":1,"deals":[{"deal":"<id hex>","data_root":"<hex>","size":N,
//     "chunk_size":C,"tx":"<signed storage_deal hex>","signed_height":H
//     [,"proof":{"epoch":E,"tx":"<signed storage_proof hex>"}]}]}
// ("tx" and "signed_height" are absent in the files of earlier agents.)
//
// Thread-safe: the service loop adds deals, the prover records proofs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

inline constexpr size_t kMaxDeals = 4096;
inline constexpr const char* kDealsStateFile = "deals.json";

struct ProofRecord {
    uint64_t epoch = 0;
    std::string tx_hex;  // the signed storage_proof, as sent
    bool operator==(const ProofRecord&) const = default;
};

inline constexpr uint64_t kDealLandingEpochs = 2;

struct DealRecord {
    Hash256 deal{};  // its storage_deal's txid
    Hash256 data_root{};
    uint64_t size = 0;
    uint32_t chunk_size = 0;
    std::string tx_hex;                     // the signed storage_deal; empty if unknown
    std::optional<uint64_t> signed_height;  // the tip when the device signed it
    std::optional<ProofRecord> proof;       // the last one signed
    bool operator==(const DealRecord&) const = default;
};

// The record of a deal the device just co-signed, at tip `height`.
DealRecord RecordSignedDeal(const Transaction& signed_deal, uint64_t height);

class DealBook {
public:
    // The book in `path` (empty when there is no file). Errors:
    // "state-corrupt" (the message names the file and what is wrong: a
    // field, a proof that is not a storage_proof of this device and deal on
    // this network), "file-io", "file-too-large".
    static Result<std::unique_ptr<DealBook>> Load(const std::string& path,
                                                  const ChainParams& params,
                                                  const XOnlyPubKey& device);

    // Records a deal, in the file before it returns. Errors: "deal-known",
    // "too-many-deals" (kMaxDeals), "file-io" (then nothing is recorded).
    Status Add(const DealRecord& deal);
    // Records the proof signed for a deal, in the file before it returns.
    Status SetProof(const Hash256& deal, const ProofRecord& proof);
    // Forgets a deal that ended.
    Status Remove(const Hash256& deal);
    std::vector<DealRecord> Deals() const;
    // The recorded deal whose sighash is `sighash`: the same terms, client
    // and device, however the client signed them.
    std::optional<DealRecord> FindBySigHash(const Hash256& sighash) const;
    // True when a recorded deal stores `data_root`.
    bool HasRoot(const Hash256& data_root) const;

private:
    DealBook(std::string path, std::map<Hash256, DealRecord> deals);
    // m_mutex held.
    Status Save(const std::map<Hash256, DealRecord>& deals) const;
    Status Update(const std::function<void(std::map<Hash256, DealRecord>&)>& change);

    const std::string m_path;
    mutable std::mutex m_mutex;
    std::map<Hash256, DealRecord> m_deals;    // guarded by m_mutex
    std::map<Hash256, Hash256> m_by_sighash;  // deal sighash -> deal; guarded by m_mutex
};

}  // namespace maillon
