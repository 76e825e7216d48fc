// Helpers shared by unit tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace maillon::test {

// Path of a file under ../shared/vectors (relative to the project root).
inline std::string VectorPath(const std::string& rel) {
    return std::string(MAILLON_VECTORS_DIR) + "/" + rel;
}

// A fresh directory under /tmp, removed with everything in it on destruction.
struct TempDir {
    std::filesystem::path path;

    TempDir() {
        std::string tmpl = "/tmp/maillon_unit_test.XXXXXX";
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string File(const std::string& name) const { return (path / name).string(); }
};

}  // namespace maillon::test
