#include "util/file.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace maillon {

namespace {

std::string DirName(const std::string& path) {
    size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

Error IoError(const std::string& what, int err) {
    return MakeError(ErrorKind::kIo, "file-io", what + ": " + std::generic_category().message(err));
}

Error ExistsError() {
    return MakeError("file-exists", "already exists");
}

// Moves tmp to path without ever replacing an existing file: renameat2 with
// RENAME_NOREPLACE, or link + unlink where that is unsupported.
Status RenameNoReplace(const std::string& tmp, const std::string& path) {
    if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0)
        return Status::Ok();
    int err = errno;
    if (err == EEXIST) return ExistsError();
    if (err != EINVAL && err != ENOSYS && err != ENOTSUP) return IoError("cannot rename", err);
    if (link(tmp.c_str(), path.c_str()) != 0) {
        err = errno;
        return err == EEXIST ? ExistsError() : IoError("cannot link", err);
    }
    unlink(tmp.c_str());
    return Status::Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view data, FileReplace replace) {
    std::string tmp = path + ".tmp-XXXXXX";
    int fd = mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) return IoError("cannot create a temporary file next to it", errno);
    auto fail = [&](const Error& e) {
        if (fd >= 0) close(fd);
        unlink(tmp.c_str());
        return e;
    };
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail(IoError("cannot set mode 0600", errno));
    size_t written = 0;
    while (written < data.size()) {
        ssize_t n = write(fd, data.data() + written, data.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(IoError("cannot write", errno));
        }
        written += static_cast<size_t>(n);
    }
    if (fsync(fd) != 0) return fail(IoError("cannot sync", errno));
    int rc = close(fd);
    fd = -1;
    if (rc != 0) return fail(IoError("cannot close", errno));

    if (replace == FileReplace::kNever) {
        Status st = RenameNoReplace(tmp, path);
        if (!st) return fail(st.error());
    } else if (rename(tmp.c_str(), path.c_str()) != 0) {
        return fail(IoError("cannot rename", errno));
    }
    // Make the new directory entry durable.
    int dfd = open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        return MakeError(ErrorKind::kIo, "file-io", "cannot read " + path + ": " + ec.message());
    if (size > max_bytes) {
        return MakeError("file-too-large", path + " is " + std::to_string(size) +
                                               " bytes, the limit is " + std::to_string(max_bytes));
    }
    std::ifstream in(path, std::ios::binary);
    std::string data(static_cast<size_t>(size), '\0');
    if (!in.read(data.data(), static_cast<std::streamsize>(size))) {
        return MakeError(ErrorKind::kIo, "file-io", "cannot read " + path);
    }
    return data;
}

}  // namespace maillon
