// Chain: the node's finalized chain and the state at its tip.
//
// Owns the ChainDb. A block goes through two steps:
//   - ValidateBlock (a block from elsewhere) or AssembleBlock (the producer's
//     own, from candidate transactions) executes it on the tip with the
//     consensus rules (consensus/block_apply.h) and returns a StagedBlock: the
//     block, the state changes, the new state tree nodes and the receipts.
//     Nothing is written; the staged result can be kept while votes are
//     collected.
//   - CommitBlock writes a staged block with the commit certificate that
//     finalized it, without executing anything again: the block, its indexes,
//     the new nodes, the new tip and its certificate, in one synced LevelDB
//     write batch, so a crash leaves the last whole block.
// Open() resumes from the stored tip, or writes the network's genesis block;
// it refuses a database of another network or genesis, one whose -reindex was
// interrupted, and one that holds fewer blocks than this node committed to it
// (see chain/height_mark.h). Reindex() rebuilds everything but the blocks by
// executing the stored blocks again.
//
// Thread-safety: every public method may be called from any thread.
// Validation and assembly read a snapshot of the tip and immutable state tree
// nodes, so they take no lock while they run; CommitBlock serializes commits
// on m_mutex and refuses a staged block whose parent is no longer the tip.
// Readers never wait for a commit: Tip(), the StateReader and the other
// getters copy the published tip under m_tip_mutex, held only for that copy.
// So RPC event-loop threads may call the readers. Lock order: Mempool's lock
// may be held while calling into Chain, never the reverse; m_mutex before
// m_tip_mutex.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chain/address_index.h"
#include "chain/chain_db.h"
#include "chain/tip.h"
#include "consensus/block.h"
#include "consensus/block_apply.h"
#include "consensus/block_context.h"
#include "consensus/params.h"
#include "consensus/records.h"
#include "consensus/state.h"
#include "consensus/state_proof.h"
#include "util/result.h"

namespace maillon {

struct TxLocation {
    uint64_t height;
    uint32_t index;
};

// A candidate transaction that block assembly left out for good.
struct RejectedTx {
    Hash256 txid;
    Error error;
};

// A block executed on a tip and not yet written.
struct StagedBlock {
    Block block;
    Hash256 hash{};
    StateChanges changes;                                         // by state key
    std::vector<std::pair<Hash256, std::vector<uint8_t>>> nodes;  // new tree nodes, by hash
    std::vector<TxReceipt> receipts;
};

// What a light client needs to check one account at one height: the header,
// the certificate that finalized it, the validator set the header commits to
// (which signed the certificate), and the account's Merkle proof.
struct AccountProof {
    BlockHeader header;
    CommitCertificate certificate;
    ValidatorSet validators;
    std::optional<Account> account;  // nullopt: proven absent
    StateProof proof;
};

class Chain : public StateReader, public TipSource {
public:
    // cache_bytes sizes LevelDB's block cache (0: none); env as ChainDb::Open.
    static Result<std::unique_ptr<Chain>> Open(const std::string& db_path,
                                               const ChainParams& params,
                                               size_t cache_bytes = 32 << 20,
                                               leveldb::Env* env = nullptr);

    // Repairs the database if it does not open (ChainDb::Repair), then
    // deletes every record but the blocks and executes the stored blocks
    // again from genesis, each checked with every rule and root and finalized
    // by the certificate the next block (or, for the last, the stored tip)
    // carries; the indexes and the state are written as by CommitBlock. The
    // chain ends at the last block that reads back, applies and is
    // certified; blocks after it are deleted and counted in the log.
    // Progress goes to the log. Interrupted, it leaves a mark that makes
    // Open() ask for -reindex again. Memory: one entry per stored block.
    static Result<std::unique_ptr<Chain>> Reindex(const std::string& db_path,
                                                  const ChainParams& params,
                                                  size_t cache_bytes = 32 << 20,
                                                  leveldb::Env* env = nullptr);

    // The file, inside the database directory, holding the HeightMark.
    static constexpr const char* kHeightMarkFile = "maillon-tip";

    // Called with every storage failure the database meets (ChainDb's
    // failure handler); set before the chain is shared.
    void SetStorageFailureHandler(ChainDb::FailureHandler handler) {
        m_db->SetFailureHandler(std::move(handler));
    }

    const ChainParams& Params() const { return m_params; }
    BlockHeader Tip() const;
    // The certificate that finalized the tip (genesis: GenesisCommit).
    CommitCertificate TipCommit() const;
    TipView CurrentTip() const override;

    Result<std::optional<Block>> GetBlock(const Hash256& hash) const;
    // The header alone, without decoding the block's transactions.
    Result<std::optional<BlockHeader>> GetBlockHeader(const Hash256& hash) const;
    Result<std::optional<Hash256>> GetBlockHash(uint64_t height) const;
    Result<std::optional<TxLocation>> FindTransaction(const Hash256& txid) const;

    // An address's history, newest first: up to `count` entries at or below
    // the tip (read once, returned with them), strictly before (height,
    // index) `before` when given. Costs what it returns (chain/address_index.h).
    struct HistoryPage {
        uint64_t height = 0;
        std::vector<HistoryEntry> entries;
    };
    Result<HistoryPage> AddressHistory(const XOnlyPubKey& address, size_t count,
                                       std::optional<std::pair<uint64_t, uint32_t>> before) const;

    // Registered devices by key: up to `count`, strictly after `after` when
    // given (chain/device_index.h). Costs what it returns.
    Result<std::vector<XOnlyPubKey>> ListDevices(size_t count,
                                                 std::optional<XOnlyPubKey> after) const;

    // The state at the tip (StateReader).
    Result<std::optional<StateValue>> Get(const Hash256& key) const override;
    // The account at the tip.
    Result<Account> GetAccount(const XOnlyPubKey& address) const;
    Result<AccountProof> ProveAccount(const XOnlyPubKey& address, uint64_t height) const;

    // Executes a block on the tip from candidates in order, skipping any that
    // do not apply, within the size and count limits; time_ms is raised to
    // just after the tip's if it is not later. The candidates' signatures
    // must already be verified (they come from the mempool). Candidates
    // that broke a rule other than "nonce-too-high" (which only means an
    // earlier one was left out) go to `invalid`, if given, with the rule:
    // they will not apply on top of this block either.
    Result<StagedBlock> AssembleBlock(const std::vector<Transaction>& candidates,
                                      const XOnlyPubKey& proposer, uint64_t time_ms,
                                      std::vector<RejectedTx>* invalid = nullptr) const;
    // Checks `block` against the tip with every rule and signature and
    // executes it.
    Result<StagedBlock> ValidateBlock(const Block& block) const;
    // Writes `staged` as the new tip with the certificate that finalized it
    // (verified here against the validator set the block commits to).
    Status CommitBlock(const StagedBlock& staged, const CommitCertificate& certificate);

private:
    // The published tip: what readers copy.
    struct TipState {
        BlockHeader header;
        Hash256 hash{};
        CommitCertificate commit;
        std::shared_ptr<const RecentBlockHashes> recent;
    };

    Chain(std::unique_ptr<ChainDb> db, const ChainParams& params, std::string path);
    // false: no version record (a new database); an error when it belongs to
    // another network, genesis or format.
    Result<bool> CheckVersionRecord() const;
    Status CheckHeightMark() const;
    std::string MarkPath() const;
    // A record that reads back but does not make sense: reported to the
    // database's failure handler.
    Error Corrupt(const std::string& what) const;
    Status InitGenesis();
    Status LoadTip();
    TipState Snapshot() const;
    void WriteMark(const TipState& tip) const;
    // The head of the block at `height` ("not-found" above the tip).
    Result<BlockHead> HeadAt(uint64_t height) const;
    Result<BlockHead> HeadOf(const Hash256& hash) const;
    // Whether Stage fills in the header's next_validators_hash and
    // state_root (assembly) or checks them (validation).
    enum class HeaderRoots { kFill, kCheck };
    // Turns an executed overlay (whose changes it takes) into a staged block
    // on top of `tip`: the new tree nodes, the roots, the block hash.
    Result<StagedBlock> Stage(const TipState& tip, Block block, StateOverlay& overlay,
                              std::vector<TxReceipt> receipts, HeaderRoots roots) const;
    void AddBlockToBatch(const Block& block, const Hash256& hash, leveldb::WriteBatch& batch) const;

    const std::string m_path;
    mutable std::mutex m_mutex;  // serializes CommitBlock
    std::unique_ptr<ChainDb> m_db;
    DbNodeStore m_nodes;
    const ChainParams& m_params;
    mutable std::mutex m_tip_mutex;
    TipState m_tip;  // written under m_mutex and m_tip_mutex; read under either
};

}  // namespace maillon
