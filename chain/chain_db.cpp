#include "chain/chain_db.h"

#include <leveldb/cache.h>

#include <cstdlib>

namespace maillon {

ChainDb::ChainDb(std::unique_ptr<leveldb::DB> db, std::unique_ptr<leveldb::Cache> cache)
    : m_cache(std::move(cache)), m_db(std::move(db)) {}

Result<std::unique_ptr<ChainDb>> ChainDb::Open(const std::string& path, size_t cache_bytes) {
    auto cache = std::unique_ptr<leveldb::Cache>(leveldb::NewLRUCache(cache_bytes));
    leveldb::Options options;
    options.create_if_missing = true;
    options.paranoid_checks = true;
    options.block_cache = cache.get();
    options.max_open_files = 256;
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, path, &raw);
    if (!s.ok()) {
        return MakeError(
            "db-open",
            "cannot open the chain database at " + path + ": " + s.ToString() +
                (s.IsIOError() ? " (is another maillond using this data directory?)" : ""));
    }
    return std::unique_ptr<ChainDb>(
        new ChainDb(std::unique_ptr<leveldb::DB>(raw), std::move(cache)));
}

Result<std::optional<std::string>> ChainDb::Read(const std::string& key) const {
    std::string value;
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    leveldb::Status s = m_db->Get(ro, key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return MakeError("db-read", "chain database read failed: " + s.ToString());
    return std::optional<std::string>(std::move(value));
}

Status ChainDb::Write(leveldb::WriteBatch& batch) {
    leveldb::WriteOptions wo;
    wo.sync = true;
    leveldb::Status s = m_db->Write(wo, &batch);
    if (!s.ok()) return MakeError("db-write", "chain database write failed: " + s.ToString());
    return Status::Ok();
}

static std::string PrefixedHash(char prefix, const Hash256& h) {
    std::string k(1, prefix);
    k.append(reinterpret_cast<const char*>(h.data()), h.size());
    return k;
}

std::string ChainDb::BlockKey(const Hash256& hash) {
    return PrefixedHash('b', hash);
}
std::string ChainDb::TxKey(const Hash256& txid) {
    return PrefixedHash('t', txid);
}
std::string ChainDb::NodeKey(const Hash256& hash) {
    return PrefixedHash('n', hash);
}

std::string ChainDb::HeightKey(uint64_t height) {
    std::string k(1, 'h');
    for (int i = 7; i >= 0; --i)
        k.push_back(static_cast<char>(height >> (8 * i)));
    return k;
}

std::optional<std::vector<uint8_t>> DbNodeStore::Get(const Hash256& hash) const {
    auto r = m_db.Read(ChainDb::NodeKey(hash));
    // A read error is reported as a missing node, which StateTree turns into
    // a "state-node-missing" error for the caller.
    if (!r || !r->has_value()) return std::nullopt;
    return std::vector<uint8_t>((*r)->begin(), (*r)->end());
}

void DbNodeStore::Put(const Hash256&, std::vector<uint8_t>) {
    // Writes outside a block batch would break atomicity; see the header.
    std::abort();
}

}  // namespace maillon
