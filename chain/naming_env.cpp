#include "chain/naming_env.h"

#include <memory>

namespace maillon {

namespace {

thread_local std::string t_last_read;

class NamedFile : public leveldb::RandomAccessFile {
public:
    NamedFile(std::string name, std::unique_ptr<leveldb::RandomAccessFile> file)
        : m_name(std::move(name)), m_file(std::move(file)) {}
    leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                         char* scratch) const override {
        if (t_last_read != m_name) t_last_read = m_name;
        return m_file->Read(offset, n, result, scratch);
    }

private:
    const std::string m_name;
    const std::unique_ptr<leveldb::RandomAccessFile> m_file;
};

}  // namespace

leveldb::Status NamingEnv::NewRandomAccessFile(const std::string& name,
                                               leveldb::RandomAccessFile** result) {
    leveldb::Status s = target()->NewRandomAccessFile(name, result);
    if (s.ok()) *result = new NamedFile(name, std::unique_ptr<leveldb::RandomAccessFile>(*result));
    return s;
}

const std::string& NamingEnv::LastTableRead() {
    return t_last_read;
}

void NamingEnv::ForgetLastRead() {
    t_last_read.clear();
}

}  // namespace maillon
