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

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
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
    // Accepts `user` with `password` (e.g. the cookie).
    void AddUser(std::string_view user, std::string_view password);
    // Accepts an rpcauth entry "user:salt$hex_hmac" (as written by Bitcoin
    // Core's share/rpcauth/rpcauth.py). Error code "bad-rpcauth" when malformed.
    Status AddRpcAuth(std::string_view entry);

    bool Empty() const { return m_entries.empty(); }

    // Checks an "Authorization" header value ("Basic base64(user:password)",
    // scheme case-insensitive). Returns the user name, or nullopt when the
    // header is absent, malformed or the credentials are wrong.
    std::optional<std::string> Authenticate(std::string_view authorization_header) const;

private:
    struct Entry {
        std::string user;
        Hash256 user_digest;  // SHA256(user), compared in constant time
        std::string salt;     // empty: plain password, `digest` = SHA256(password)
        Hash256 digest;       // rpcauth: HMAC-SHA256(salt, password)
    };
    std::vector<Entry> m_entries;
};

// Returns "Basic " + base64(user ":" password).
std::string MakeBasicAuthHeader(std::string_view user, std::string_view password);

}  // namespace maillon
