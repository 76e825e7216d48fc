#include "agent/storage_prover.h"

#include "consensus/chunk_tree.h"
#include "consensus/tx/storage_proof.h"
#include "rpc/errors.h"
#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

std::string Describe(const Hash256& deal, uint64_t epoch) {
    return "storage proof of deal " + HexStr(deal) + " for epoch " + std::to_string(epoch);
}

}  // namespace

std::optional<uint64_t> ProofEpochAt(uint64_t height, const ChainParams& params) {
    const uint64_t into = height % params.epoch_blocks;
    if (into == 0 || into > params.storage_proof_window_blocks) return std::nullopt;
    return height / params.epoch_blocks;
}

Result<Transaction> BuildStorageProof(const ChainParams& params, const PrivKey& device,
                                      const DealRecord& deal, uint64_t epoch,
                                      const Hash256& challenge, std::span<const Hash256> leaves,
                                      const ChunkStore& store) {
    const uint64_t index = ChallengedChunk(deal.deal, challenge, leaves.size());
    auto chunk = store.Read(deal.data_root, index, 1);
    if (!chunk) return chunk.error();
    return UnsignedStorageProof(params.chain_id, device.PubKey(), deal.deal, epoch,
                                std::move(chunk->chunks.front()), ChunkPath(leaves, index))
        .Sign(0, device);
}

StorageProver::StorageProver(const ChainParams& params, const PrivKey& device, NodeLink& link,
                             DealBook& book, ChunkStore& store)
    : m_params(params), m_device(device), m_link(link), m_book(book), m_store(store) {}

void StorageProver::Step(const TipInfo& tip) {
    // A node that was away may have restarted and lost its mempool.
    if (m_link.Outages() != m_outages_seen) {
        m_outages_seen = m_link.Outages();
        m_delivered.clear();
    }
    const auto epoch = ProofEpochAt(tip.height + 1, m_params);
    if (!epoch) return;
    for (const DealRecord& deal : m_book.Deals())
        StepDeal(deal, *epoch, tip.height);
}

void StorageProver::StepDeal(const DealRecord& deal, uint64_t epoch, uint64_t height) {
    if (deal.proof && deal.proof->epoch >= epoch) {
        // Signed already (or for a later epoch of another chain under this
        // name): never a second proof for it.
        if (deal.proof->epoch == epoch && !m_delivered.count(deal.deal)) Send(deal, *deal.proof);
        return;
    }
    bool unknown = false;
    auto info = ReadDeal(deal, unknown);
    const uint64_t landing = kDealLandingEpochs * m_params.epoch_blocks;
    if (unknown && deal.signed_height && height > *deal.signed_height + landing) {
        Forget(deal, "did not reach the chain within " + std::to_string(landing) +
                         " blocks of its signing (height " + std::to_string(*deal.signed_height) +
                         ")");
        return;
    }
    if (!info || epoch < info->start_epoch) return;
    if (epoch > info->end_epoch) {
        Forget(deal, "ended with epoch " + std::to_string(info->end_epoch) + ", " +
                         std::to_string(info->proven_epochs) + " epochs proven");
        return;
    }
    Prove(deal, epoch);
}

// Out of the book; its data deleted unless another deal holds the same.
void StorageProver::Forget(const DealRecord& deal, const std::string& why) {
    LogPrint("agent", "deal " + HexStr(deal.deal) + " " + why);
    if (Status st = m_book.Remove(deal.deal); !st) {
        LogPrint("agent", "error: " + st.error().message);
        return;
    }
    m_leaves.erase(deal.deal);
    m_noted.erase(deal.deal);
    if (m_book.HasRoot(deal.data_root)) return;
    m_store.Remove(deal.data_root);
    LogPrint("agent", "deleted the " + std::to_string(deal.size) + " stored bytes with root " +
                          HexStr(deal.data_root) + ": no deal holds them any more");
}

std::optional<DealInfo> StorageProver::ReadDeal(const DealRecord& deal, bool& unknown) {
    auto answer = m_link.Call("getdeal", HexStr(deal.deal));
    if (!answer) return std::nullopt;
    if (answer->error) {
        unknown = answer->error->code == kRpcNotFound;
        Note(deal.deal,
             unknown ? "deal " + HexStr(deal.deal) + " is not in the chain (yet): nothing to prove"
                     : "error: getdeal: " + answer->error->message);
        return std::nullopt;
    }
    auto info = ParseDealInfo(answer->result);
    if (!info) Note(deal.deal, "error: " + info.error().message);
    return info ? std::optional<DealInfo>(*info) : std::nullopt;
}

std::optional<Hash256> StorageProver::ReadBlockHash(uint64_t height) {
    rapidjson::Document params(rapidjson::kArrayType);
    params.PushBack(height, params.GetAllocator());
    auto answer = m_link.Call("getblockhash", params);
    if (!answer) return std::nullopt;
    if (answer->error) {
        LogPrint("agent",
                 "error: getblockhash " + std::to_string(height) + ": " + answer->error->message);
        return std::nullopt;
    }
    auto hash = ParseBlockHash(answer->result);
    if (!hash) LogPrint("agent", "error: " + hash.error().message);
    return hash ? std::optional<Hash256>(*hash) : std::nullopt;
}

// The stored file's leaf hashes, read once; null (noted) when the file is
// gone or no longer has the deal's root: a proof of it would be refused.
const std::vector<Hash256>* StorageProver::LeavesOf(const DealRecord& deal) {
    if (auto it = m_leaves.find(deal.deal); it != m_leaves.end()) return &it->second;
    auto leaves = m_store.Leaves(deal.data_root);
    if (!leaves) {
        Note(deal.deal, "error: the data of deal " + HexStr(deal.deal) +
                            " cannot be read: " + leaves.error().message);
        return nullptr;
    }
    if (ChunkRoot(*leaves) != deal.data_root) {
        Note(deal.deal, "error: the stored data of deal " + HexStr(deal.deal) +
                            " no longer has the deal's root: it cannot be proven");
        return nullptr;
    }
    return &m_leaves.emplace(deal.deal, std::move(*leaves)).first->second;
}

void StorageProver::Prove(const DealRecord& deal, uint64_t epoch) {
    const std::vector<Hash256>* leaves = LeavesOf(deal);
    if (leaves == nullptr) return;
    auto challenge = ReadBlockHash(epoch * m_params.epoch_blocks);
    if (!challenge) return;
    auto tx = BuildStorageProof(m_params, m_device, deal, epoch, *challenge, *leaves, m_store);
    if (!tx) {
        Note(deal.deal, "error: " + Describe(deal.deal, epoch) + ": " + tx.error().message);
        return;
    }
    const ProofRecord proof{epoch, HexStr(tx->Serialize())};
    // Recorded first: after a crash the agent resends these bytes rather
    // than sign a second proof for the epoch.
    if (Status st = m_book.SetProof(deal.deal, proof); !st) {
        LogPrint("agent", "error: " + st.error().message + "; no proof sent");
        return;
    }
    m_delivered.erase(deal.deal);
    Send(deal, proof);
}

void StorageProver::Send(const DealRecord& deal, const ProofRecord& proof) {
    auto outcome = SubmitAttestation(m_link, proof.tx_hex);
    if (!outcome) return;
    if (!*outcome) {
        LogPrint("agent", "error: " + outcome->error().message);
        return;  // sent again at the next look
    }
    m_delivered.insert(deal.deal);
    const SubmitOutcome& o = **outcome;
    const std::string what = Describe(deal.deal, proof.epoch);
    if (o.accepted) {
        LogPrint("agent", what + " accepted: " + o.txid);
    } else if (IsAlreadyKnown(o.reason)) {
        LogPrint("agent", what + " is known to the node already (" + o.reason + "): " + o.txid);
    } else {
        LogPrint("agent", what + " refused (" + o.reason + "): " + o.message);
    }
}

void StorageProver::Note(const Hash256& deal, const std::string& message) {
    std::string& last = m_noted[deal];
    if (last == message) return;
    last = message;
    LogPrint("agent", message);
}

}  // namespace maillon
