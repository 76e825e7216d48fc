#include "chain/chain.h"

#include <algorithm>

#include "chain/device_index.h"
#include "chain/height_mark.h"
#include "consensus/block_verify.h"
#include "consensus/genesis.h"
#include "consensus/tx_verify.h"
#include "serialize/codec.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

// The "V" record's format; 1 was the transfer-only chain of protocol v0,
// whose record held only the chain id.
constexpr uint32_t kDbFormat = 2;

std::span<const uint8_t> AsBytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string AsString(std::span<const uint8_t> b) {
    return std::string(b.begin(), b.end());
}

Error CorruptError(const std::string& what) {
    return MakeError(ErrorKind::kCorruption, "db-corrupt",
                     "chain database is corrupt: " + what + "; " + kStorageAdvice);
}

Error NoBlockAt(uint64_t height, uint64_t tip) {
    return MakeError(ErrorKind::kNotFound, "not-found",
                     "no block at height " + std::to_string(height) + "; the chain height is " +
                         std::to_string(tip));
}

Error WithTx(const Error& e, size_t index, const Transaction& tx) {
    return MakeError(
        e.kind, e.code,
        "transaction " + std::to_string(index) + " (" + HexStr(tx.Id()) + "): " + e.message);
}

// Applies `changes` on the tree at `root`, staging new nodes over `base`;
// returns the new root.
Result<Hash256> StageTree(const NodeStore& base, const Hash256& root, const StateChanges& changes,
                          std::vector<std::pair<Hash256, std::vector<uint8_t>>>& nodes) {
    MemoryNodeStore staged(&base);
    StateTree tree(staged, root);
    Status st = tree.Apply(changes);
    if (!st) return st.error();
    nodes.assign(staged.Nodes().begin(), staged.Nodes().end());
    return tree.Root();
}

}  // namespace

Chain::Chain(std::unique_ptr<ChainDb> db, const ChainParams& params, std::string path)
    : m_path(std::move(path)), m_db(std::move(db)), m_nodes(*m_db), m_params(params) {}

Result<std::unique_ptr<Chain>> Chain::Open(const std::string& db_path, const ChainParams& params,
                                           size_t cache_bytes, leveldb::Env* env) {
    auto db = ChainDb::Open(db_path, cache_bytes, env);
    if (!db) return db.error();
    std::unique_ptr<Chain> chain(new Chain(std::move(*db), params, db_path));
    auto stored = chain->CheckVersionRecord();
    if (!stored) return stored.error();
    auto reindexing = chain->m_db->Read(ChainDb::kReindexKey);
    if (!reindexing) return reindexing.error();
    if (reindexing->has_value()) {
        return MakeError(ErrorKind::kCorruption, "reindex-interrupted",
                         "a -reindex of the chain database at " + db_path +
                             " did not finish; restart maillond with -reindex to complete it");
    }
    if (!*stored) {
        Status st = chain->InitGenesis();
        if (!st) return st.error();
    }
    Status st = chain->LoadTip();
    if (!st) return st.error();
    st = chain->CheckHeightMark();
    if (!st) return st.error();
    chain->WriteMark(chain->Snapshot());
    return chain;
}

Result<bool> Chain::CheckVersionRecord() const {
    auto version = m_db->Read(ChainDb::kVersionKey);
    if (!version) return version.error();
    if (!version->has_value()) return false;
    Reader r(AsBytes(**version));
    uint32_t chain_id = 0, format = 0;
    Hash256 genesis{};
    r.U32(chain_id, "chain_id");
    if (r.ok() && r.Remaining() == 0) {
        return MakeError("old-database",
                         "the database at " + m_path +
                             " was written by an earlier version of maillond, whose "
                             "protocol this version no longer reads; move it away (a dev "
                             "chain can simply be deleted) and start again");
    }
    r.U32(format, "format");
    r.Array(genesis, "genesis");
    if (!r.Finish()) return Corrupt("bad version record");
    if (chain_id != m_params.chain_id) {
        return MakeError("wrong-network", "the database at " + m_path + " belongs to chain id " +
                                              std::to_string(chain_id) + ", not the " +
                                              m_params.name + " network");
    }
    if (format != kDbFormat) {
        return MakeError("old-database", "the database at " + m_path + " has format " +
                                             std::to_string(format) + ", this maillond reads " +
                                             std::to_string(kDbFormat));
    }
    if (genesis != m_params.genesis_hash) {
        return MakeError("wrong-genesis", "the database at " + m_path +
                                              " holds a chain whose genesis is " + HexStr(genesis) +
                                              ", not the " + m_params.name + " network's " +
                                              HexStr(m_params.genesis_hash));
    }
    return true;
}

Status Chain::CheckHeightMark() const {
    const TipState tip = Snapshot();
    const std::optional<HeightMark> mark = ReadHeightMark(MarkPath());
    if (!mark || (mark->height < tip.header.height) ||
        (mark->height == tip.header.height && mark->hash == tip.hash)) {
        return Status::Ok();
    }
    return MakeError(ErrorKind::kCorruption, "db-lost-blocks",
                     "the chain database at " + m_path + " ends at height " +
                         std::to_string(tip.header.height) + " (block " + HexStr(tip.hash) +
                         "), but this node had committed block " + HexStr(mark->hash) +
                         " at height " + std::to_string(mark->height) + " (recorded in " +
                         MarkPath() +
                         "): the database lost its last blocks (a log file cut short, or an "
                         "older copy put back). Restore the data directory from a backup, or "
                         "restart maillond with -reindex to go on from the blocks it holds");
}

std::string Chain::MarkPath() const {
    return m_path + "/" + kHeightMarkFile;
}

void Chain::WriteMark(const TipState& tip) const {
    (void)WriteHeightMark(MarkPath(), HeightMark{tip.header.height, tip.hash});
}

Error Chain::Corrupt(const std::string& what) const {
    return m_db->Failure(CorruptError(what));
}

Status Chain::InitGenesis() {
    EmptyState empty;
    StateOverlay overlay(empty);
    Status st = WriteGenesisState(m_params, overlay);
    if (!st) return st;
    std::vector<std::pair<Hash256, std::vector<uint8_t>>> nodes;
    auto root = StageTree(m_nodes, kEmptyStateHash, overlay.Changes(), nodes);
    if (!root) return root.error();
    auto genesis = GenesisBlock(m_params, *root);
    if (!genesis) return genesis.error();
    const Hash256 hash = genesis->header.Hash();
    if (hash != m_params.genesis_hash) {
        return MakeError("bad-genesis", "computed genesis " + HexStr(hash) + " differs from the " +
                                            m_params.name + " network's " +
                                            HexStr(m_params.genesis_hash));
    }

    leveldb::WriteBatch batch;
    Writer w;
    w.U32(m_params.chain_id);
    w.U32(kDbFormat);
    w.Raw(hash);
    batch.Put(ChainDb::kVersionKey, AsString(w.Data()));
    for (const auto& [node_hash, node] : nodes)
        batch.Put(ChainDb::NodeKey(node_hash), AsString(node));
    AddBlockToBatch(*genesis, hash, batch);
    batch.Put(ChainDb::kTipCommitKey, AsString(GenesisCommit(hash).Encode()));
    return m_db->Write(batch);
}

Status Chain::LoadTip() {
    auto tip_hash = m_db->Read(ChainDb::kTipKey);
    if (!tip_hash) return tip_hash.error();
    if (!tip_hash->has_value() || (*tip_hash)->size() != 32) return Corrupt("missing tip");
    TipState tip;
    std::copy((*tip_hash)->begin(), (*tip_hash)->end(), tip.hash.begin());
    auto head = HeadOf(tip.hash);
    if (!head) return head.error();
    tip.header = head->header;
    auto commit = m_db->Read(ChainDb::kTipCommitKey);
    if (!commit) return commit.error();
    if (!commit->has_value()) return Corrupt("the tip's commit certificate is missing");
    auto cert = CommitCertificate::Decode(AsBytes(**commit));
    if (!cert) return Corrupt("the tip's commit certificate: " + cert.error().message);
    tip.commit = std::move(*cert);

    auto recent = std::make_shared<RecentBlockHashes>();
    const uint64_t keep = m_params.recent_block_hashes;
    const uint64_t first = tip.header.height + 1 > keep ? tip.header.height + 1 - keep : 0;
    for (uint64_t h = first; h <= tip.header.height; ++h) {
        auto hash = GetBlockHash(h);
        if (!hash) return hash.error();
        if (!hash->has_value()) return Corrupt("no block hash at height " + std::to_string(h));
        recent->Push(h, **hash, keep);
    }
    tip.recent = std::move(recent);
    std::lock_guard<std::mutex> lock(m_tip_mutex);
    m_tip = std::move(tip);
    return Status::Ok();
}

void Chain::AddBlockToBatch(const Block& block, const Hash256& hash,
                            leveldb::WriteBatch& batch) const {
    batch.Put(ChainDb::BlockKey(hash), AsString(block.Serialize()));
    batch.Put(ChainDb::HeightKey(block.header.height), AsString(hash));
    for (size_t i = 0; i < block.txs.size(); ++i) {
        Writer w;
        w.U64(block.header.height);
        w.U32(static_cast<uint32_t>(i));
        batch.Put(ChainDb::TxKey(block.txs[i].Id()), AsString(w.Data()));
    }
    AddToAddressIndex(block, hash, m_params, batch);
    batch.Put(ChainDb::kTipKey, AsString(hash));
}

Result<Chain::HistoryPage> Chain::AddressHistory(
    const XOnlyPubKey& address, size_t count,
    std::optional<std::pair<uint64_t, uint32_t>> before) const {
    HistoryPage page;
    page.height = Tip().height;
    const std::string start =
        before ? AddressIndexKey(address, before->first, before->second) : std::string();
    std::vector<HistoryEntry>& out = page.entries;
    Status failed = Status::Ok();
    Status st = m_db->ForEachBackward(AddressIndexPrefix(address), start,
                                      [&](std::string_view key, std::string_view value) {
                                          auto e = DecodeHistoryEntry(key, value);
                                          if (!e) {
                                              failed = m_db->Failure(e.error());
                                              return false;
                                          }
                                          // Written by a commit newer than the tip read above.
                                          if (e->height > page.height) return true;
                                          out.push_back(*e);
                                          return out.size() < count;
                                      });
    if (!st) return st.error();
    if (!failed) return failed.error();
    return page;
}

Result<std::vector<XOnlyPubKey>> Chain::ListDevices(size_t count,
                                                    std::optional<XOnlyPubKey> after) const {
    std::vector<XOnlyPubKey> out;
    Status failed = Status::Ok();
    // Seeking to the key just after `after`: the key with a zero byte added.
    const std::string from = after ? DeviceIndexKey(*after) + std::string(1, '\0') : std::string();
    Status st = m_db->ForEach(
        kDeviceIndexPrefix,
        [&](std::string_view key, std::string_view) {
            auto device = DeviceOfIndexKey(key);
            if (!device) {
                failed = m_db->Failure(MakeError(ErrorKind::kCorruption, "bad-index-record",
                                                 "a device index key is not 33 bytes"));
                return false;
            }
            out.push_back(*device);
            return out.size() < count;
        },
        from);
    if (!st) return st.error();
    if (!failed) return failed.error();
    return out;
}

Chain::TipState Chain::Snapshot() const {
    std::lock_guard<std::mutex> lock(m_tip_mutex);
    return m_tip;
}

BlockHeader Chain::Tip() const {
    std::lock_guard<std::mutex> lock(m_tip_mutex);
    return m_tip.header;
}

TipView Chain::CurrentTip() const {
    const TipState tip = Snapshot();
    return TipView(tip.header.height, tip.header.time_ms, tip.recent,
                   std::make_shared<StateTreeReader>(m_nodes, tip.header.state_root));
}

CommitCertificate Chain::TipCommit() const {
    std::lock_guard<std::mutex> lock(m_tip_mutex);
    return m_tip.commit;
}

Result<std::optional<Block>> Chain::GetBlock(const Hash256& hash) const {
    auto raw = m_db->Read(ChainDb::BlockKey(hash));
    if (!raw) return raw.error();
    if (!raw->has_value()) return std::optional<Block>();
    auto block = DecodeBlock(AsBytes(**raw), m_params.MaxBlockTxCount());
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

Result<std::optional<BlockHeader>> Chain::GetBlockHeader(const Hash256& hash) const {
    auto raw = m_db->Read(ChainDb::BlockKey(hash));
    if (!raw) return raw.error();
    if (!raw->has_value()) return std::optional<BlockHeader>();
    auto head = DecodeBlockHead(AsBytes(**raw));
    if (!head) return Corrupt("block " + HexStr(hash) + ": " + head.error().message);
    return std::optional<BlockHeader>(head->header);
}

Result<BlockHead> Chain::HeadOf(const Hash256& hash) const {
    auto raw = m_db->Read(ChainDb::BlockKey(hash));
    if (!raw) return raw.error();
    if (!raw->has_value()) return Corrupt("block " + HexStr(hash) + " is missing");
    auto head = DecodeBlockHead(AsBytes(**raw));
    if (!head) return Corrupt("block " + HexStr(hash) + ": " + head.error().message);
    return head;
}

Result<BlockHead> Chain::HeadAt(uint64_t height) const {
    auto hash = GetBlockHash(height);
    if (!hash) return hash.error();
    if (!hash->has_value()) return NoBlockAt(height, Tip().height);
    return HeadOf(**hash);
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

Result<std::optional<StateValue>> Chain::Get(const Hash256& key) const {
    Hash256 root;
    {
        std::lock_guard<std::mutex> lock(m_tip_mutex);
        root = m_tip.header.state_root;
    }
    // Tree nodes are immutable once written, so reading outside the lock is safe.
    return GetStateValue(m_nodes, root, key);
}

Result<Account> Chain::GetAccount(const XOnlyPubKey& address) const {
    return maillon::GetAccount(*this, address);
}

Result<AccountProof> Chain::ProveAccount(const XOnlyPubKey& address, uint64_t height) const {
    const TipState tip = Snapshot();
    if (height > tip.header.height) return NoBlockAt(height, tip.header.height);
    auto head = HeadAt(height);
    if (!head) return head.error();
    AccountProof out;
    out.header = head->header;
    if (height == tip.header.height) {
        out.certificate = tip.commit;
    } else {
        auto child = HeadAt(height + 1);
        if (!child) return child.error();
        out.certificate = std::move(child->last_commit);
    }
    // The set a header commits to is the one in the state before it.
    Hash256 set_root = out.header.state_root;
    if (height > 0) {
        auto parent = HeadAt(height - 1);
        if (!parent) return parent.error();
        set_root = parent->header.state_root;
    }
    auto set = GetValidatorSet(StateTreeReader(m_nodes, set_root), RecordTag::kValidators);
    if (!set) return set.error();
    out.validators = std::move(*set);
    auto proof = ProveStateKey(m_nodes, out.header.state_root, AccountKey(address));
    if (!proof) return proof.error();
    out.proof = std::move(*proof);
    // A membership proof carries the value itself: no second walk of the tree.
    if (const auto* leaf = std::get_if<StateProof::Leaf>(&out.proof.terminal)) {
        auto acct = Account::Decode(leaf->value);
        if (!acct) return Corrupt("account record: " + acct.error().message);
        out.account = *acct;
    }
    return out;
}

Result<StagedBlock> Chain::Stage(const TipState& tip, Block block, StateOverlay& overlay,
                                 std::vector<TxReceipt> receipts, HeaderRoots roots) const {
    auto next = GetValidatorSet(overlay, RecordTag::kValidators);
    if (!next) return next.error();
    StagedBlock staged;
    auto root = StageTree(m_nodes, tip.header.state_root, overlay.Changes(), staged.nodes);
    if (!root) return root.error();
    BlockHeader& h = block.header;
    if (roots == HeaderRoots::kFill) {
        h.next_validators_hash = next->Hash();
        h.state_root = *root;
    } else if (h.next_validators_hash != next->Hash()) {
        return MakeError("bad-next-validators-hash",
                         "next_validators_hash does not match the validator set after the block");
    } else if (h.state_root != *root) {
        return MakeError("bad-state-root", "state root " + HexStr(h.state_root) +
                                               " does not match the computed " + HexStr(*root));
    }
    staged.hash = h.Hash();
    staged.block = std::move(block);
    staged.changes = std::move(overlay).TakeChanges();
    staged.receipts = std::move(receipts);
    return staged;
}

Result<StagedBlock> Chain::AssembleBlock(const std::vector<Transaction>& candidates,
                                         const XOnlyPubKey& proposer, uint64_t time_ms,
                                         std::vector<RejectedTx>* invalid) const {
    const TipState tip = Snapshot();
    Block block;
    BlockHeader& h = block.header;
    h.chain_id = m_params.chain_id;
    h.height = tip.header.height + 1;
    const auto time = ProposalTime(tip.header.time_ms, time_ms);
    if (!time) {
        return MakeError("time-too-old",
                         "the tip's time is the largest there is; no block can "
                         "follow it");
    }
    h.time_ms = *time;
    h.parent = tip.hash;
    h.proposer = proposer;
    block.last_commit = tip.commit;
    h.last_commit_hash = block.last_commit.Hash();

    const StateTreeReader base(m_nodes, tip.header.state_root);
    auto current = GetValidatorSet(base, RecordTag::kValidators);
    if (!current) return current.error();
    h.validators_hash = current->Hash();
    const BlockContext ctx{m_params, h.height, h.time_ms, proposer, *tip.recent};
    StateOverlay overlay(base);
    AlreadyVerified sigs;
    auto exec = BlockExecution::Begin(ctx, block.last_commit, overlay, sigs);
    if (!exec) return exec.error();
    // Header, certificate and the longest tx-count varint.
    size_t bytes = kBlockHeaderSize + block.last_commit.Encode().size() + 10;
    BlockLanes lanes;
    for (const Transaction& tx : candidates) {
        if (bytes + tx.Size() > m_params.max_block_bytes) continue;
        BlockLanes with = lanes;
        with.Add(tx);
        if (!CheckBlockLanes(with, m_params)) continue;
        Status st = CheckTransaction(tx, m_params);
        if (st) st = exec->Add(tx);
        if (!st) {
            if (st.error().IsStorageFailure()) return st.error();
            if (invalid && st.error().code != "nonce-too-high")
                invalid->push_back(RejectedTx{tx.Id(), st.error()});
            continue;
        }
        block.txs.push_back(tx);
        bytes += tx.Size();
        lanes = with;
    }
    auto receipts = std::move(*exec).End();
    if (!receipts) return receipts.error();
    h.tx_root = block.ComputeTxRoot();
    return Stage(tip, std::move(block), overlay, std::move(*receipts), HeaderRoots::kFill);
}

Result<StagedBlock> Chain::ValidateBlock(const Block& block) const {
    const TipState tip = Snapshot();
    Status st = CheckBlockHeader(block.header, tip.header, m_params);
    if (!st) return st.error();
    st = CheckBlockBody(block, m_params);
    if (!st) return st.error();

    const StateTreeReader base(m_nodes, tip.header.state_root);
    auto current = GetValidatorSet(base, RecordTag::kValidators);
    if (!current) return current.error();
    if (current->Hash() != block.header.validators_hash) {
        return MakeError("bad-validators-hash",
                         "validators_hash does not match the validator set at the parent");
    }
    const BlockHeader& h = block.header;
    const BlockContext ctx{m_params, h.height, h.time_ms, h.proposer, *tip.recent};
    StateOverlay overlay(base);
    SignatureBatch sigs;
    auto receipts = ApplyBlock(ctx, block, overlay, sigs);
    if (!receipts) return receipts.error();
    if (auto owner = sigs.FirstFailure()) {
        if (*owner == kCommitSigOwner) {
            return MakeError("bad-commit-signature",
                             "a precommit signature of the block's last commit does not verify");
        }
        const size_t index = *owner - 1;
        const Status alone = CheckTransactionSignatures(block.txs[index]);
        return WithTx(
            alone ? MakeError("bad-signature", "a signature does not verify") : alone.error(),
            index, block.txs[index]);
    }
    return Stage(tip, block, overlay, std::move(*receipts), HeaderRoots::kCheck);
}

Status Chain::CommitBlock(const StagedBlock& staged, const CommitCertificate& certificate) {
    std::lock_guard<std::mutex> lock(m_mutex);
    TipState tip = Snapshot();
    const BlockHeader& h = staged.block.header;
    if (h.parent != tip.hash || h.height != tip.header.height + 1) {
        return MakeError("stale-block", "block " + HexStr(staged.hash) + " at height " +
                                            std::to_string(h.height) +
                                            " was staged on another tip than " + HexStr(tip.hash));
    }
    auto set =
        GetValidatorSet(StateTreeReader(m_nodes, tip.header.state_root), RecordTag::kValidators);
    if (!set) return set.error();
    Status st = VerifyCommit(certificate, *set, m_params.chain_id, h.height, staged.hash);
    if (!st) return st;

    leveldb::WriteBatch batch;
    for (const auto& [hash, node] : staged.nodes)
        batch.Put(ChainDb::NodeKey(hash), AsString(node));
    AddBlockToBatch(staged.block, staged.hash, batch);
    AddToDeviceIndex(staged.block, staged.changes, batch);
    batch.Put(ChainDb::kTipCommitKey, AsString(certificate.Encode()));
    st = m_db->Write(batch);
    if (!st) return st;

    auto recent = std::make_shared<RecentBlockHashes>(*tip.recent);
    recent->Push(h.height, staged.hash, m_params.recent_block_hashes);
    TipState next{h, staged.hash, certificate, std::move(recent)};
    WriteMark(next);
    std::lock_guard<std::mutex> tip_lock(m_tip_mutex);
    m_tip = std::move(next);
    return Status::Ok();
}

}  // namespace maillon
