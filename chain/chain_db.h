// ChainDb: the one LevelDB database of a node's chain (blocks, indexes, state
// tree nodes, tip), and the key layout inside it:
//   "R"                -> present while a -reindex runs: the tip's certificate
//   "V"                -> database record: u32 chain id | u32 format | genesis hash [32]
//   "T"                -> tip block hash
//   "C"                -> the commit certificate that finalized the tip
//   "b" + block hash   -> serialized block
//   "h" + height (u64 big-endian) -> block hash
//   "t" + txid         -> height u64 | index u32 (little-endian)
//   "n" + node hash    -> state tree node
//   "a" + address ...  -> address index record (chain/address_index.h)
//   "d" + device key   -> (empty) a registered device (chain/device_index.h)
// Every change goes through one WriteBatch written with sync=true, so a crash
// leaves either the whole batch or none of it. Reads verify checksums.
// (-reindex writes unsynced, then flushes everything to synced tables
// before its last batch; see Chain::Reindex.)
//
// Opening: an absent or empty directory becomes a new database; any other
// directory must already be one. A directory that is not (its CURRENT file is
// gone, a table file is missing or truncated) is refused with "db-open",
// never replaced, and the message names the directory and -reindex, which
// runs Repair() first. Only a database held by another process gets
// "db-locked".
//
// Errors: a LevelDB failure is kind corruption ("db-corrupt") when LevelDB
// reports corruption and I/O ("db-io") otherwise; the message names the
// database directory and LevelDB's own words (which name the file). Each one
// is also passed to the failure handler, so that a node stops on the first
// sign that its storage cannot be trusted, whichever caller met it.
//
// Thread-safety: LevelDB allows concurrent reads and writes; callers that
// need a consistent view across several reads hold Chain's lock. The failure
// handler is set before the database is shared and may be called from any
// thread.
#pragma once

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/naming_env.h"
#include "chain/state_tree.h"
#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

// What to do about a damaged or unreadable database; the end of every
// storage error's message.
extern const char* const kStorageAdvice;

class ChainDb {
public:
    // `env` (default: LevelDB's own) is how tests inject read and write
    // faults; it must outlive the database.
    static Result<std::unique_ptr<ChainDb>> Open(const std::string& path, size_t cache_bytes,
                                                 leveldb::Env* env = nullptr);
    // LevelDB's repair: rebuilds the database's file list from the table and
    // log files present, keeping every record that still reads back intact.
    // What it had to drop is known only by re-executing the blocks
    // (Chain::Reindex). Nothing to do for an absent or empty directory.
    // Holds the database's lock while it runs ("db-locked" when another
    // process has it: LevelDB's repair does not take it itself).
    static Status Repair(const std::string& path, leveldb::Env* env = nullptr);

    using FailureHandler = std::function<void(const Error&)>;
    void SetFailureHandler(FailureHandler handler) { m_on_failure = std::move(handler); }
    // Passes a storage failure found above LevelDB (a record that reads back
    // but does not decode) to the failure handler; returns it.
    Error Failure(Error e) const;

    // nullopt if absent; an error if LevelDB fails to read.
    Result<std::optional<std::string>> Read(const std::string& key) const;
    Status Write(leveldb::WriteBatch& batch);
    // Whether Write() syncs (the default). Unsynced writes may be lost in a
    // crash, even when a later synced write is not (LevelDB may have moved
    // on to a new log file); FlushToTables() makes them durable.
    void SetSyncWrites(bool sync) { m_sync = sync; }
    // Compacts everything into table files, which LevelDB syncs as it
    // writes them. Costs a rewrite of the whole database.
    Status FlushToTables();
    // Calls fn(key, value) for each record whose key starts with `prefix`,
    // in key order from `from` (empty: the prefix's first record), until fn
    // returns false. ForEachBackward goes in reverse
    // key order from just before `before` (empty: from the last record of
    // the prefix).
    Status ForEach(const std::string& prefix,
                   const std::function<bool(std::string_view key, std::string_view value)>& fn,
                   const std::string& from = {}) const;
    Status ForEachBackward(
        const std::string& prefix, const std::string& before,
        const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

    static std::string BlockKey(const Hash256& hash);
    static std::string HeightKey(uint64_t height);
    static std::string TxKey(const Hash256& txid);
    static std::string NodeKey(const Hash256& hash);
    static constexpr const char* kTipKey = "T";
    static constexpr const char* kTipCommitKey = "C";
    static constexpr const char* kVersionKey = "V";
    static constexpr const char* kReindexKey = "R";

private:
    ChainDb(std::string path, std::unique_ptr<NamingEnv> env, std::unique_ptr<leveldb::DB> db,
            std::unique_ptr<leveldb::Cache> cache);
    Error DbError(const leveldb::Status& s, const std::string& what) const;

    std::string m_path;
    FailureHandler m_on_failure;
    bool m_sync{true};
    std::unique_ptr<NamingEnv> m_env;  // outlives m_db, which uses it
    std::unique_ptr<leveldb::Cache> m_cache;
    std::unique_ptr<leveldb::DB> m_db;
};

// State tree nodes read from the database. Put() is not supported: new nodes
// are staged in a MemoryNodeStore and written with the block's batch.
class DbNodeStore : public NodeStore {
public:
    explicit DbNodeStore(const ChainDb& db) : m_db(db) {}
    Result<std::optional<std::vector<uint8_t>>> Get(const Hash256& hash) const override;
    void Put(const Hash256& hash, std::vector<uint8_t> node) override;

private:
    const ChainDb& m_db;
};

}  // namespace maillon
