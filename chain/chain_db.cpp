#include "chain/chain_db.h"

#include "chain/naming_env.h"

#include <leveldb/cache.h>

#include <cstdlib>
#include <filesystem>

namespace maillon {

const char* const kStorageAdvice =
    "check the disk, then restart "
    "maillond with -reindex to repair the database and rebuild the chain state from the "
    "blocks it still holds, or restore the data directory from a backup";

ChainDb::ChainDb(std::string path, std::unique_ptr<NamingEnv> env, std::unique_ptr<leveldb::DB> db,
                 std::unique_ptr<leveldb::Cache> cache)
    : m_path(std::move(path)),
      m_env(std::move(env)),
      m_cache(std::move(cache)),
      m_db(std::move(db)) {}

Error ChainDb::DbError(const leveldb::Status& s, const std::string& what) const {
    const bool corrupt = s.IsCorruption();
    std::string text = s.ToString();
    // Only a read names its file: the thread's last read says nothing of a
    // write, which a background compaction's failure may stop.
    const std::string& file = NamingEnv::LastTableRead();
    if (corrupt && what != "write" && !file.empty() && text.find(file) == std::string::npos)
        text += " in " + file;
    return Failure(MakeError(
        corrupt ? ErrorKind::kCorruption : ErrorKind::kIo, corrupt ? "db-corrupt" : "db-io",
        "chain database " + what + " failed: " + text + " (database " + m_path +
            "); the file it names may be missing, truncated or damaged; " + kStorageAdvice));
}

Error ChainDb::Failure(Error e) const {
    if (m_on_failure) m_on_failure(e);
    return e;
}

namespace {

leveldb::Options BaseOptions(leveldb::Env* env) {
    leveldb::Options options;
    options.paranoid_checks = true;
    options.max_open_files = 256;
    options.env = env;
    return options;
}

bool IsAbsentOrEmpty(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return !ec;
    return std::filesystem::is_directory(path, ec) && std::filesystem::is_empty(path, ec);
}

// LevelDB words a held lock as "IO error: lock <dir>/LOCK: <strerror>".
bool IsLockHeld(const leveldb::Status& s) {
    return s.IsIOError() && s.ToString().find("/LOCK:") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<ChainDb>> ChainDb::Open(const std::string& path, size_t cache_bytes,
                                               leveldb::Env* env) {
    auto cache = std::unique_ptr<leveldb::Cache>(leveldb::NewLRUCache(cache_bytes));
    auto naming = std::make_unique<NamingEnv>(env ? env : leveldb::Env::Default());
    leveldb::Options options = BaseOptions(naming.get());
    // A directory that holds anything is an existing database or a damaged
    // one; letting LevelDB create a database there would hide (and then
    // delete) whatever it held.
    options.create_if_missing = IsAbsentOrEmpty(path);
    options.block_cache = cache.get();
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, path, &raw);
    if (IsLockHeld(s)) {
        return MakeError(ErrorKind::kIo, "db-locked",
                         "cannot open the chain database at " + path + ": " + s.ToString() +
                             " (is another maillond using this data directory?)");
    }
    if (!s.ok()) {
        return MakeError(s.IsCorruption() ? ErrorKind::kCorruption : ErrorKind::kIo, "db-open",
                         "cannot open the chain database at " + path + ": " + s.ToString() +
                             "; the directory is not a whole database (a file is missing, "
                             "truncated or damaged); " +
                             kStorageAdvice);
    }
    return std::unique_ptr<ChainDb>(
        new ChainDb(path, std::move(naming), std::unique_ptr<leveldb::DB>(raw), std::move(cache)));
}

Status ChainDb::Repair(const std::string& path, leveldb::Env* env) {
    if (IsAbsentOrEmpty(path)) return Status::Ok();
    leveldb::Env* e = env ? env : leveldb::Env::Default();
    leveldb::FileLock* lock = nullptr;
    leveldb::Status locked = e->LockFile(path + "/LOCK", &lock);
    if (!locked.ok()) {
        return MakeError(ErrorKind::kIo, "db-locked",
                         "cannot repair the chain database at " + path + ": " + locked.ToString() +
                             " (is another maillond using this data directory?)");
    }
    leveldb::Status s = leveldb::RepairDB(path, BaseOptions(e));
    e->UnlockFile(lock);
    if (!s.ok()) {
        return MakeError(s.IsCorruption() ? ErrorKind::kCorruption : ErrorKind::kIo, "db-repair",
                         "cannot repair the chain database at " + path + ": " + s.ToString() +
                             "; restore the data directory from a backup");
    }
    return Status::Ok();
}

Result<std::optional<std::string>> ChainDb::Read(const std::string& key) const {
    std::string value;
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    NamingEnv::ForgetLastRead();
    leveldb::Status s = m_db->Get(ro, key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return DbError(s, "read");
    return std::optional<std::string>(std::move(value));
}

Status ChainDb::ForEach(const std::string& prefix,
                        const std::function<bool(std::string_view key, std::string_view value)>& fn,
                        const std::string& from) const {
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    ro.fill_cache = false;
    NamingEnv::ForgetLastRead();
    std::unique_ptr<leveldb::Iterator> it(m_db->NewIterator(ro));
    for (it->Seek(from.empty() ? prefix : from); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
        if (!fn(std::string_view(it->key().data(), it->key().size()),
                std::string_view(it->value().data(), it->value().size())))
            break;
    }
    if (!it->status().ok()) return DbError(it->status(), "scan");
    return Status::Ok();
}

Status ChainDb::ForEachBackward(
    const std::string& prefix, const std::string& before,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    NamingEnv::ForgetLastRead();
    std::unique_ptr<leveldb::Iterator> it(m_db->NewIterator(ro));
    // The first key past the prefix: the prefix with its last byte below
    // 0xff incremented (and what follows it dropped).
    std::string end = before;
    if (end.empty()) {
        end = prefix;
        while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xff)
            end.pop_back();
        if (!end.empty()) end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
    }
    if (end.empty()) {
        it->SeekToLast();
    } else {
        it->Seek(end);
        if (it->Valid()) {
            it->Prev();
        } else {
            it->SeekToLast();
        }
    }
    for (; it->Valid() && it->key().starts_with(prefix); it->Prev()) {
        if (!fn(std::string_view(it->key().data(), it->key().size()),
                std::string_view(it->value().data(), it->value().size())))
            break;
    }
    if (!it->status().ok()) return DbError(it->status(), "scan");
    return Status::Ok();
}

Status ChainDb::FlushToTables() {
    m_db->CompactRange(nullptr, nullptr);
    // CompactRange reports nothing; a failed compaction shows in the next
    // write, which is the synced one that follows this.
    return Status::Ok();
}

Status ChainDb::Write(leveldb::WriteBatch& batch) {
    leveldb::WriteOptions wo;
    wo.sync = m_sync;
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
