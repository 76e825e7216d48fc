#include "rpc/auth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/base64.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string SysError(int err) {
    return std::strerror(err);
}

Error CookieWriteError(const std::filesystem::path& path, const std::string& what, int err) {
    return MakeError("cookie-write", "cannot " + what + " RPC cookie file " + path.string() + ": " +
                                         SysError(err) +
                                         " (check that the data directory is writable)");
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

}  // namespace

Result<RpcCredentials> GenerateAuthCookie(const std::filesystem::path& path) {
    std::array<uint8_t, 32> secret;
    GetRandBytes(secret);
    RpcCredentials creds{std::string(kCookieUser), HexStr(secret)};
    const std::string content = creds.user + ":" + creds.password;

    const std::filesystem::path tmp = path.string() + ".tmp";
    // A stale temporary file (crash during a previous start) is removed first so
    // that O_EXCL creates a fresh file we own, never following a planted link.
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) {
        return CookieWriteError(tmp, "remove stale", errno);
    }
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return CookieWriteError(tmp, "create", errno);
    int err = 0;
    if (::fchmod(fd, 0600) != 0) err = errno;
    size_t written = 0;
    while (err == 0 && written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        written += static_cast<size_t>(n);
    }
    if (err == 0 && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err != 0) {
        ::unlink(tmp.c_str());
        return CookieWriteError(tmp, "write", err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        err = errno;
        ::unlink(tmp.c_str());
        return CookieWriteError(path, "rename temporary file onto", err);
    }
    return creds;
}

Result<RpcCredentials> ReadAuthCookie(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return MakeError("cookie-read", "cannot read RPC cookie file " + path.string() +
                                            " (is maillond running with this data directory?)");
    }
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
        return MakeError("cookie-read",
                         "RPC cookie file " + path.string() + " is not of the form user:password");
    }
    return RpcCredentials{line.substr(0, colon), line.substr(colon + 1)};
}

Status DeleteAuthCookie(const std::filesystem::path& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return MakeError("cookie-delete",
                         "cannot delete RPC cookie file " + path.string() + ": " + SysError(errno));
    }
    return Status::Ok();
}

void RpcAuthenticator::AddUser(std::string_view user, std::string_view password) {
    m_entries.push_back(Entry{std::string(user), Sha256(Bytes(user)), "", Sha256(Bytes(password))});
}

Status RpcAuthenticator::AddRpcAuth(std::string_view entry) {
    const size_t colon = entry.find(':');
    const size_t dollar = entry.find('$', colon == std::string_view::npos ? 0 : colon);
    if (colon == std::string_view::npos || colon == 0 || dollar == std::string_view::npos ||
        dollar == colon + 1) {
        return MakeError("bad-rpcauth",
                         "rpcauth entry must be user:salt$hash (generate one with rpcauth.py)");
    }
    const std::string_view user = entry.substr(0, colon);
    const std::string_view salt = entry.substr(colon + 1, dollar - colon - 1);
    const auto hash = ParseHex(entry.substr(dollar + 1));
    if (!hash || hash->size() != 32) {
        return MakeError("bad-rpcauth", "rpcauth entry for user \"" + std::string(user) +
                                            "\": hash must be 64 hex characters (HMAC-SHA256)");
    }
    Entry e{std::string(user), Sha256(Bytes(user)), std::string(salt), {}};
    std::copy(hash->begin(), hash->end(), e.digest.begin());
    m_entries.push_back(std::move(e));
    return Status::Ok();
}

std::optional<size_t> RpcAuthenticator::Recall(const Hash256& header_digest) const {
    std::optional<size_t> entry;
    std::lock_guard lock(m_remembered_mutex);
    // No early exit, as in Verify.
    for (const Remembered& r : m_remembered) {
        if (TimingSafeEqual(header_digest, r.header_digest) && !entry) entry = r.entry;
    }
    return entry;
}

std::optional<std::string> RpcAuthenticator::AuthenticateRemembered(std::string_view header) const {
    const std::optional<size_t> entry = Recall(Sha256(Bytes(header)));
    if (!entry) return std::nullopt;
    return m_entries[*entry].user;
}

std::optional<std::string> RpcAuthenticator::Authenticate(std::string_view header) const {
    const Hash256 header_digest = Sha256(Bytes(header));
    std::optional<size_t> entry = Recall(header_digest);
    if (!entry) {
        entry = Verify(header);
        if (!entry) return std::nullopt;
        std::lock_guard lock(m_remembered_mutex);
        if (m_remembered.size() >= kMaxRemembered) m_remembered.clear();
        m_remembered.push_back(Remembered{header_digest, *entry});
    }
    return m_entries[*entry].user;
}

std::optional<size_t> RpcAuthenticator::Verify(std::string_view header) const {
    // "Basic" SP token68, tolerating extra spaces around the token.
    constexpr std::string_view kScheme = "basic";
    if (header.size() <= kScheme.size() || !EqualsIgnoreCase(header.substr(0, 5), kScheme) ||
        header[5] != ' ') {
        return std::nullopt;
    }
    std::string_view token = header.substr(6);
    while (!token.empty() && token.front() == ' ')
        token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ')
        token.remove_suffix(1);
    const auto decoded = DecodeBase64(token);
    if (!decoded) return std::nullopt;
    const std::string_view pair(reinterpret_cast<const char*>(decoded->data()), decoded->size());
    const size_t colon = pair.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view user = pair.substr(0, colon);
    const std::string_view password = pair.substr(colon + 1);

    const Hash256 user_digest = Sha256(Bytes(user));
    const Hash256 plain_digest = Sha256(Bytes(password));
    std::optional<size_t> match;
    // No early exit: every entry costs the same whatever matches.
    for (size_t i = 0; i < m_entries.size(); ++i) {
        const Entry& e = m_entries[i];
        const Hash256 digest =
            e.salt.empty() ? plain_digest : HmacSha256(Bytes(e.salt), Bytes(password));
        const bool user_ok = TimingSafeEqual(user_digest, e.user_digest);
        const bool pass_ok = TimingSafeEqual(digest, e.digest);
        if ((user_ok & pass_ok) && !match) match = i;
    }
    return match;
}

std::string MakeBasicAuthHeader(std::string_view user, std::string_view password) {
    std::string pair;
    pair.reserve(user.size() + 1 + password.size());
    pair.append(user).append(":").append(password);
    return "Basic " + EncodeBase64(pair);
}

}  // namespace maillon
