// ChunkStore: the stored bytes the agent keeps for its clients' storage
// deals, one directory per chunk tree root under <network dir>/storage:
//     <root hex>/data       the stored bytes; chunk i at offset i * chunk_size
//     <root hex>/meta.json  {"version":1,"size":N,"chunk_size":C}
// Chunks are written to `data` as they arrive (PUT_CHUNKS, in any order and
// any number of messages). Once every chunk of the file is in, the root of
// their leaf hashes (consensus/chunk_tree.h, computed as they came) must be
// the root the client offered: then `data` is synced and meta.json written,
// last, which makes the file complete; otherwise everything is deleted
// ("root-mismatch"). A directory without meta.json is an upload that never
// completed: Open() deletes it.
//
// An upload belongs to the connection that began it (its `owner` id): no
// other may add to it, and Abandon(owner) deletes it when the connection
// closes. Complete files stay. Every byte held, and the whole size of every
// upload from its first chunk on, counts against `max_bytes`; at most
// kMaxUploads uploads run at once, each holding the leaf hashes of its
// chunks in memory (32 bytes a chunk).
//
// Thread-safe: the service loop puts and reads, the prover reads and
// removes. Complete files never change until removed, so reading them takes
// no lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/service_protocol.h"
#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

inline constexpr size_t kMaxUploads = 8;

// A complete file.
struct StoredFile {
    uint64_t size = 0;
    uint32_t chunk_size = 0;
    uint64_t Count() const;
};

class ChunkStore {
public:
    // Reads `dir` (created if missing): complete files are kept, unfinished
    // uploads deleted. Errors: "file-io"; "state-corrupt" (a meta.json that
    // does not parse, or a data file of another size than meta.json says:
    // the message names the directory).
    static Result<std::unique_ptr<ChunkStore>> Open(const std::string& dir, uint64_t max_bytes);
    ~ChunkStore();

    // Adds the chunks to the upload of put.data_root that `owner` began,
    // beginning it if there is none. Errors (ErrorReply codes, doc/agent.md):
    // "bad-chunk-size", "bad-size", "root-held" (complete with other terms),
    // "upload-in-progress" (another connection's), "upload-mismatch" (other
    // terms than this upload's first message), "busy", "storage-full",
    // "bad-range", "bad-chunk-length", "root-mismatch", "file-io".
    Result<PutOk> Put(uint64_t owner, const PutChunks& put);
    // Deletes the uploads `owner` did not complete.
    void Abandon(uint64_t owner);

    std::optional<StoredFile> Find(const Hash256& root) const;
    // Chunks first..first+count-1 of a complete file, or as many of them as
    // there are. Errors: "unknown-root", "bad-range" (first is past the end),
    // "file-io".
    Result<Chunks> Read(const Hash256& root, uint64_t first, uint32_t count) const;
    // Every chunk's leaf hash, read from the disk. Errors as Read's.
    Result<std::vector<Hash256>> Leaves(const Hash256& root) const;
    // Bytes that may still be taken.
    uint64_t Free() const;
    // The roots of the complete files, in order.
    std::vector<Hash256> Roots() const;
    // Deletes a complete file, whose deals are over: its bytes may be taken
    // again. A read already under way may then fail ("file-io").
    void Remove(const Hash256& root);

private:
    struct Upload;
    ChunkStore(std::string dir, uint64_t max_bytes);
    Status Scan();
    std::string DirOf(const Hash256& root) const;
    Result<Upload*> UploadFor(uint64_t owner, const PutChunks& put);
    Status Write(Upload& upload, const PutChunks& put);
    Status Complete(const Hash256& root, Upload& upload);
    void Drop(const Hash256& root);  // an upload: closed and deleted; m_mutex held

    const std::string m_dir;
    const uint64_t m_max_bytes;
    mutable std::mutex m_mutex;
    std::map<Hash256, StoredFile> m_files;                 // guarded by m_mutex
    std::map<Hash256, std::unique_ptr<Upload>> m_uploads;  // guarded by m_mutex
    uint64_t m_used = 0;                                   // guarded by m_mutex
};

}  // namespace maillon
