#include "util/file.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
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

struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
};

Error TooLarge(uint64_t size, size_t max_size) {
    return MakeError("file-too-large", "file is " + std::to_string(size) + " bytes but at most " +
                                           std::to_string(max_size) + " bytes are read");
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

Result<std::string> ReadFileBounded(const std::string& path, size_t max_size) {
    // O_NONBLOCK so that opening a FIFO by mistake cannot hang us.
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return IoError("cannot open", errno);
    FdCloser closer{fd};
    struct stat st;
    if (fstat(fd, &st) != 0) return IoError("cannot stat", errno);
    if (!S_ISREG(st.st_mode)) return MakeError(ErrorKind::kIo, "file-io", "not a regular file");
    if (static_cast<uint64_t>(st.st_size) > max_size) return TooLarge(st.st_size, max_size);
    std::string text(max_size + 1, '\0');
    size_t got = 0;
    while (got < text.size()) {
        const ssize_t n = read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return IoError("cannot read", errno);
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    if (got > max_size) return TooLarge(got, max_size);
    text.resize(got);
    return text;
}

}  // namespace maillon
