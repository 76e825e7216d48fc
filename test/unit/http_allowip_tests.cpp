// Tests of who may use the RPC server: the allow list of rpc/http_server.h
// (IpSubnet parsing and matching, and a live server refusing peers outside the
// list with 403 before looking at credentials), and rpcauth lines made by
// contrib/rpcauth.py accepted by RpcAuthenticator (rpc/auth.h).
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "rpc/auth.h"
#include "rpc/http_server.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

constexpr int kTimeoutSeconds = 10;
constexpr const char* kEchoCall = R"({"jsonrpc":"2.0","method":"echo","id":1})";
constexpr const char* kEchoReply = R"({"jsonrpc":"2.0","result":"ok","id":1})";

IpSubnet MustParse(const std::string& text) {
    auto s = IpSubnet::Parse(text);
    BOOST_REQUIRE_MESSAGE(s.ok(), text << ": " << test::ErrorText(s));
    return *s;
}

// A server whose authorizer accepts `user`/`password` (or whatever `auth`
// accepts) and counts its calls; the handler answers kEchoReply.
struct LiveServer {
    RpcAuthenticator auth;
    std::atomic<int> authorizer_calls{0};
    std::atomic<int> handled{0};
    std::unique_ptr<HttpServer> server;
    uint16_t port{0};

    LiveServer(std::vector<std::string> allow_ips, std::vector<std::string> bind,
               std::optional<RpcAuthenticator> authenticator = std::nullopt) {
        if (authenticator) {
            auth = std::move(*authenticator);
        } else {
            auth.AddUser("user", "pass");
        }
        HttpServerOptions o;
        o.port = 0;
        o.bind_addresses = std::move(bind);
        o.allow_ips = std::move(allow_ips);
        server = std::make_unique<HttpServer>(
            o,
            [this](std::string_view header) {
                ++authorizer_calls;
                return auth.Authenticate(header).has_value();
            },
            [this](std::string_view) -> std::optional<std::string> {
                ++handled;
                return std::string(kEchoReply);
            });
        Status st = server->Start();
        BOOST_REQUIRE_MESSAGE(st.ok(), test::ErrorText(st));
        port = server->Port();
    }

    bool Bound(const std::string& addr) const {
        const auto& b = server->BoundAddresses();
        return std::find(b.begin(), b.end(), addr) != b.end();
    }

    HttpResponse Post(const std::string& host, const std::string& authorization) {
        auto r = HttpPost(host, port, "/", kEchoCall, authorization, kTimeoutSeconds);
        BOOST_REQUIRE_MESSAGE(r.ok(), test::ErrorText(r));
        return std::move(*r);
    }
};

const std::string kGoodAuth = MakeBasicAuthHeader("user", "pass");

}  // namespace

BOOST_AUTO_TEST_SUITE(http_allowip_tests)

BOOST_AUTO_TEST_CASE(parse_good_entries) {
    struct Case {
        const char* text;
        const char* canonical;
        bool ipv6;
        unsigned prefix;
    };
    for (const Case& c : {
             Case{"192.168.1.0/24", "192.168.1.0/24", false, 24},
             Case{"10.0.0.5", "10.0.0.5/32", false, 32},
             Case{"10.0.0.5/32", "10.0.0.5/32", false, 32},
             Case{"127.0.0.0/8", "127.0.0.0/8", false, 8},
             Case{"192.168.1.77/24", "192.168.1.0/24", false, 24},  // host bits dropped
             Case{"10.200.3.4/9", "10.128.0.0/9", false, 9},
             Case{"8.8.8.8/0", "0.0.0.0/0", false, 0},
             Case{"0.0.0.0/0", "0.0.0.0/0", false, 0},
             Case{"::1", "::1/128", true, 128},
             Case{"::1/128", "::1/128", true, 128},
             Case{"::/0", "::/0", true, 0},
             Case{"fd00::/8", "fd00::/8", true, 8},
             Case{"2001:DB8::1/32", "2001:db8::/32", true, 32},
             Case{"2001:db8:abcd:12ff::/63", "2001:db8:abcd:12fe::/63", true, 63},
             Case{"fe80::1/127", "fe80::/127", true, 127},
             Case{"::ffff:10.1.2.3", "10.1.2.3/32", false, 32},  // IPv4-mapped: IPv4
             Case{"::ffff:10.0.0.0/104", "10.0.0.0/8", false, 8},
             Case{"::ffff:0:0/96", "0.0.0.0/0", false, 0},
         }) {
        BOOST_TEST_CONTEXT(c.text) {
            const IpSubnet s = MustParse(c.text);
            BOOST_CHECK_EQUAL(s.ToString(), c.canonical);
            BOOST_CHECK_EQUAL(s.IsIpv6(), c.ipv6);
            BOOST_CHECK_EQUAL(s.PrefixLength(), c.prefix);
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_bad_entries) {
    for (const std::string& text : {
             std::string(""),
             std::string("localhost"),
             std::string("*"),
             std::string("192.168.1.0/33"),
             std::string("::1/129"),
             std::string("192.168.1.0/"),
             std::string("192.168.1.0/-1"),
             std::string("192.168.1.0/+8"),
             std::string("192.168.1.0/ 8"),
             std::string("192.168.1.0/8 "),
             std::string("192.168.1.0/8/8"),
             std::string("192.168.1.0/1000"),
             std::string("192.168.1.0/255.255.255.0"),  // netmask form: not supported
             std::string("/24"),
             std::string("1.2.3"),
             std::string("256.1.1.1"),
             std::string("1.2.3.4.5"),
             std::string(" 10.0.0.1"),
             std::string("10.0.0.1 "),
             std::string("[::1]"),
             std::string("[::1]/128"),
             std::string("fe80::1%eth0"),
             std::string("::1::2"),
             std::string("10.0.0.1\0junk", 13),
         }) {
        BOOST_TEST_CONTEXT("\"" << text << "\"") {
            auto s = IpSubnet::Parse(text);
            BOOST_REQUIRE(!s.ok());
            BOOST_CHECK_EQUAL(s.error().code, "rpc-config");
            const std::string shown = text.substr(0, text.find('\0'));
            BOOST_CHECK_MESSAGE(s.error().message.find("\"" + shown) != std::string::npos,
                                s.error().message);
        }
    }
}

BOOST_AUTO_TEST_CASE(match_ipv4) {
    const IpSubnet host = MustParse("10.0.0.5");  // /32
    BOOST_CHECK(host.Contains("10.0.0.5"));
    BOOST_CHECK(!host.Contains("10.0.0.4"));
    BOOST_CHECK(!host.Contains("10.0.0.6"));
    BOOST_CHECK(!host.Contains("11.0.0.5"));
    BOOST_CHECK(host.Contains("::ffff:10.0.0.5"));  // the same host, IPv4-mapped
    BOOST_CHECK(!host.Contains("::a00:5"));         // IPv4-compatible form is IPv6

    const IpSubnet net = MustParse("192.168.1.0/24");
    BOOST_CHECK(net.Contains("192.168.1.0"));
    BOOST_CHECK(net.Contains("192.168.1.255"));
    BOOST_CHECK(!net.Contains("192.168.0.255"));
    BOOST_CHECK(!net.Contains("192.168.2.0"));

    const IpSubnet odd = MustParse("10.0.0.0/9");  // not on a byte boundary
    BOOST_CHECK(odd.Contains("10.127.255.255"));
    BOOST_CHECK(!odd.Contains("10.128.0.0"));
    const IpSubnet one = MustParse("128.0.0.0/1");
    BOOST_CHECK(one.Contains("255.255.255.255"));
    BOOST_CHECK(!one.Contains("127.255.255.255"));

    const IpSubnet all = MustParse("0.0.0.0/0");
    for (const char* a : {"0.0.0.0", "127.0.0.1", "8.8.8.8", "255.255.255.255", "::ffff:1.2.3.4"})
        BOOST_CHECK_MESSAGE(all.Contains(a), a);
    // IPv4 subnets never match IPv6 peers.
    for (const char* a : {"::", "::1", "2001:db8::1"})
        BOOST_CHECK_MESSAGE(!all.Contains(a), a);

    BOOST_CHECK(!all.Contains("not an address"));
    BOOST_CHECK(!all.Contains(""));
    BOOST_CHECK(!all.Contains("0.0.0.0/0"));
}

BOOST_AUTO_TEST_CASE(match_ipv6) {
    const IpSubnet loop = MustParse("::1");  // /128
    BOOST_CHECK(loop.Contains("::1"));
    BOOST_CHECK(loop.Contains("0:0:0:0:0:0:0:1"));
    BOOST_CHECK(!loop.Contains("::"));
    BOOST_CHECK(!loop.Contains("::2"));
    BOOST_CHECK(!loop.Contains("127.0.0.1"));
    BOOST_CHECK(!loop.Contains("::ffff:127.0.0.1"));

    const IpSubnet pair = MustParse("fe80::/127");
    BOOST_CHECK(pair.Contains("fe80::"));
    BOOST_CHECK(pair.Contains("fe80::1"));
    BOOST_CHECK(!pair.Contains("fe80::2"));

    const IpSubnet doc = MustParse("2001:db8::/33");
    BOOST_CHECK(doc.Contains("2001:db8::1"));
    BOOST_CHECK(doc.Contains("2001:db8:7fff:ffff:ffff:ffff:ffff:ffff"));
    BOOST_CHECK(!doc.Contains("2001:db8:8000::"));
    BOOST_CHECK(!doc.Contains("2001:db9::"));

    const IpSubnet ula = MustParse("fd00::/8");
    BOOST_CHECK(ula.Contains("fd12:3456::1"));
    BOOST_CHECK(!ula.Contains("fc00::1"));

    const IpSubnet all = MustParse("::/0");
    for (const char* a : {"::", "::1", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
        BOOST_CHECK_MESSAGE(all.Contains(a), a);
    // IPv6 subnets never match IPv4 peers, also when they arrive IPv4-mapped.
    for (const char* a : {"127.0.0.1", "0.0.0.0", "::ffff:1.2.3.4"})
        BOOST_CHECK_MESSAGE(!all.Contains(a), a);
}

BOOST_AUTO_TEST_CASE(match_socket_addresses) {
    const IpSubnet v4 = MustParse("127.0.0.0/8");
    const IpSubnet v6 = MustParse("::1");
    BOOST_CHECK(!v4.Contains(static_cast<const sockaddr*>(nullptr)));

    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(1234);
    ::inet_pton(AF_INET, "127.1.2.3", &in.sin_addr);
    BOOST_CHECK(v4.Contains(reinterpret_cast<const sockaddr*>(&in)));
    BOOST_CHECK(!v6.Contains(reinterpret_cast<const sockaddr*>(&in)));

    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, "::1", &in6.sin6_addr);
    BOOST_CHECK(v6.Contains(reinterpret_cast<const sockaddr*>(&in6)));
    BOOST_CHECK(!v4.Contains(reinterpret_cast<const sockaddr*>(&in6)));
    ::inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
    BOOST_CHECK(v4.Contains(reinterpret_cast<const sockaddr*>(&in6)));
    BOOST_CHECK(!v6.Contains(reinterpret_cast<const sockaddr*>(&in6)));

    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    BOOST_CHECK(!v4.Contains(reinterpret_cast<const sockaddr*>(&un)));
    BOOST_CHECK(!v6.Contains(reinterpret_cast<const sockaddr*>(&un)));
}

BOOST_AUTO_TEST_CASE(start_checks_the_allow_list) {
    auto allow = [](std::string_view) { return true; };
    auto handle = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };

    HttpServerOptions defaults;
    BOOST_CHECK((defaults.allow_ips == std::vector<std::string>{"127.0.0.0/8", "::1"}));

    HttpServerOptions bad;
    bad.port = 0;
    bad.allow_ips = {"127.0.0.1", "10.0.0.0/8", "10.0.0.0/33"};
    Status st = HttpServer(bad, allow, handle).Start();
    BOOST_REQUIRE(!st.ok());
    BOOST_CHECK_EQUAL(st.error().code, "rpc-config");
    BOOST_CHECK_MESSAGE(st.error().message.find("\"10.0.0.0/33\"") != std::string::npos,
                        st.error().message);

    bad.allow_ips = {"localhost"};
    st = HttpServer(bad, allow, handle).Start();
    BOOST_REQUIRE(!st.ok());
    BOOST_CHECK_EQUAL(st.error().code, "rpc-config");
    BOOST_CHECK(st.error().message.find("\"localhost\"") != std::string::npos);

    HttpServerOptions empty;
    empty.port = 0;
    empty.allow_ips.clear();
    st = HttpServer(empty, allow, handle).Start();
    BOOST_REQUIRE(!st.ok());
    BOOST_CHECK_EQUAL(st.error().code, "rpc-config");
    BOOST_CHECK(st.error().message.find("allow list is empty") != std::string::npos);

    HttpServerOptions good;
    good.port = 0;
    good.allow_ips = {"192.168.1.0/24", "10.0.0.5", "::1", "fd00::/8", "0.0.0.0/0", "::/0"};
    HttpServer server(good, allow, handle);
    st = server.Start();
    BOOST_CHECK_MESSAGE(st.ok(), test::ErrorText(st));
}

BOOST_AUTO_TEST_CASE(loopback_client_outside_the_list_gets_403_before_auth) {
    LiveServer s({"10.0.0.0/8", "192.168.1.5", "fd00::/8"}, {"127.0.0.1"});

    // Good credentials do not help.
    HttpResponse r = s.Post("127.0.0.1", kGoodAuth);
    BOOST_CHECK_EQUAL(r.status, 403);
    BOOST_CHECK_MESSAGE(r.body.find("127.0.0.1") != std::string::npos, r.body);
    BOOST_CHECK_EQUAL(r.Header("Connection"), "close");
    // None: 403 at once, not a (delayed) 401 with a challenge.
    r = s.Post("127.0.0.1", "");
    BOOST_CHECK_EQUAL(r.status, 403);
    BOOST_CHECK_EQUAL(r.Header("WWW-Authenticate"), "");
    // The peer is checked before the method, too.
    auto get = HttpGet("127.0.0.1", s.port, "/", kGoodAuth, kTimeoutSeconds);
    BOOST_REQUIRE_MESSAGE(get.ok(), test::ErrorText(get));
    BOOST_CHECK_EQUAL(get->status, 403);
    BOOST_CHECK_EQUAL(get->Header("Allow"), "");

    // A keep-alive client is disconnected after the 403.
    const int fd = test::ConnectRaw(s.port, kTimeoutSeconds);
    test::SendAll(fd, test::RawPost(kGoodAuth, kEchoCall));
    std::string received;
    BOOST_CHECK(test::ReadUntilClosed(fd, received));
    ::close(fd);
    BOOST_CHECK_MESSAGE(received.rfind("HTTP/1.1 403", 0) == 0, received);

    BOOST_CHECK_EQUAL(s.authorizer_calls, 0);
    BOOST_CHECK_EQUAL(s.handled, 0);
}

BOOST_AUTO_TEST_CASE(clients_inside_the_list_are_served) {
    for (const std::vector<std::string>& allow :
         {std::vector<std::string>{"127.0.0.0/8", "::1"}, std::vector<std::string>{"127.0.0.1"},
          std::vector<std::string>{"10.0.0.0/8", "127.0.0.1/32"},
          std::vector<std::string>{"0.0.0.0/0"}, std::vector<std::string>{"::ffff:127.0.0.1"}}) {
        BOOST_TEST_CONTEXT(allow.front()) {
            LiveServer s(allow, {"127.0.0.1"});
            const HttpResponse r = s.Post("127.0.0.1", kGoodAuth);
            BOOST_CHECK_EQUAL(r.status, 200);
            BOOST_CHECK_EQUAL(r.body, kEchoReply);
            // Inside the list, credentials are still required.
            BOOST_CHECK_EQUAL(s.Post("127.0.0.1", MakeBasicAuthHeader("user", "nope")).status, 401);
        }
    }
}

BOOST_AUTO_TEST_CASE(ipv6_peers) {
    LiveServer only_v6({"::1"}, {"127.0.0.1", "::1"});
    if (!only_v6.Bound("::1")) {
        BOOST_TEST_MESSAGE("no IPv6 loopback on this host; skipped");
        return;
    }
    BOOST_CHECK_EQUAL(only_v6.Post("::1", kGoodAuth).status, 200);
    BOOST_CHECK_EQUAL(only_v6.Post("127.0.0.1", kGoodAuth).status, 403);

    LiveServer only_v4({"127.0.0.0/8"}, {"127.0.0.1", "::1"});
    BOOST_CHECK_EQUAL(only_v4.Post("127.0.0.1", kGoodAuth).status, 200);
    BOOST_CHECK_EQUAL(only_v4.Post("::1", kGoodAuth).status, 403);

    LiveServer other_v6({"::2", "fd00::/8"}, {"::1"});
    BOOST_CHECK_EQUAL(other_v6.Post("::1", kGoodAuth).status, 403);
}

// contrib/rpcauth.py output, made with its hidden --salt option so that the
// lines are reproducible:
//   contrib/rpcauth.py alice 'correct horse:battery' --salt 000102030405060708090a0b0c0d0e0f
//   contrib/rpcauth.py rt 'cA773lm788buwYe4g4WT+05pKyNruVKjQ25x3n0DQcM='
//       --salt 93648e835a54c573682c2eb19f882535
// The second is the line of Bitcoin Core's test/functional/rpc_users.py, so the
// script's output and our check agree with Bitcoin Core's.
BOOST_AUTO_TEST_CASE(rpcauth_script_lines_authenticate) {
    struct Line {
        std::string config;  // as printed by the script
        std::string user;
        std::string password;
    };
    const std::vector<Line> lines = {
        {"rpcauth=alice:000102030405060708090a0b0c0d0e0f$"
         "a060d89d3dea7c399fa8597cfb1760c900b4974e58db39a9d1dd0f569dca4055",
         "alice", "correct horse:battery"},
        {"rpcauth=rt:93648e835a54c573682c2eb19f882535$"
         "7681e9c5b74bdd85e78166031d2058e1069b3ed7ed967c93fc63abba06f31144",
         "rt", "cA773lm788buwYe4g4WT+05pKyNruVKjQ25x3n0DQcM="},
    };
    RpcAuthenticator auth;
    for (const Line& l : lines) {
        const std::string prefix = "rpcauth=";
        BOOST_REQUIRE(l.config.rfind(prefix, 0) == 0);
        Status st = auth.AddRpcAuth(l.config.substr(prefix.size()));
        BOOST_REQUIRE_MESSAGE(st.ok(), test::ErrorText(st));
    }
    for (const Line& l : lines) {
        BOOST_TEST_CONTEXT(l.user) {
            auto who = auth.Authenticate(MakeBasicAuthHeader(l.user, l.password));
            BOOST_REQUIRE(who.has_value());
            BOOST_CHECK_EQUAL(*who, l.user);
            std::string wrong = l.password;
            wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
            BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader(l.user, wrong)));
            BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader(l.user, "")));
            BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader(l.user, l.password + " ")));
            BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader(l.user + "x", l.password)));
        }
    }
    // One user's password does not open the other account.
    BOOST_CHECK(!auth.Authenticate(MakeBasicAuthHeader("alice", lines[1].password)));

    // And through the server, as a wallet or an agent would use it.
    LiveServer s({"127.0.0.0/8"}, {"127.0.0.1"}, std::move(auth));
    BOOST_CHECK_EQUAL(
        s.Post("127.0.0.1", MakeBasicAuthHeader("alice", "correct horse:battery")).status, 200);
    BOOST_CHECK_EQUAL(s.Post("127.0.0.1", MakeBasicAuthHeader("alice", "correct horse")).status,
                      401);
}

BOOST_AUTO_TEST_SUITE_END()
