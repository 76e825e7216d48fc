// A LevelDB Env for tests that inject storage faults: LevelDB's default Env
// with faults switched on by `mode` — reads that fail, reads whose bytes are
// damaged (so LevelDB's checksums catch them), or writes and syncs that fail.
// `mode` may be changed from any thread; the Env must outlive the database.
#pragma once

#include <leveldb/env.h>

#include <atomic>
#include <memory>
#include <string>

namespace maillon::test {

class FaultyEnv : public leveldb::EnvWrapper {
public:
    enum class Mode { kNone, kFailReads, kCorruptReads, kFailWrites };
    std::atomic<Mode> mode{Mode::kNone};

    FaultyEnv() : EnvWrapper(leveldb::Env::Default()) {}

    leveldb::Status NewRandomAccessFile(const std::string& f,
                                        leveldb::RandomAccessFile** r) override {
        leveldb::Status s = target()->NewRandomAccessFile(f, r);
        if (s.ok()) *r = new Reading(std::unique_ptr<leveldb::RandomAccessFile>(*r), mode);
        return s;
    }
    leveldb::Status NewWritableFile(const std::string& f, leveldb::WritableFile** r) override {
        leveldb::Status s = target()->NewWritableFile(f, r);
        if (s.ok()) *r = new Writing(std::unique_ptr<leveldb::WritableFile>(*r), mode);
        return s;
    }
    leveldb::Status NewAppendableFile(const std::string& f, leveldb::WritableFile** r) override {
        leveldb::Status s = target()->NewAppendableFile(f, r);
        if (s.ok()) *r = new Writing(std::unique_ptr<leveldb::WritableFile>(*r), mode);
        return s;
    }

private:
    class Reading : public leveldb::RandomAccessFile {
    public:
        Reading(std::unique_ptr<leveldb::RandomAccessFile> f, const std::atomic<Mode>& mode)
            : m_file(std::move(f)), m_mode(mode) {}
        leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                             char* scratch) const override {
            if (m_mode == Mode::kFailReads) return leveldb::Status::IOError("injected read fault");
            leveldb::Status s = m_file->Read(offset, n, result, scratch);
            if (s.ok() && m_mode == Mode::kCorruptReads && result->size() > 0) {
                std::copy(result->data(), result->data() + result->size(), scratch);
                scratch[0] ^= 0x55;
                *result = leveldb::Slice(scratch, result->size());
            }
            return s;
        }

    private:
        std::unique_ptr<leveldb::RandomAccessFile> m_file;
        const std::atomic<Mode>& m_mode;
    };
    class Writing : public leveldb::WritableFile {
    public:
        Writing(std::unique_ptr<leveldb::WritableFile> f, const std::atomic<Mode>& mode)
            : m_file(std::move(f)), m_mode(mode) {}
        leveldb::Status Append(const leveldb::Slice& data) override {
            if (m_mode == Mode::kFailWrites)
                return leveldb::Status::IOError("injected write fault");
            return m_file->Append(data);
        }
        leveldb::Status Close() override { return m_file->Close(); }
        leveldb::Status Flush() override { return m_file->Flush(); }
        leveldb::Status Sync() override {
            if (m_mode == Mode::kFailWrites) return leveldb::Status::IOError("injected sync fault");
            return m_file->Sync();
        }

    private:
        std::unique_ptr<leveldb::WritableFile> m_file;
        const std::atomic<Mode>& m_mode;
    };
};

}  // namespace maillon::test
