#include "client/rpc_client.h"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>

#include "client/http_client.h"
#include "rpc/auth.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

// Deeper replies are refused: the parse is iterative, but copying and
// printing a document recurse, a stack frame per level.
constexpr size_t kMaxReplyDepth = 512;

constexpr unsigned kReplyParseFlags = rapidjson::kParseIterativeFlag |
                                      rapidjson::kParseValidateEncodingFlag |
                                      rapidjson::kParseFullPrecisionFlag;

// Forwards a reader's events to a document, failing past kMaxReplyDepth.
class DepthLimitedHandler {
public:
    explicit DepthLimitedHandler(rapidjson::Document& doc) : m_doc(doc) {}
    bool Null() { return m_doc.Null(); }
    bool Bool(bool b) { return m_doc.Bool(b); }
    bool Int(int i) { return m_doc.Int(i); }
    bool Uint(unsigned u) { return m_doc.Uint(u); }
    bool Int64(int64_t i) { return m_doc.Int64(i); }
    bool Uint64(uint64_t u) { return m_doc.Uint64(u); }
    bool Double(double d) { return m_doc.Double(d); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
        return m_doc.RawNumber(s, n, copy);
    }
    bool String(const char* s, rapidjson::SizeType n, bool copy) {
        return m_doc.String(s, n, copy);
    }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return m_doc.Key(s, n, copy); }
    bool StartObject() { return Enter() && m_doc.StartObject(); }
    bool EndObject(rapidjson::SizeType n) {
        --m_depth;
        return m_doc.EndObject(n);
    }
    bool StartArray() { return Enter() && m_doc.StartArray(); }
    bool EndArray(rapidjson::SizeType n) {
        --m_depth;
        return m_doc.EndArray(n);
    }
    bool TooDeep() const { return m_depth > kMaxReplyDepth; }

private:
    bool Enter() { return ++m_depth <= kMaxReplyDepth; }

    rapidjson::Document& m_doc;
    size_t m_depth = 0;
};

// The body as a JSON document; the error says why it is none.
Status ParseReplyBody(const std::string& body, rapidjson::Document& doc) {
    bool parsed = false;
    bool too_deep = false;
    auto generate = [&](rapidjson::Document& d) {
        DepthLimitedHandler handler(d);
        rapidjson::MemoryStream in(body.data(), body.size());
        rapidjson::Reader reader;
        parsed = !reader.Parse<kReplyParseFlags>(in, handler).IsError();
        too_deep = handler.TooDeep();
        return parsed;
    };
    doc.Populate(generate);
    if (too_deep) {
        return MakeError("bad-reply", "it nests arrays or objects deeper than " +
                                          std::to_string(kMaxReplyDepth) + " levels");
    }
    if (!parsed) return MakeError("bad-reply", "it is not JSON");
    return Status::Ok();
}

// The Authorization header of the cookie at `path`; on failure, which one it
// is (missing, unreadable, malformed), so the message says what to do.
Result<std::string> CookieAuthHeader(const std::string& path) {
    auto cookie = ReadAuthCookie(path);
    if (cookie) return MakeBasicAuthHeader(cookie->user, cookie->password);
    const std::string otherwise = "pass -rpcuser and -rpcpassword (or -rpccookiefile).";
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (ec) {  // e.g. a data directory this user may not enter
        return MakeError("no-credentials",
                         "cannot look for the RPC cookie file " + path + " (" + ec.message() +
                             "): run as the user that runs maillond, or " + otherwise);
    }
    if (!exists) {
        return MakeError("no-credentials", "no RPC cookie file " + path +
                                               ": is maillond running with this -datadir and "
                                               "network? Otherwise " +
                                               otherwise);
    }
    if (!std::ifstream(path)) {
        return MakeError("no-credentials", "cannot read the RPC cookie file " + path +
                                               ": run as the user that runs maillond, or " +
                                               otherwise);
    }
    // Readable but malformed: the reader's message says what is wrong.
    return MakeError("no-credentials",
                     cookie.error().message + "; restart maillond to rewrite it, or " + otherwise);
}

}  // namespace

Result<RpcClient> RpcClient::FromArgs(const Args& args, const RpcClientDefaults& defaults) {
    RpcClient c;
    auto where = ParseHostPort(args.GetString("rpcconnect", "127.0.0.1"));
    if (!where) return where.error();
    c.m_host = where->host;
    int64_t port = args.Params().default_rpc_port;
    if (args.IsSet("rpcport")) {
        port = args.GetInt("rpcport", port);
    } else if (where->port) {
        port = *where->port;
    }
    if (port < 1 || port > 65535) return MakeError("bad-option", "-rpcport must be 1..65535");
    c.m_port = static_cast<uint16_t>(port);
    const int64_t timeout = args.GetInt("rpcclienttimeout", defaults.timeout_s);
    if (timeout < 1 || timeout > 86'400)
        return MakeError("bad-option", "-rpcclienttimeout must be 1..86400 seconds");
    c.m_timeout_s = static_cast<int>(timeout);
    if (args.IsSet("rpcuser") != args.IsSet("rpcpassword")) {
        return MakeError("bad-option",
                         std::string(args.IsSet("rpcuser") ? "-rpcuser needs -rpcpassword"
                                                           : "-rpcpassword needs -rpcuser") +
                             " (or leave both out to use the node's cookie file)");
    }
    if (args.IsSet("rpcpassword")) {
        c.m_auth_header =
            MakeBasicAuthHeader(args.GetString("rpcuser"), args.GetString("rpcpassword"));
        return c;
    }
    std::string cookie_path = args.GetString("rpccookiefile", defaults.cookie_path);
    if (cookie_path.empty()) {
        auto datadir = args.NetDataDir(/*create=*/false);
        if (!datadir) return datadir.error();
        cookie_path = *datadir + "/.cookie";
    }
    auto header = CookieAuthHeader(cookie_path);
    if (!header) return header.error();
    c.m_auth_header = std::move(*header);
    return c;
}

bool RpcClient::Call(const std::string& method, const rapidjson::Value& params,
                     rapidjson::Document& result, RpcCallError& error) const {
    rapidjson::Document req(rapidjson::kObjectType);
    auto& a = req.GetAllocator();
    req.AddMember("jsonrpc", "2.0", a);
    req.AddMember("id", 1, a);
    req.AddMember("method", rapidjson::Value(method.c_str(), a), a);
    rapidjson::Value p;
    p.CopyFrom(params, a);
    req.AddMember("params", p, a);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    req.Accept(w);

    auto resp = HttpPost(m_host, m_port, "/", std::string(buf.GetString(), buf.GetSize()),
                         m_auth_header, m_timeout_s);
    if (!resp) {
        if (resp.error().code == "http-connect") {
            error = {0, "could not connect to the server at " + FormatHostPort(m_host, m_port) +
                            " (is maillond running? check -rpcconnect/-rpcport)"};
        } else {
            error = {0, resp.error().message};
        }
        return false;
    }
    if (resp->status == 401) {
        error = {0,
                 "the node refused the RPC credentials (HTTP 401): check -rpcuser/-rpcpassword, or "
                 "that the "
                 "cookie belongs to the running node"};
        return false;
    }
    rapidjson::Document reply;
    const Status parsed = ParseReplyBody(resp->body, reply);
    if (!parsed || !reply.IsObject()) {
        error = {0, "HTTP " + std::to_string(resp->status) +
                        " with a body that is not a JSON-RPC reply" +
                        (parsed ? "" : " (" + parsed.error().message + ")") + ": " +
                        resp->body.substr(0, 200)};
        return false;
    }
    auto err = reply.FindMember("error");
    if (err != reply.MemberEnd() && !err->value.IsNull()) {
        const auto& e = err->value;
        if (!e.IsObject() || !e.HasMember("code") || !e["code"].IsInt() ||
            !e.HasMember("message") || !e["message"].IsString()) {
            error = {0, "HTTP " + std::to_string(resp->status) +
                            " with a JSON-RPC error that is not {\"code\": integer, \"message\": "
                            "string}: " +
                            resp->body.substr(0, 200)};
            return false;
        }
        error = {e["code"].GetInt(), e["message"].GetString()};
        return false;
    }
    auto res = reply.FindMember("result");
    if (res == reply.MemberEnd()) {
        error = {0, "reply has neither result nor error"};
        return false;
    }
    result.CopyFrom(res->value, result.GetAllocator());
    return true;
}

}  // namespace maillon
