// RPC authentication: the cookie file and the HTTP Basic credential check.
//
// Cookie: at every start the node writes "__cookie__:<64 hex chars>" (32
// bytes from the CSPRNG) to a file readable only by its owner (mode 0600),
// replacing any previous one atomically (write to "<path>.tmp", then rename),
// and deletes it on shutdown. Local tools (maillon-cli, the agent) read it.
//
// RpcAuthenticator: a set of accepted credentials, each either a plain
// user/password (the cookie) or a Bitcoin-compatible "rpcauth" entry
// "user:salt$hash", hash = hex(HMAC-SHA256(key = salt as text, password)), so
// configured passwords are never stored in clear. Every check compares
// fixed-size digests with TimingSafeEqual and visits every entry, so the time
// taken reveals neither the password nor which user name exists.
//
// Thread-safety: configure (Add*) before sharing; Authenticate is const and
// may then be called from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/hash.h"
#include "util/result.h"

namespace maillon {

inline constexpr std::string_view kCookieUser = "__cookie__";

struct RpcCredentials {
    std::string user;
    std::string password;
};

// Writes a fresh cookie to `path` (mode 0600, atomic replace) and returns it.
// Errors (code "cookie-write") name the path and the system error.
Result<RpcCredentials> GenerateAuthCookie(const std::filesystem::path& path);

// Reads "user:password" from a cookie file (code "cookie-read" on failure).
Result<RpcCredentials> ReadAuthCookie(const std::filesystem::path& path);

// Removes the cookie file; a missing file is not an error.
Status DeleteAuthCookie(const std::filesystem::path& path);

class RpcAuthenticator {
public:
    RpcAuthenticator() = default;
    // For set-up only: moves the credentials; remembered headers start afresh.
    RpcAuthenticator(RpcAuthenticator&& other) noexcept : m_entries(std::move(other.m_entries)) {}
    RpcAuthenticator& operator=(RpcAuthenticator&& other) noexcept {
        m_entries = std::move(other.m_entries);
        m_remembered.clear();
        return *this;
    }

    // Accepts `user` with `password` (e.g. the cookie).
    void AddUser(std::string_view user, std::string_view password);
    // Accepts an rpcauth entry "user:salt$hex_hmac" (as written by Bitcoin
    // Core's share/rpcauth/rpcauth.py). Error code "bad-rpcauth" when malformed.
    Status AddRpcAuth(std::string_view entry);

    bool Empty() const { return m_entries.empty(); }

    // Checks an "Authorization" header value ("Basic base64(user:password)",
    // scheme case-insensitive). Returns the user name, or nullopt when the
    // header is absent, malformed or the credentials are wrong.
    //
    // Header values that passed are remembered as SHA-256 digests (at most
    // kMaxRemembered; the set is emptied when full), so that the repeats a
    // keep-alive client sends cost one hash and a constant-time scan instead
    // of a base64 decode, two hashes and an HMAC per rpcauth entry. A hit
    // only tells a caller what its own valid header already proved.
    std::optional<std::string> Authenticate(std::string_view authorization_header) const;
    // Like Authenticate, but only for a header that Authenticate accepted
    // before (and still remembers): nothing new is checked, so nothing can be
    // guessed through it. For use while failed logins are throttled.
    std::optional<std::string> AuthenticateRemembered(std::string_view authorization_header) const;

private:
    static constexpr size_t kMaxRemembered = 64;

    // The index in m_entries of the entry the header proves, if any.
    std::optional<size_t> Verify(std::string_view authorization_header) const;
    // The entry of a remembered header digest, if any.
    std::optional<size_t> Recall(const Hash256& header_digest) const;

    struct Entry {
        std::string user;
        Hash256 user_digest;  // SHA256(user), compared in constant time
        std::string salt;     // empty: plain password, `digest` = SHA256(password)
        Hash256 digest;       // rpcauth: HMAC-SHA256(salt, password)
    };
    std::vector<Entry> m_entries;

    struct Remembered {
        Hash256 header_digest;
        size_t entry;
    };
    mutable std::mutex m_remembered_mutex;
    mutable std::vector<Remembered> m_remembered;  // guarded by m_remembered_mutex
};

// Returns "Basic " + base64(user ":" password).
std::string MakeBasicAuthHeader(std::string_view user, std::string_view password);

}  // namespace maillon
