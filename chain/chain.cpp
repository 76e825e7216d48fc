#include "chain/chain.h"

#include "consensus/tx_verify.h"
#include "serialize/codec.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

std::span<const uint8_t> AsBytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string AsString(std::span<const uint8_t> b) {
    return std::string(b.begin(), b.end());
}

// Reads accounts at a fixed state root.
class RootStateView : public StateView {
public:
    explicit RootStateView(std::function<Result<Account>(const XOnlyPubKey&)> get)
        : m_get(std::move(get)) {}
    Result<Account> GetAccount(const XOnlyPubKey& a) const override { return m_get(a); }

private:
    std::function<Result<Account>(const XOnlyPubKey&)> m_get;
};

Error Corrupt(const std::string& what) {
    return MakeError("db-corrupt",
                     "chain database is corrupt: " + what +
                         " (restore from a backup or resync with a fresh data directory)");
}

}  // namespace

Chain::Chain(std::unique_ptr<ChainDb> db, const ChainParams& params)
    : m_db(std::move(db)), m_nodes(*m_db), m_params(params) {}

Result<std::unique_ptr<Chain>> Chain::Open(const std::string& db_path, const ChainParams& params,
                                           size_t cache_bytes) {
    auto db = ChainDb::Open(db_path, cache_bytes);
    if (!db) return db.error();
    std::unique_ptr<Chain> chain(new Chain(std::move(*db), params));

    auto version = chain->m_db->Read(ChainDb::kVersionKey);
    if (!version) return version.error();
    if (!version->has_value()) {
        Status st = chain->InitGenesis();
        if (!st) return st.error();
    } else {
        Reader r(AsBytes(**version));
        uint32_t chain_id = 0;
        r.U32(chain_id, "chain_id");
        if (!r.Finish()) return Corrupt("bad version record");
        if (chain_id != params.chain_id) {
            return MakeError("wrong-network", "the database at " + db_path +
                                                  " belongs to chain id " +
                                                  std::to_string(chain_id) + ", not the " +
                                                  params.name + " network");
        }
    }
    auto tip_hash = chain->m_db->Read(ChainDb::kTipKey);
    if (!tip_hash) return tip_hash.error();
    if (!tip_hash->has_value() || (*tip_hash)->size() != 32) return Corrupt("missing tip");
    Hash256 h;
    std::copy((*tip_hash)->begin(), (*tip_hash)->end(), h.begin());
    auto tip = chain->GetBlock(h);
    if (!tip) return tip.error();
    if (!tip->has_value()) return Corrupt("tip block " + HexStr(h) + " is missing");
    chain->m_tip = (*tip)->header;
    return chain;
}

Status Chain::InitGenesis() {
    StateUpdates updates;
    for (const GenesisAllocation& a : m_params.genesis_allocations) {
        Account acct;
        acct.balance = a.amount;
        updates[AccountKey(a.address)] = SerializeAccount(acct);
    }
    MemoryNodeStore staged(&m_nodes);
    StateTree tree(staged, kEmptyStateHash);
    Status st = tree.Apply(updates);
    if (!st) return st;

    Block genesis;
    genesis.header = GenesisHeader(m_params, tree.Root());
    genesis.header.tx_root = genesis.ComputeTxRoot();
    if (genesis.header.Hash() != m_params.genesis_hash) {
        return MakeError("bad-genesis", "computed genesis " + HexStr(genesis.header.Hash()) +
                                            " differs from the " + m_params.name + " network's " +
                                            HexStr(m_params.genesis_hash));
    }

    leveldb::WriteBatch batch;
    Writer w;
    w.U32(m_params.chain_id);
    batch.Put(ChainDb::kVersionKey, AsString(w.Data()));
    for (const auto& [hash, node] : staged.Nodes())
        batch.Put(ChainDb::NodeKey(hash), AsString(node));
    AddBlockToBatch(genesis, batch);
    return m_db->Write(batch);
}

void Chain::AddBlockToBatch(const Block& block, leveldb::WriteBatch& batch) const {
    const Hash256 hash = block.header.Hash();
    batch.Put(ChainDb::BlockKey(hash), AsString(block.Serialize()));
    batch.Put(ChainDb::HeightKey(block.header.height), AsString(hash));
    for (size_t i = 0; i < block.txs.size(); ++i) {
        Writer w;
        w.U64(block.header.height);
        w.U32(static_cast<uint32_t>(i));
        batch.Put(ChainDb::TxKey(block.txs[i].Id()), AsString(w.Data()));
    }
    batch.Put(ChainDb::kTipKey, AsString(hash));
}

BlockHeader Chain::Tip() const {
    std::lock_guard<std::mutex> lock(m_tip_mutex);
    return m_tip;
}

Result<std::optional<Block>> Chain::GetBlock(const Hash256& hash) const {
    auto raw = m_db->Read(ChainDb::BlockKey(hash));
    if (!raw) return raw.error();
    if (!raw->has_value()) return std::optional<Block>();
    auto block = DecodeBlock(AsBytes(**raw), m_params.max_block_txs);
    if (!block) return Corrupt("block " + HexStr(hash) + ": " + block.error().message);
    return std::optional<Block>(std::move(*block));
}

Result<std::optional<Hash256>> Chain::GetBlockHash(uint64_t height) const {
    auto raw = m_db->Read(ChainDb::HeightKey(height));
    if (!raw) return raw.error();
    if (!raw->has_value()) return std::optional<Hash256>();
    if ((*raw)->size() != 32) return Corrupt("height index entry " + std::to_string(height));
    Hash256 h;
    std::copy((*raw)->begin(), (*raw)->end(), h.begin());
    return std::optional<Hash256>(h);
}

Result<std::optional<TxLocation>> Chain::FindTransaction(const Hash256& txid) const {
    auto raw = m_db->Read(ChainDb::TxKey(txid));
    if (!raw) return raw.error();
    if (!raw->has_value()) return std::optional<TxLocation>();
    Reader r(AsBytes(**raw));
    TxLocation loc{};
    r.U64(loc.height, "height");
    r.U32(loc.index, "index");
    if (!r.Finish()) return Corrupt("transaction index entry " + HexStr(txid));
    return std::optional<TxLocation>(loc);
}

Result<Account> Chain::AccountAt(const Hash256& state_root, const XOnlyPubKey& address) const {
    StateTree tree(m_nodes, state_root);
    auto value = tree.Get(AccountKey(address));
    if (!value) return value.error();
    if (!value->has_value()) return Account{};
    auto acct = DeserializeAccount(**value);
    if (!acct) return Corrupt("account record: " + acct.error().message);
    return *acct;
}

Result<Account> Chain::GetAccount(const XOnlyPubKey& address) const {
    Hash256 root;
    {
        std::lock_guard<std::mutex> lock(m_tip_mutex);
        root = m_tip.state_root;
    }
    // Tree nodes are immutable once written, so reading outside the lock is safe.
    return AccountAt(root, address);
}

Result<AccountProof> Chain::ProveAccount(const XOnlyPubKey& address, uint64_t height) const {
    auto hash = GetBlockHash(height);
    if (!hash) return hash.error();
    if (!hash->has_value()) {
        return MakeError("not-found", "no block at height " + std::to_string(height) +
                                          "; the chain height is " + std::to_string(Tip().height));
    }
    auto block = GetBlock(**hash);
    if (!block) return block.error();
    if (!block->has_value())
        return Corrupt("block at height " + std::to_string(height) + " is missing");
    AccountProof out;
    out.header = (*block)->header;
    StateTree tree(m_nodes, out.header.state_root);
    auto proof = tree.Prove(AccountKey(address));
    if (!proof) return proof.error();
    out.proof = std::move(*proof);
    // A membership proof carries the value itself: no second walk of the tree.
    if (const auto* leaf = std::get_if<StateProof::Leaf>(&out.proof.terminal)) {
        auto acct = DeserializeAccount(leaf->value);
        if (!acct) return Corrupt("account record: " + acct.error().message);
        out.account = *acct;
    }
    return out;
}

Result<Hash256> Chain::StageState(const AccountOverlay& overlay, MemoryNodeStore& staged) const {
    StateUpdates updates;
    for (const auto& [address, account] : overlay.Changes()) {
        updates[AccountKey(address)] = SerializeAccount(account);
    }
    StateTree tree(staged, m_tip.state_root);
    Status st = tree.Apply(updates);
    if (!st) return st.error();
    return tree.Root();
}

Result<Block> Chain::AssembleBlock(const std::vector<Transaction>& candidates,
                                   const XOnlyPubKey& proposer, uint64_t time_ms) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    RootStateView tip_view(
        [this, root = m_tip.state_root](const XOnlyPubKey& a) { return AccountAt(root, a); });
    AccountOverlay overlay(tip_view);

    Block block;
    block.header.chain_id = m_params.chain_id;
    block.header.height = m_tip.height + 1;
    block.header.parent = m_tip.Hash();
    block.header.time_ms = std::max(time_ms, m_tip.time_ms + 1);
    block.header.proposer = proposer;

    size_t bytes = kBlockHeaderSize + 10;
    for (const Transaction& tx : candidates) {
        if (block.txs.size() >= m_params.max_block_txs) break;
        const size_t tx_bytes = tx.Serialize().size();
        if (bytes + tx_bytes > m_params.max_block_bytes) continue;
        if (!CheckTransaction(tx, m_params, /*check_signature=*/false)) continue;
        if (!ApplyTransaction(tx, proposer, overlay)) continue;
        block.txs.push_back(tx);
        bytes += tx_bytes;
    }
    block.header.tx_root = block.ComputeTxRoot();
    MemoryNodeStore staged(&m_nodes);
    auto root = StageState(overlay, staged);
    if (!root) return root.error();
    block.header.state_root = *root;
    return block;
}

Status Chain::ConnectBlock(const Block& block, uint64_t now_ms, const SigVerifiedFn& verified) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Status st = CheckBlockHeader(block.header, m_tip, m_params, now_ms);
    if (!st) return st;
    st = CheckBlockBody(block, m_params, verified);
    if (!st) return st;

    RootStateView tip_view(
        [this, root = m_tip.state_root](const XOnlyPubKey& a) { return AccountAt(root, a); });
    AccountOverlay overlay(tip_view);
    st = ApplyBlockTransactions(block, overlay);
    if (!st) return st;
    MemoryNodeStore staged(&m_nodes);
    auto root = StageState(overlay, staged);
    if (!root) return root.error();
    if (*root != block.header.state_root) {
        return MakeError("bad-state-root", "state root " + HexStr(block.header.state_root) +
                                               " does not match the computed " + HexStr(*root));
    }

    leveldb::WriteBatch batch;
    for (const auto& [hash, node] : staged.Nodes())
        batch.Put(ChainDb::NodeKey(hash), AsString(node));
    AddBlockToBatch(block, batch);
    st = m_db->Write(batch);
    if (!st) return st;
    std::lock_guard<std::mutex> tip_lock(m_tip_mutex);
    m_tip = block.header;
    return Status::Ok();
}

}  // namespace maillon
