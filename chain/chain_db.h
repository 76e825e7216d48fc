// ChainDb: the one LevelDB database of a node's chain (blocks, indexes, state
// tree nodes, tip), and the key layout inside it:
//   "V"                -> database record: u32 chain id | u32 format | genesis hash [32]
//   "T"                -> tip block hash
//   "C"                -> the commit certificate that finalized the tip
//   "b" + block hash   -> serialized block
//   "h" + height (u64 big-endian) -> block hash
//   "t" + txid         -> height u64 | index u32 (little-endian)
//   "n" + node hash    -> state tree node
// Every change goes through one WriteBatch written with sync=true, so a crash
// leaves either the whole batch or none of it. Reads verify checksums.
//
// Errors: a LevelDB failure is kind corruption ("db-corrupt") when LevelDB
// reports corruption and I/O ("db-io") otherwise; the message names the
// database directory and LevelDB's own words (which name the file).
//
// Thread-safety: LevelDB allows concurrent reads and writes; callers that
// need a consistent view across several reads hold Chain's lock.
#pragma once

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/state_tree.h"
#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

class ChainDb {
public:
    // `env` (default: LevelDB's own) is how tests inject read and write
    // faults; it must outlive the database.
    static Result<std::unique_ptr<ChainDb>> Open(const std::string& path, size_t cache_bytes,
                                                 leveldb::Env* env = nullptr);

    // nullopt if absent; an error if LevelDB fails to read.
    Result<std::optional<std::string>> Read(const std::string& key) const;
    Status Write(leveldb::WriteBatch& batch);

    static std::string BlockKey(const Hash256& hash);
    static std::string HeightKey(uint64_t height);
    static std::string TxKey(const Hash256& txid);
    static std::string NodeKey(const Hash256& hash);
    static constexpr const char* kTipKey = "T";
    static constexpr const char* kTipCommitKey = "C";
    static constexpr const char* kVersionKey = "V";

private:
    ChainDb(std::string path, std::unique_ptr<leveldb::DB> db,
            std::unique_ptr<leveldb::Cache> cache);
    Error DbError(const leveldb::Status& s, const std::string& what) const;

    std::string m_path;
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
