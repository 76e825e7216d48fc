// Chain: the node's finalized chain and the state at its tip.
//
// Owns the ChainDb. ConnectBlock validates a block on top of the tip with the
// consensus rules and commits the block, its indexes, the new state tree
// nodes and the new tip in one synced LevelDB write batch; a crash at any
// point leaves the last whole block. Open() resumes from the stored tip, or
// writes the network's genesis block on first start.
//
// Thread-safety: every public method may be called from any thread.
// AssembleBlock and ConnectBlock are serialized by one mutex, held through
// validation and the synced write (up to hundreds of ms). Readers never wait
// for it: Tip() and GetAccount() copy the published tip under a second mutex
// held only for that copy, and everything else reads LevelDB, whose state
// tree nodes are immutable once written. So RPC event-loop threads may call
// the readers. Lock order: Mempool's lock may be held while calling into
// Chain, never the reverse; m_mutex before m_tip_mutex.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chain/chain_db.h"
#include "consensus/block_verify.h"
#include "consensus/params.h"
#include "consensus/state_proof.h"
#include "consensus/state_view.h"
#include "primitives/block.h"
#include "util/result.h"

namespace maillon {

struct TxLocation {
    uint64_t height;
    uint32_t index;
};

struct AccountProof {
    BlockHeader header;              // the block whose state_root the proof is against
    std::optional<Account> account;  // nullopt: proven absent
    StateProof proof;
};

class Chain : public StateView {
public:
    static Result<std::unique_ptr<Chain>> Open(const std::string& db_path,
                                               const ChainParams& params,
                                               size_t cache_bytes = 32 << 20);

    const ChainParams& Params() const { return m_params; }
    BlockHeader Tip() const;

    Result<std::optional<Block>> GetBlock(const Hash256& hash) const;
    Result<std::optional<Hash256>> GetBlockHash(uint64_t height) const;
    Result<std::optional<TxLocation>> FindTransaction(const Hash256& txid) const;

    // The account at the tip (StateView).
    Result<Account> GetAccount(const XOnlyPubKey& address) const override;
    // The account with its Merkle proof against the state root of the block
    // at `height`.
    Result<AccountProof> ProveAccount(const XOnlyPubKey& address, uint64_t height) const;

    // Builds an unsigned block on the tip from candidates in order, skipping
    // any that no longer apply, within the size and count limits.
    Result<Block> AssembleBlock(const std::vector<Transaction>& candidates,
                                const XOnlyPubKey& proposer, uint64_t time_ms) const;

    // Validates `block` against the tip and commits it atomically.
    Status ConnectBlock(const Block& block, uint64_t now_ms, const SigVerifiedFn& verified = {});

private:
    Chain(std::unique_ptr<ChainDb> db, const ChainParams& params);
    Status InitGenesis();
    Result<Account> AccountAt(const Hash256& state_root, const XOnlyPubKey& address) const;
    // Applies the overlay's changes to the tree at the tip's root, staging new
    // nodes in `staged`; returns the new root.
    Result<Hash256> StageState(const AccountOverlay& overlay, MemoryNodeStore& staged) const;
    void AddBlockToBatch(const Block& block, leveldb::WriteBatch& batch) const;

    mutable std::mutex m_mutex;
    std::unique_ptr<ChainDb> m_db;
    mutable DbNodeStore m_nodes;  // read-only; StateTree takes a non-const store
    const ChainParams& m_params;
    mutable std::mutex m_tip_mutex;
    // Written under m_mutex and m_tip_mutex; read under either.
    BlockHeader m_tip;
};

}  // namespace maillon
