// Storage proofs: each epoch e of each deal the device signed (agent/
// deal_book.h), the chain challenges it for one chunk, chosen by the hash of
// block e * epoch_blocks, and takes the proof in blocks e * epoch_blocks + 1
// .. e * epoch_blocks + storage_proof_window_blocks (doc/protocol.md §4.4).
//
// StorageProver runs on the agent's thread, at every look at the tip: for
// each recorded deal the chain has (getdeal) whose epoch the next block is
// in the window of, it reads the challenge block's hash (getblockhash),
// reads the challenged chunk from the store, builds its path over the
// stored file's leaf hashes (read once per deal, then cached), signs the
// proof, records it in the deal book and only then sends it
// (submitattestation). A recorded proof is never replaced by a second one
// for its epoch: after a restart or a node outage the same bytes are sent
// again, while the window lasts. A deal whose last epoch has passed, and a
// deal the chain does not have kDealLandingEpochs after its signing (the
// client never sent it), is dropped from the book, and its stored data
// deleted unless another deal holds it. Each proof's acceptance or refusal,
// and each deal dropped, is logged.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "agent/chunk_store.h"
#include "agent/deal_book.h"
#include "agent/node_link.h"
#include "agent/node_reply.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/key.h"

namespace maillon {

// The epoch whose proofs a block at `height` may include; nullopt when it
// is in no epoch's window.
std::optional<uint64_t> ProofEpochAt(uint64_t height, const ChainParams& params);

// The device's proof of `deal` for `epoch`, whose challenge block has hash
// `challenge`: the challenged chunk, read from `store`, and its path over
// `leaves` (every chunk's leaf hash, in order). Errors: the store's.
Result<Transaction> BuildStorageProof(const ChainParams& params, const PrivKey& device,
                                      const DealRecord& deal, uint64_t epoch,
                                      const Hash256& challenge, std::span<const Hash256> leaves,
                                      const ChunkStore& store);

class StorageProver {
public:
    // Everything given must outlive the prover.
    StorageProver(const ChainParams& params, const PrivKey& device, NodeLink& link, DealBook& book,
                  ChunkStore& store);

    void Step(const TipInfo& tip);

private:
    void StepDeal(const DealRecord& deal, uint64_t epoch, uint64_t height);
    void Forget(const DealRecord& deal, const std::string& why);
    // The chain's deal; `unknown` set when the chain has none of this id.
    std::optional<DealInfo> ReadDeal(const DealRecord& deal, bool& unknown);
    std::optional<Hash256> ReadBlockHash(uint64_t height);
    const std::vector<Hash256>* LeavesOf(const DealRecord& deal);
    void Prove(const DealRecord& deal, uint64_t epoch);
    void Send(const DealRecord& deal, const ProofRecord& proof);
    void Note(const Hash256& deal, const std::string& message);  // logged once per deal and text

    const ChainParams& m_params;
    const PrivKey& m_device;
    NodeLink& m_link;
    DealBook& m_book;
    ChunkStore& m_store;
    std::map<Hash256, std::vector<Hash256>> m_leaves;  // per deal, once read
    std::set<Hash256> m_delivered;  // deals whose recorded proof the node answered
    std::map<Hash256, std::string> m_noted;
    uint64_t m_outages_seen = 0;
};

}  // namespace maillon
