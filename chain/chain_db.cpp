#include "chain/chain_db.h"

#include <leveldb/cache.h>

#include <cstdlib>

namespace maillon {

ChainDb::ChainDb(std::string path, std::unique_ptr<leveldb::DB> db,
                 std::unique_ptr<leveldb::Cache> cache)
    : m_path(std::move(path)), m_cache(std::move(cache)), m_db(std::move(db)) {}

Error ChainDb::DbError(const leveldb::Status& s, const std::string& what) const {
    const bool corrupt = s.IsCorruption();
    return MakeError(
        corrupt ? ErrorKind::kCorruption : ErrorKind::kIo, corrupt ? "db-corrupt" : "db-io",
        "chain database " + what + " failed: " + s.ToString() + " (database " + m_path + ")");
}

Result<std::unique_ptr<ChainDb>> ChainDb::Open(const std::string& path, size_t cache_bytes,
                                               leveldb::Env* env) {
    auto cache = std::unique_ptr<leveldb::Cache>(leveldb::NewLRUCache(cache_bytes));
    leveldb::Options options;
    options.create_if_missing = true;
    options.paranoid_checks = true;
    options.block_cache = cache.get();
    options.max_open_files = 256;
    if (env) options.env = env;
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, path, &raw);
    if (!s.ok()) {
        return MakeError(
            s.IsCorruption() ? ErrorKind::kCorruption : ErrorKind::kIo, "db-open",
            "cannot open the chain database at " + path + ": " + s.ToString() +
                (s.IsIOError() ? " (is another maillond using this data directory?)" : ""));
    }
    return std::unique_ptr<ChainDb>(
        new ChainDb(path, std::unique_ptr<leveldb::DB>(raw), std::move(cache)));
}

Result<std::optional<std::string>> ChainDb::Read(const std::string& key) const {
    std::string value;
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    leveldb::Status s = m_db->Get(ro, key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return DbError(s, "read");
    return std::optional<std::string>(std::move(value));
}

Status ChainDb::Write(leveldb::WriteBatch& batch) {
    leveldb::WriteOptions wo;
    wo.sync = true;
    leveldb::Status s = m_db->Write(wo, &batch);
    if (!s.ok()) return DbError(s, "write");
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

Result<std::optional<std::vector<uint8_t>>> DbNodeStore::Get(const Hash256& hash) const {
    auto r = m_db.Read(ChainDb::NodeKey(hash));
    if (!r) return r.error();
    if (!r->has_value()) return std::optional<std::vector<uint8_t>>();
    return std::optional<std::vector<uint8_t>>(std::in_place, (*r)->begin(), (*r)->end());
}

void DbNodeStore::Put(const Hash256&, std::vector<uint8_t>) {
    // Writes outside a block batch would break atomicity; see the header.
    std::abort();
}

}  // namespace maillon
