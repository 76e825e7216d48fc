// Chain::Reindex: rebuilding the state and indexes from the stored blocks.
#include <map>

#include "chain/chain.h"
#include "chain/height_mark.h"
#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr size_t kDeletesPerBatch = 10'000;
constexpr uint64_t kProgressEveryBlocks = 1'000;

void Log(const std::string& msg) {
    LogPrint("reindex", msg);
}

std::span<const uint8_t> Bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The stored blocks by height, from their heads only.
struct StoredBlocks {
    std::multimap<uint64_t, std::pair<Hash256, Hash256>> by_height;  // -> (hash, parent)
    std::vector<std::string> damaged;  // keys whose head does not decode or match the key
    uint64_t top = 0;                  // the highest height seen
};

Result<StoredBlocks> ScanBlocks(const ChainDb& db) {
    StoredBlocks out;
    const std::string prefix = ChainDb::BlockKey(Hash256{}).substr(0, 1);
    Status st = db.ForEach(prefix, [&](std::string_view key, std::string_view value) {
        auto head = DecodeBlockHead(Bytes(value));
        Hash256 hash{};
        if (key.size() == 1 + hash.size()) std::copy(key.begin() + 1, key.end(), hash.begin());
        if (!head || head->header.Hash() != hash) {
            out.damaged.emplace_back(key);
            return true;
        }
        out.by_height.emplace(head->header.height, std::make_pair(hash, head->header.parent));
        out.top = std::max(out.top, head->header.height);
        return true;
    });
    if (!st) return st.error();
    return out;
}

// Deletes every record but the blocks and the version record.
Status DeleteDerivedRecords(ChainDb& db) {
    const std::string block_prefix = ChainDb::BlockKey(Hash256{}).substr(0, 1);
    leveldb::WriteBatch batch;
    size_t pending = 0;
    Status failed = Status::Ok();
    Status st = db.ForEach("", [&](std::string_view key, std::string_view) {
        if (key.starts_with(block_prefix) || key == ChainDb::kVersionKey ||
            key == ChainDb::kReindexKey)
            return true;
        batch.Delete(leveldb::Slice(key.data(), key.size()));
        if (++pending == kDeletesPerBatch) {
            failed = db.Write(batch);
            batch.Clear();
            pending = 0;
        }
        return failed.ok();
    });
    if (!st) return st;
    if (!failed) return failed;
    return db.Write(batch);
}

// Executes and commits the stored blocks on top of the chain's tip
// (genesis), each certified by the next one's last commit or, for the last,
// by `tip_commit`; returns why it stopped.
Result<std::string> ReplayBlocks(Chain& chain, const ChainParams& params,
                                 const StoredBlocks& blocks,
                                 const std::optional<CommitCertificate>& tip_commit) {
    // The block at `height` whose parent is `parent`, decoded.
    auto child_of = [&](const Hash256& parent, uint64_t height) -> std::optional<Block> {
        auto [first, last] = blocks.by_height.equal_range(height);
        for (auto it = first; it != last; ++it) {
            if (it->second.second != parent) continue;
            auto block = chain.GetBlock(it->second.first);
            if (block && block->has_value()) return std::move(**block);
        }
        return std::nullopt;
    };
    std::optional<Block> next = child_of(params.genesis_hash, 1);
    while (next) {
        Block block = std::move(*next);
        const std::string at = "block " + std::to_string(block.header.height);
        auto staged = chain.ValidateBlock(block);
        if (!staged) {
            if (staged.error().IsStorageFailure()) return staged.error();
            return at + " breaks a rule: " + staged.error().message;
        }
        next = child_of(staged->hash, block.header.height + 1);
        const CommitCertificate* cert = next ? &next->last_commit : nullptr;
        if (!cert && tip_commit) cert = &*tip_commit;
        if (!cert) return at + " has no commit certificate";
        Status st = chain.CommitBlock(*staged, *cert);
        if (!st) {
            if (st.error().IsStorageFailure()) return st.error();
            return at + "'s commit certificate does not verify: " + st.error().message;
        }
        if (block.header.height % kProgressEveryBlocks == 0)
            Log("height " + std::to_string(block.header.height) + " of " +
                std::to_string(blocks.top));
    }
    return std::string("no more blocks");
}

// Deletes the stored blocks that are not on the rebuilt chain and the
// damaged records, clears the reindex mark, and syncs; returns how many
// blocks it deleted.
Result<uint64_t> DeleteBlocksOffChain(const Chain& chain, ChainDb& store,
                                      const StoredBlocks& blocks) {
    leveldb::WriteBatch cleanup;
    uint64_t dropped = 0;
    for (const auto& [height, entry] : blocks.by_height) {
        if (height == 0) continue;
        auto on_chain = chain.GetBlockHash(height);
        if (!on_chain) return on_chain.error();
        if (on_chain->has_value() && **on_chain == entry.first) continue;
        cleanup.Delete(ChainDb::BlockKey(entry.first));
        ++dropped;
    }
    for (const std::string& key : blocks.damaged)
        cleanup.Delete(key);
    cleanup.Delete(ChainDb::kReindexKey);
    // The unsynced writes may sit in log files LevelDB closed without a
    // sync; flushing everything into (synced) tables first makes the synced
    // batch that clears the mark the last thing to become durable.
    Status st = store.FlushToTables();
    if (!st) return st.error();
    store.SetSyncWrites(true);
    st = store.Write(cleanup);
    if (!st) return st.error();
    return dropped;
}

}  // namespace

Result<std::unique_ptr<Chain>> Chain::Reindex(const std::string& db_path, const ChainParams& params,
                                              size_t cache_bytes, leveldb::Env* env) {
    // Repair first, whether or not the database opens: it is what makes
    // every record that still reads back reachable, and scanning after it
    // meets no damaged table block.
    Log("repairing the chain database at " + db_path);
    Status st = ChainDb::Repair(db_path, env);
    if (!st) return st.error();
    auto db = ChainDb::Open(db_path, cache_bytes, env);
    if (!db) return db.error();
    std::unique_ptr<Chain> chain(new Chain(std::move(*db), params, db_path));
    ChainDb& store = *chain->m_db;
    const std::optional<HeightMark> mark = ReadHeightMark(chain->MarkPath());
    auto stored = chain->CheckVersionRecord();
    if (!stored) return stored.error();

    auto blocks = ScanBlocks(store);
    if (!blocks) return blocks.error();
    // The tip's certificate, kept in the reindex mark while the rebuild
    // rewrites "C" block by block: a second run after an interruption finds
    // it there, not the certificate of whatever block was replayed last.
    auto kept = store.Read(ChainDb::kReindexKey);
    if (!kept) return kept.error();
    auto raw_commit = kept->has_value() ? std::move(kept) : store.Read(ChainDb::kTipCommitKey);
    if (!raw_commit) return raw_commit.error();
    std::optional<CommitCertificate> tip_commit;
    std::string tip_commit_bytes;
    if (raw_commit->has_value()) {
        auto cert = CommitCertificate::Decode(Bytes(**raw_commit));
        if (cert) {
            tip_commit = std::move(*cert);
            tip_commit_bytes = **raw_commit;
        }
    }
    Log("found " + std::to_string(blocks->by_height.size()) + " blocks up to height " +
        std::to_string(blocks->top) +
        (!blocks->damaged.empty()
             ? ", " + std::to_string(blocks->damaged.size()) + " damaged records"
             : std::string()) +
        "; rebuilding the state and indexes");

    leveldb::WriteBatch started;
    started.Put(ChainDb::kReindexKey, tip_commit_bytes);
    st = store.Write(started);
    // Unsynced from here: a crash leaves the reindex mark, which makes Open()
    // refuse the half-built state; the last batch below syncs it all.
    store.SetSyncWrites(false);
    if (st) st = DeleteDerivedRecords(store);
    if (st) st = chain->InitGenesis();
    if (st) st = chain->LoadTip();
    if (!st) return st.error();

    auto replayed = ReplayBlocks(*chain, params, *blocks, tip_commit);
    if (!replayed) return replayed.error();
    const std::string& stop_reason = *replayed;

    const TipState tip = chain->Snapshot();
    auto dropped = DeleteBlocksOffChain(*chain, store, *blocks);
    if (!dropped) return dropped.error();
    chain->WriteMark(tip);
    const uint64_t committed = mark ? std::max(mark->height, blocks->top) : blocks->top;
    if (tip.header.height < committed || *dropped > 0 || !blocks->damaged.empty()) {
        Log("warning: the chain now ends at height " + std::to_string(tip.header.height) + " (" +
            stop_reason + "), this node had committed up to height " + std::to_string(committed) +
            "; " + std::to_string(*dropped) + " stored blocks were not on it and were deleted, " +
            std::to_string(blocks->damaged.size()) +
            " damaged block records were deleted; a node on a network downloads the missing blocks "
            "again from its peers");
    }
    Log("done: tip height " + std::to_string(tip.header.height) + " hash " + HexStr(tip.hash));
    return chain;
}

}  // namespace maillon
