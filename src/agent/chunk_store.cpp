#include "agent/chunk_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <span>

#include "agent/state_file.h"
#include "consensus/chunk_tree.h"
#include "util/strencodings.h"

namespace maillon {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMetaVersion = 1;
constexpr size_t kMaxMetaSize = 4096;
constexpr const char* kDataFile = "data";
constexpr const char* kMetaFile = "meta.json";

Error IoError(const std::string& what) {
    return MakeError(ErrorKind::kIo, "file-io", what + ": " + std::strerror(errno));
}

std::string EncodeMeta(const StoredFile& f) {
    return EncodeStateObject(kMetaVersion,
                             {{"size", f.size}, {"chunk_size", uint64_t{f.chunk_size}}});
}

Result<StoredFile> DecodeMeta(const std::string& text) {
    auto doc = ParseStateObject(text, kMetaVersion);
    if (!doc) return doc.error();
    auto size = StateUInt(*doc, "size");
    if (!size) return size.error();
    auto chunk_size = StateUInt(*doc, "chunk_size");
    if (!chunk_size) return chunk_size.error();
    StoredFile f{*size, static_cast<uint32_t>(*chunk_size)};
    if (*chunk_size == 0 || *chunk_size > kMaxChunkSize || f.Count() == 0 ||
        f.Count() > kMaxDealChunks) {
        return StateCorrupt("\"size\" and \"chunk_size\" make no deal");
    }
    return f;
}

// The description of the file in `dir`; nullopt without one (an upload
// that never completed).
Result<std::optional<StoredFile>> LoadMeta(const std::string& dir) {
    auto text = ReadStateFile((fs::path(dir) / kMetaFile).string(), kMaxMetaSize);
    if (!text) return text.error();
    if (!text->has_value()) return std::optional<StoredFile>();
    auto meta = DecodeMeta(**text);
    std::error_code ec;
    const auto data_size = fs::file_size(fs::path(dir) / kDataFile, ec);
    if (meta && (ec || data_size != meta->size))
        meta = StateCorrupt("its data file is not " + std::to_string(meta->size) + " bytes");
    if (!meta) {
        return StateCorrupt("stored file " + dir + " is damaged: " + meta.error().message +
                            "; move the directory away (proofs of its deals will fail)");
    }
    return std::optional<StoredFile>(*meta);
}

// The length chunk `index` of a file must have: chunk_size, the last one less.
uint64_t ChunkLength(const StoredFile& f, uint64_t index) {
    return index + 1 < f.Count() ? f.chunk_size : f.size - (f.Count() - 1) * f.chunk_size;
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// All of `bytes` read (pread) or written (pwrite) at `offset`.
Status ReadOrWriteAt(int fd, std::span<uint8_t> bytes, uint64_t offset, bool write) {
    size_t done = 0;
    while (done < bytes.size()) {
        uint8_t* at = bytes.data() + done;
        const size_t n = bytes.size() - done;
        const auto where = static_cast<off_t>(offset + done);
        const ssize_t got = write ? ::pwrite(fd, at, n, where) : ::pread(fd, at, n, where);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
            return IoError(write ? "cannot write stored chunks" : "cannot read stored chunks");
        if (got == 0) return MakeError(ErrorKind::kIo, "file-io", "stored chunks end early");
        done += static_cast<size_t>(got);
    }
    return Status::Ok();
}

Status ReadAt(int fd, std::vector<uint8_t>& out, uint64_t offset) {
    return ReadOrWriteAt(fd, out, offset, false);
}

Status WriteAt(int fd, const std::vector<uint8_t>& data, uint64_t offset) {
    // pwrite only reads the bytes.
    return ReadOrWriteAt(fd, {const_cast<uint8_t*>(data.data()), data.size()}, offset, true);
}

std::optional<Hash256> RootFromName(const std::string& name) {
    auto bytes = ParseHex(name);
    Hash256 root{};
    if (!bytes || bytes->size() != root.size() || HexStr(*bytes) != name) return std::nullopt;
    std::copy(bytes->begin(), bytes->end(), root.begin());
    return root;
}

}  // namespace

uint64_t StoredFile::Count() const {
    return ChunkCount(size, chunk_size);
}

struct ChunkStore::Upload {
    uint64_t owner = 0;
    StoredFile terms;
    Fd data;
    std::vector<Hash256> leaves;
    std::vector<bool> have;
    uint64_t missing = 0;
};

ChunkStore::ChunkStore(std::string dir, uint64_t max_bytes)
    : m_dir(std::move(dir)), m_max_bytes(max_bytes) {}

ChunkStore::~ChunkStore() {
    std::lock_guard lock(m_mutex);
    while (!m_uploads.empty())
        Drop(m_uploads.begin()->first);
}

Result<std::unique_ptr<ChunkStore>> ChunkStore::Open(const std::string& dir, uint64_t max_bytes) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        return MakeError(ErrorKind::kIo, "file-io",
                         "cannot create the storage directory " + dir + ": " + ec.message());
    }
    std::unique_ptr<ChunkStore> store(new ChunkStore(dir, max_bytes));
    if (Status st = store->Scan(); !st) return st.error();
    return store;
}

// Complete files are kept; a directory without meta.json is deleted.
Status ChunkStore::Scan() {
    std::error_code ec;
    for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto root = RootFromName(it->path().filename().string());
        if (!root || !it->is_directory()) continue;  // not ours
        auto meta = LoadMeta(it->path().string());
        if (!meta) return meta.error();
        if (!meta->has_value()) {
            std::error_code ignored;
            fs::remove_all(it->path(), ignored);
            continue;
        }
        m_files.emplace(*root, **meta);
        m_used += (*meta)->size;
    }
    if (ec) {
        return MakeError(ErrorKind::kIo, "file-io",
                         "cannot read the storage directory " + m_dir + ": " + ec.message());
    }
    return Status::Ok();
}

std::string ChunkStore::DirOf(const Hash256& root) const {
    return (fs::path(m_dir) / HexStr(root)).string();
}

Result<PutOk> ChunkStore::Put(uint64_t owner, const PutChunks& put) {
    const StoredFile terms{put.size, put.chunk_size};
    if (put.chunk_size == 0 || put.chunk_size > kMaxChunkSize) {
        return MakeError("bad-chunk-size", "chunk size " + std::to_string(put.chunk_size) +
                                               " must be 1.." + std::to_string(kMaxChunkSize));
    }
    if (terms.Count() == 0 || terms.Count() > kMaxDealChunks) {
        return MakeError("bad-size", "size " + std::to_string(put.size) + " must make 1.." +
                                         std::to_string(kMaxDealChunks) + " chunks");
    }
    std::lock_guard lock(m_mutex);
    if (auto it = m_files.find(put.data_root); it != m_files.end()) {
        if (it->second.size != put.size || it->second.chunk_size != put.chunk_size) {
            return MakeError("root-held", "the agent holds this root with size " +
                                              std::to_string(it->second.size) + " and chunk size " +
                                              std::to_string(it->second.chunk_size));
        }
        return PutOk{terms.Count(), true};
    }
    auto upload = UploadFor(owner, put);
    if (!upload) return upload.error();
    if (Status st = Write(**upload, put); !st) return st.error();
    if ((*upload)->missing > 0) return PutOk{terms.Count() - (*upload)->missing, false};
    if (Status st = Complete(put.data_root, **upload); !st) {
        Drop(put.data_root);
        return st.error();
    }
    m_uploads.erase(put.data_root);
    m_files.emplace(put.data_root, terms);
    return PutOk{terms.Count(), true};
}

// The upload `put` continues, or a new one; m_mutex held.
Result<ChunkStore::Upload*> ChunkStore::UploadFor(uint64_t owner, const PutChunks& put) {
    if (auto it = m_uploads.find(put.data_root); it != m_uploads.end()) {
        Upload& u = *it->second;
        if (u.owner != owner) {
            return MakeError("upload-in-progress",
                             "another connection is uploading this root; wait until it ends");
        }
        if (u.terms.size != put.size || u.terms.chunk_size != put.chunk_size) {
            return MakeError("upload-mismatch",
                             "this upload began with size " + std::to_string(u.terms.size) +
                                 " and chunk size " + std::to_string(u.terms.chunk_size));
        }
        return &u;
    }
    if (m_uploads.size() >= kMaxUploads) {
        return MakeError(ErrorKind::kPolicy, "busy",
                         std::to_string(kMaxUploads) + " uploads are running; try again later");
    }
    const uint64_t free = m_max_bytes > m_used ? m_max_bytes - m_used : 0;
    if (put.size > free) {
        return MakeError(ErrorKind::kPolicy, "storage-full",
                         std::to_string(put.size) + " bytes do not fit: " + std::to_string(free) +
                             " are free (-maxstorage)");
    }
    std::error_code ec;
    fs::create_directories(DirOf(put.data_root), ec);
    auto u = std::make_unique<Upload>();
    u->owner = owner;
    u->terms = StoredFile{put.size, put.chunk_size};
    const std::string path = (fs::path(DirOf(put.data_root)) / kDataFile).string();
    u->data.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (ec || u->data.fd < 0) {
        fs::remove_all(DirOf(put.data_root), ec);
        return IoError("cannot create a file for the upload");
    }
    u->leaves.resize(u->terms.Count());
    u->have.resize(u->terms.Count());
    u->missing = u->terms.Count();
    m_used += put.size;
    return m_uploads.emplace(put.data_root, std::move(u)).first->second.get();
}

Status ChunkStore::Write(Upload& u, const PutChunks& put) {
    const uint64_t count = u.terms.Count();
    if (put.first_index >= count || put.chunks.size() > count - put.first_index) {
        return MakeError("bad-range", "chunks " + std::to_string(put.first_index) + ".." +
                                          std::to_string(put.first_index + put.chunks.size() - 1) +
                                          " are not all among the file's " + std::to_string(count));
    }
    for (size_t i = 0; i < put.chunks.size(); ++i) {
        const uint64_t index = put.first_index + i;
        if (put.chunks[i].size() != ChunkLength(u.terms, index)) {
            return MakeError("bad-chunk-length", "chunk " + std::to_string(index) + " has " +
                                                     std::to_string(put.chunks[i].size()) +
                                                     " bytes, not " +
                                                     std::to_string(ChunkLength(u.terms, index)));
        }
    }
    for (size_t i = 0; i < put.chunks.size(); ++i) {
        const uint64_t index = put.first_index + i;
        if (Status st = WriteAt(u.data.fd, put.chunks[i], index * u.terms.chunk_size); !st)
            return st;
        u.leaves[index] = ChunkLeafHash(index, put.chunks[i]);
        if (!u.have[index]) --u.missing;
        u.have[index] = true;
    }
    return Status::Ok();
}

// Every chunk is in: the root must be the offered one; then meta.json.
Status ChunkStore::Complete(const Hash256& root, Upload& u) {
    const Hash256 got = ChunkRoot(u.leaves);
    if (got != root) {
        return MakeError("root-mismatch", "the chunks' root is " + HexStr(got) +
                                              ", not the offered one; nothing is kept");
    }
    if (::fdatasync(u.data.fd) != 0) return IoError("cannot sync the stored chunks");
    return WriteStateFile((fs::path(DirOf(root)) / kMetaFile).string(), EncodeMeta(u.terms));
}

void ChunkStore::Drop(const Hash256& root) {
    auto it = m_uploads.find(root);
    if (it == m_uploads.end()) return;
    m_used -= it->second->terms.size;
    m_uploads.erase(it);  // closes the data file
    std::error_code ec;
    fs::remove_all(DirOf(root), ec);
}

void ChunkStore::Abandon(uint64_t owner) {
    std::lock_guard lock(m_mutex);
    std::vector<Hash256> roots;
    for (const auto& [root, upload] : m_uploads) {
        if (upload->owner == owner) roots.push_back(root);
    }
    for (const Hash256& root : roots)
        Drop(root);
}

std::optional<StoredFile> ChunkStore::Find(const Hash256& root) const {
    std::lock_guard lock(m_mutex);
    auto it = m_files.find(root);
    if (it == m_files.end()) return std::nullopt;
    return it->second;
}

Result<Chunks> ChunkStore::Read(const Hash256& root, uint64_t first, uint32_t count) const {
    const auto file = Find(root);
    if (!file)
        return MakeError(ErrorKind::kNotFound, "unknown-root", "no complete file has this root");
    if (first >= file->Count()) {
        return MakeError("bad-range", "chunk " + std::to_string(first) + " is past the file's " +
                                          std::to_string(file->Count()));
    }
    Fd data;
    const std::string path = (fs::path(DirOf(root)) / kDataFile).string();
    data.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (data.fd < 0) return IoError("cannot open stored chunks");
    Chunks out{file->size, file->chunk_size, first, {}};
    const uint64_t end = std::min<uint64_t>(file->Count(), first + count);
    for (uint64_t i = first; i < end; ++i) {
        std::vector<uint8_t> chunk(ChunkLength(*file, i));
        if (Status st = ReadAt(data.fd, chunk, i * file->chunk_size); !st) return st.error();
        out.chunks.push_back(std::move(chunk));
    }
    return out;
}

Result<std::vector<Hash256>> ChunkStore::Leaves(const Hash256& root) const {
    const auto file = Find(root);
    if (!file)
        return MakeError(ErrorKind::kNotFound, "unknown-root", "no complete file has this root");
    std::vector<Hash256> leaves;
    leaves.reserve(file->Count());
    for (uint64_t first = 0; first < file->Count(); first += kMaxChunksPerMessage) {
        auto part = Read(root, first, kMaxChunksPerMessage);
        if (!part) return part.error();
        for (size_t i = 0; i < part->chunks.size(); ++i)
            leaves.push_back(ChunkLeafHash(first + i, part->chunks[i]));
    }
    return leaves;
}

uint64_t ChunkStore::Free() const {
    std::lock_guard lock(m_mutex);
    return m_max_bytes > m_used ? m_max_bytes - m_used : 0;
}

std::vector<Hash256> ChunkStore::Roots() const {
    std::lock_guard lock(m_mutex);
    std::vector<Hash256> roots;
    for (const auto& [root, file] : m_files)
        roots.push_back(root);
    return roots;
}

void ChunkStore::Remove(const Hash256& root) {
    std::lock_guard lock(m_mutex);
    auto it = m_files.find(root);
    if (it == m_files.end()) return;
    m_used -= it->second.size;
    m_files.erase(it);
    std::error_code ec;
    fs::remove_all(DirOf(root), ec);
}

}  // namespace maillon
