// Tests of RPC authentication (rpc/auth.h): the cookie file, the Basic
// credential check including Bitcoin-style rpcauth entries, and the base64
// codec it relies on (src/util/base64.h).
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "rpc/auth.h"
#include "test/util/setup.h"
#include "util/base64.h"

using namespace maillon;

namespace {

using maillon::test::ErrorText;
using maillon::test::ReadFile;
using maillon::test::TempDir;

bool IsLowerHex(const std::string& s) {
    return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rpc_auth_tests)

BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors) {
    const std::vector<std::pair<std::string, std::string>> vectors{{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        BOOST_CHECK_EQUAL(EncodeBase64(plain), encoded);
        auto decoded = DecodeBase64(encoded);
        BOOST_REQUIRE(decoded);
        BOOST_CHECK_EQUAL(std::string(decoded->begin(), decoded->end()), plain);
    }
    std::vector<uint8_t> all(256);
    for (size_t i = 0; i < all.size(); ++i)
        all[i] = static_cast<uint8_t>(i);
    BOOST_CHECK(DecodeBase64(EncodeBase64(all)) == all);
    for (const char* bad : {"Zg=", "Zg", "Zg==Zg==", "Z===", "====", "Zh==", "Zm9=", "Zm9v!A==",
                            "Zm9v\n", " Zm9v", "Zm=v"}) {
        BOOST_CHECK_MESSAGE(!DecodeBase64(bad), bad);
    }
}

BOOST_AUTO_TEST_CASE(cookie_is_written_private_and_replaced) {
    TempDir dir;
    const auto path = dir.path / ".cookie";
    auto first = GenerateAuthCookie(path);
    BOOST_REQUIRE_MESSAGE(first.ok(), ErrorText(first));
    BOOST_CHECK_EQUAL(first->user, "__cookie__");
    BOOST_CHECK_EQUAL(first->password.size(), 64u);
    BOOST_CHECK(IsLowerHex(first->password));
    BOOST_CHECK_EQUAL(ReadFile(path), "__cookie__:" + first->password);

    struct stat st {};
    BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
    BOOST_CHECK_EQUAL(st.st_mode & 0777, 0600u);
    BOOST_CHECK(!std::filesystem::exists(path.string() + ".tmp"));

    auto read = ReadAuthCookie(path);
    BOOST_REQUIRE(read.ok());
    BOOST_CHECK_EQUAL(read->user, first->user);
    BOOST_CHECK_EQUAL(read->password, first->password);

    // A new start replaces it with a new secret, even under a permissive umask
    // and over a file with other permissions.
    ::chmod(path.c_str(), 0644);
    const mode_t old_umask = ::umask(0);
    auto second = GenerateAuthCookie(path);
    ::umask(old_umask);
    BOOST_REQUIRE(second.ok());
    BOOST_CHECK_NE(second->password, first->password);
    BOOST_CHECK_EQUAL(ReadFile(path), "__cookie__:" + second->password);
    BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
    BOOST_CHECK_EQUAL(st.st_mode & 0777, 0600u);

    BOOST_CHECK(DeleteAuthCookie(path).ok());
    BOOST_CHECK(!std::filesystem::exists(path));
    BOOST_CHECK(DeleteAuthCookie(path).ok());  // already gone: fine
    auto missing = ReadAuthCookie(path);
    BOOST_REQUIRE(!missing.ok());
    BOOST_CHECK_EQUAL(missing.error().code, "cookie-read");
}

BOOST_AUTO_TEST_CASE(cookie_does_not_follow_a_planted_link) {
    TempDir dir;
    const auto path = dir.path / ".cookie";
    const auto victim = dir.path / "victim";
    { std::ofstream(victim) << "precious"; }
    std::filesystem::create_symlink(victim, path.string() + ".tmp");
    auto creds = GenerateAuthCookie(path);
    BOOST_REQUIRE(creds.ok());
    BOOST_CHECK_EQUAL(ReadFile(victim), "precious");
    BOOST_CHECK(!std::filesystem::is_symlink(path));
    BOOST_CHECK_EQUAL(ReadFile(path), "__cookie__:" + creds->password);
}

BOOST_AUTO_TEST_CASE(cookie_write_errors_are_clear) {
    TempDir dir;
    const auto path = dir.path / "no-such-dir" / ".cookie";
    auto r = GenerateAuthCookie(path);
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK_EQUAL(r.error().code, "cookie-write");
    BOOST_CHECK(r.error().message.find(dir.path.string()) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(authenticate_cookie_user) {
    RpcAuthenticator auth;
    BOOST_CHECK(auth.Empty());
    BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader("", "")));
    auth.AddUser("__cookie__", "s3cret");
    BOOST_CHECK(!auth.Empty());

    const std::string header = MakeBasicAuthHeader("__cookie__", "s3cret");
    BOOST_CHECK_EQUAL(header, "Basic X19jb29raWVfXzpzM2NyZXQ=");
    BOOST_CHECK_EQUAL(auth.Authenticate(header).value_or(""), "__cookie__");
    BOOST_CHECK(auth.Authenticate("basic X19jb29raWVfXzpzM2NyZXQ="));
    BOOST_CHECK(auth.Authenticate("BASIC  X19jb29raWVfXzpzM2NyZXQ= "));

    for (const std::string& bad : {
             std::string(""), std::string("Basic"), std::string("Basic "),
             std::string("BasicX19jb29raWVfXzpzM2NyZXQ="),
             std::string("Bearer X19jb29raWVfXzpzM2NyZXQ="),
             std::string("Basic X19jb29raWVfXzpzM2NyZXQ"),  // bad padding
             MakeBasicAuthHeader("__cookie__", "s3cre"),
             MakeBasicAuthHeader("__cookie__", "s3cret "),
             MakeBasicAuthHeader("__cookie_", "s3cret"), MakeBasicAuthHeader("", "s3cret"),
             "Basic " + EncodeBase64("__cookie__s3cret"),  // no colon
         }) {
        BOOST_CHECK_MESSAGE(!auth.Authenticate(bad), bad);
    }
    // Passwords may contain colons: only the first separates the user.
    auth.AddUser("bob", "a:b:c");
    BOOST_CHECK_EQUAL(auth.Authenticate(MakeBasicAuthHeader("bob", "a:b:c")).value_or(""), "bob");
    BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader("bob", "a:b")));
    // Credentials of one user do not work for another.
    BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader("bob", "s3cret")));
}

BOOST_AUTO_TEST_CASE(remembered_headers_give_the_same_answers) {
    RpcAuthenticator auth;
    auth.AddUser("__cookie__", "s3cret");
    auth.AddUser("bob", "pw");
    const std::string cookie = MakeBasicAuthHeader("__cookie__", "s3cret");
    const std::string bob = MakeBasicAuthHeader("bob", "pw");
    const std::string wrong = MakeBasicAuthHeader("__cookie__", "s3creT");
    // Repeats (served from the remembered set after the first) keep their answer,
    // and remembering a good header does not let a near miss in.
    for (int round = 0; round < 3; ++round) {
        BOOST_CHECK_EQUAL(auth.Authenticate(cookie).value_or(""), "__cookie__");
        BOOST_CHECK_EQUAL(auth.Authenticate(bob).value_or(""), "bob");
        BOOST_CHECK(!auth.Authenticate(wrong));
        BOOST_CHECK(!auth.Authenticate(cookie + "x"));
        BOOST_CHECK(!auth.Authenticate(cookie.substr(0, cookie.size() - 1)));
    }
    // More distinct good headers than are remembered (spacing variants of the
    // same credentials): each still passes, before and after the set is emptied.
    for (int spaces = 0; spaces < 150; ++spaces) {
        const std::string variant =
            "Basic " + std::string(static_cast<size_t>(spaces), ' ') + cookie.substr(6);
        BOOST_CHECK_EQUAL(auth.Authenticate(variant).value_or(""), "__cookie__");
        BOOST_CHECK_EQUAL(auth.Authenticate(variant).value_or(""), "__cookie__");
    }
    BOOST_CHECK_EQUAL(auth.Authenticate(cookie).value_or(""), "__cookie__");
    BOOST_CHECK(!auth.Authenticate(wrong));
    // A moved authenticator keeps the credentials.
    RpcAuthenticator moved(std::move(auth));
    BOOST_CHECK_EQUAL(moved.Authenticate(cookie).value_or(""), "__cookie__");
    BOOST_CHECK(!moved.Authenticate(wrong));
}

BOOST_AUTO_TEST_CASE(authenticate_rpcauth_entry) {
    // hmac.new(b"cb77f0957de88ff388cf817ddbc7273", b"secret", "sha256").hexdigest()
    const std::string entry =
        "alice:cb77f0957de88ff388cf817ddbc7273$"
        "c9ce7cb2de2ad5aadae1449ad1e62baa38d98fced30a7cd2eae656cab574b678";
    RpcAuthenticator auth;
    BOOST_REQUIRE(auth.AddRpcAuth(entry).ok());
    BOOST_CHECK_EQUAL(auth.Authenticate(MakeBasicAuthHeader("alice", "secret")).value_or(""),
                      "alice");
    BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader("alice", "Secret")));
    BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader("alice", "")));
    BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader("bob", "secret")));
    // The stored hash is not itself a password.
    BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader(
        "alice", "c9ce7cb2de2ad5aadae1449ad1e62baa38d98fced30a7cd2eae656cab574b678")));

    // Coexists with the cookie.
    auth.AddUser("__cookie__", "x");
    BOOST_CHECK(auth.Authenticate(MakeBasicAuthHeader("__cookie__", "x")));
    BOOST_CHECK(auth.Authenticate(MakeBasicAuthHeader("alice", "secret")));

    for (const char* bad :
         {"", "alice", "alice:salt",
          ":salt$"
          "c9ce7cb2de2ad5aadae1449ad1e62baa38d98fced30a7cd2eae656cab574b678",
          "alice:$c9ce7cb2de2ad5aadae1449ad1e62baa38d98fced30a7cd2eae656cab574b678",
          "alice:salt$c9ce", "alice:salt$zz",
          "alice:salt$c9ce7cb2de2ad5aadae1449ad1e62baa38d98fced30a7cd2eae656cab574b67"}) {
        RpcAuthenticator a;
        Status st = a.AddRpcAuth(bad);
        BOOST_CHECK_MESSAGE(!st.ok(), bad);
        if (!st.ok()) BOOST_CHECK_EQUAL(st.error().code, "bad-rpcauth");
        BOOST_CHECK(a.Empty());
    }
}

BOOST_AUTO_TEST_CASE(client_reads_cookie_header) {
    // What maillon-cli does: read the cookie, send it as Basic credentials.
    TempDir dir;
    const auto path = dir.path / ".cookie";
    auto creds = GenerateAuthCookie(path);
    BOOST_REQUIRE(creds.ok());
    auto cookie = ReadAuthCookie(path);
    BOOST_REQUIRE_MESSAGE(cookie.ok(), ErrorText(cookie));
    BOOST_CHECK_EQUAL(cookie->user, creds->user);
    BOOST_CHECK_EQUAL(cookie->password, creds->password);
    const std::string header = MakeBasicAuthHeader(cookie->user, cookie->password);
    RpcAuthenticator auth;
    auth.AddUser(creds->user, creds->password);
    BOOST_CHECK(auth.Authenticate(header));

    auto missing = ReadAuthCookie(dir.path / "nope");
    BOOST_REQUIRE(!missing.ok());
    BOOST_CHECK_EQUAL(missing.error().code, "cookie-read");
    { std::ofstream(dir.path / "garbage") << "no colon here"; }
    auto garbage = ReadAuthCookie(dir.path / "garbage");
    BOOST_REQUIRE(!garbage.ok());
    BOOST_CHECK_EQUAL(garbage.error().code, "cookie-read");
    // A cookie saved with a CRLF line ending (e.g. copied through an editor).
    { std::ofstream(dir.path / "crlf") << "u:p:w\r\n"; }
    auto crlf = ReadAuthCookie(dir.path / "crlf");
    BOOST_REQUIRE(crlf.ok());
    BOOST_CHECK_EQUAL(crlf->user, "u");
    BOOST_CHECK_EQUAL(crlf->password, "p:w");
}

BOOST_AUTO_TEST_SUITE_END()
