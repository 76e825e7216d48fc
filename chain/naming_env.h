// NamingEnv: a LevelDB Env that remembers, per thread, which file the
// thread last read through a random-access file (a table file).
//
// LevelDB reports a damaged table block as "Corruption: block checksum
// mismatch" without naming the file. Reads of a Get() or an iterator run on
// the calling thread, so right after such an error LastTableRead() on that
// thread names the file the bad block came from.
//
// Thread-safety: as the wrapped Env; LastTableRead() reads the caller's own
// thread-local value.
#pragma once

#include <leveldb/env.h>

#include <string>

namespace maillon {

class NamingEnv : public leveldb::EnvWrapper {
public:
    explicit NamingEnv(leveldb::Env* target) : EnvWrapper(target) {}
    leveldb::Status NewRandomAccessFile(const std::string& name,
                                        leveldb::RandomAccessFile** result) override;

    // The file this thread last read a table block from ("" if none since
    // ForgetLastRead()).
    static const std::string& LastTableRead();
    static void ForgetLastRead();
};

}  // namespace maillon
