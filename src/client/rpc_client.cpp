#include "client/rpc_client.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "client/http_client.h"
#include "rpc/auth.h"

namespace maillon {

Result<RpcClient> RpcClient::FromArgs(const Args& args) {
    RpcClient c;
    c.m_host = args.GetString("rpcconnect", "127.0.0.1");
    const int64_t port = args.GetInt("rpcport", args.Params().default_rpc_port);
    if (port < 1 || port > 65535) return MakeError("bad-option", "-rpcport must be 1..65535");
    c.m_port = static_cast<uint16_t>(port);
    c.m_timeout_s = static_cast<int>(args.GetInt("rpcclienttimeout", 900));
    if (args.IsSet("rpcpassword")) {
        c.m_auth_header =
            MakeBasicAuthHeader(args.GetString("rpcuser"), args.GetString("rpcpassword"));
        return c;
    }
    auto datadir = args.NetDataDir(/*create=*/false);
    if (!datadir) return datadir.error();
    const std::string cookie_path = *datadir + "/.cookie";
    auto cookie = ReadAuthCookie(cookie_path);
    if (!cookie) {
        return MakeError("no-credentials",
                         "cannot read the RPC cookie " + cookie_path + " (" +
                             cookie.error().message +
                             "). Is maillond running with this -datadir and network? "
                             "Otherwise pass -rpcuser and -rpcpassword.");
    }
    c.m_auth_header = MakeBasicAuthHeader(cookie->user, cookie->password);
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
        error = {0, resp.error().message};
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
    reply.Parse(resp->body.c_str(), resp->body.size());
    if (reply.HasParseError() || !reply.IsObject()) {
        error = {0, "HTTP " + std::to_string(resp->status) +
                        " with a body that is not a JSON-RPC reply: " + resp->body.substr(0, 200)};
        return false;
    }
    auto err = reply.FindMember("error");
    if (err != reply.MemberEnd() && err->value.IsObject()) {
        const auto& e = err->value;
        error.code = e.HasMember("code") && e["code"].IsInt() ? e["code"].GetInt() : 0;
        error.message =
            e.HasMember("message") && e["message"].IsString() ? e["message"].GetString() : "";
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
