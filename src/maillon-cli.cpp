// maillon-cli: call any RPC method of a running maillond, and manage keys and
// transfers (create an encrypted key file, sign offline, send, wait).
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "client/cli_params.h"
#include "client/passphrase.h"
#include "client/proof_check.h"
#include "client/rpc_client.h"
#include "common/key_file.h"
#include "common/options.h"
#include "primitives/address.h"
#include "primitives/transaction.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

constexpr const char* kUsage = R"(Usage:
  maillon-cli [options] <method> [params...]    call an RPC method (see 'maillon-cli help')
  maillon-cli [options] -named <method> [name=value...]
  maillon-cli -keyfile=FILE keygen              create an encrypted key file
  maillon-cli -keyfile=FILE address             show the key file's address
  maillon-cli -keyfile=FILE signtransfer <to> <amount> <nonce> [fee]
                                                sign a transfer offline; prints the raw hex
  maillon-cli -keyfile=FILE transfer <to> <amount> [fee] [-wait]
                                                sign with the next nonce, send, optionally wait
  maillon-cli waittx <txid>                     wait until a transaction is in a block
  maillon-cli verifyproof <address> [height]    fetch getproof and verify it locally against a
                                                validator-signed header (at that height, if
                                                given); prints the height and proven account
Amounts and fees are in MLN (e.g. 1.5; 8 decimals at most). Parameters true, false, null,
JSON objects and arrays, and integers (that fit in 64 bits) are sent as JSON; everything
else, including 1.5 and long digit strings, as a string. Options may come anywhere; -1 is
a parameter, not an option, and every word after -- is a parameter.

)";

int Fail(const std::string& msg) {
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    return 1;
}

void PrintJson(const rapidjson::Value& v) {
    if (v.IsString()) {
        std::cout << v.GetString() << "\n";
        return;
    }
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    v.Accept(w);
    std::cout << buf.GetString() << "\n";
}

struct Cli {
    const Args& args;
    const ChainParams& params;

    int CallRpc(const std::string& method, const rapidjson::Value& p,
                rapidjson::Document& out) const {
        auto client = RpcClient::FromArgs(args);
        if (!client) return Fail(client.error().message);
        RpcCallError err;
        if (!client->Call(method, p, out, err)) {
            if (err.code == 0) return Fail(err.message);
            std::fprintf(stderr, "error code: %d\nerror message:\n%s\n", err.code,
                         err.message.c_str());
            return 1;
        }
        return 0;
    }

    Result<std::string> KeyFile() const {
        if (!args.IsSet("keyfile"))
            return MakeError("bad-option", "this command needs -keyfile=FILE");
        return args.GetString("keyfile");
    }

    Result<PrivKey> LoadKey() const {
        auto path = KeyFile();
        if (!path) return path.error();
        auto pass = ReadPassphrase(args, "Passphrase for " + *path + ": ");
        if (!pass) return pass.error();
        return ReadKeyFile(*path, *pass);
    }

    Result<Transaction> BuildTransfer(const PrivKey& key, const std::string& to,
                                      const std::string& amount, uint64_t nonce,
                                      const std::string& fee) const {
        auto recipient = DecodeAddress(params.hrp, to);
        if (!recipient) return recipient.error();
        auto units = ParseCliAmount("amount", amount, /*positive=*/true);
        if (!units) return units.error();
        Transaction tx;
        tx.type = TxType::kTransfer;
        tx.chain_id = params.chain_id;
        tx.sender = key.PubKey();
        tx.nonce = nonce;
        if (fee.empty()) {
            tx.fee = params.min_tx_fee;
        } else {
            auto f = ParseCliAmount("fee", fee, /*positive=*/false);
            if (!f) return f.error();
            tx.fee = *f;
        }
        tx.payload = SerializeTransfer({*recipient, *units});
        tx.Sign(key);
        return tx;
    }

    int WaitTx(const std::string& txid) const {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(args.GetInt("timeout", 60));
        rapidjson::Document p(rapidjson::kArrayType);
        p.PushBack(rapidjson::Value(txid.c_str(), p.GetAllocator()), p.GetAllocator());
        for (;;) {
            rapidjson::Document out;
            if (int rc = CallRpc("gettransaction", p, out)) return rc;
            if (out.IsObject() && out.HasMember("status") && out["status"] == "confirmed") {
                PrintJson(out);
                return 0;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                return Fail("transaction " + txid + " is still pending after -timeout seconds");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }

    int Run(const std::vector<std::string>& words) const {
        const std::string& cmd = words[0];
        const std::vector<std::string> rest(words.begin() + 1, words.end());
        if (cmd == "keygen") {
            auto path = KeyFile();
            if (!path) return Fail(path.error().message);
            auto pass = ReadPassphrase(args, "New passphrase for " + *path + ": ");
            if (!pass) return Fail(pass.error().message);
            const PrivKey key = PrivKey::Generate();
            Status st = WriteKeyFile(*path, key, *pass);
            if (!st) return Fail(st.error().message);
            std::cout << EncodeAddress(params.hrp, key.PubKey()) << "\n";
            return 0;
        }
        if (cmd == "address") {
            auto path = KeyFile();
            if (!path) return Fail(path.error().message);
            auto pub = ReadKeyFilePubKey(*path);
            if (!pub) return Fail(pub.error().message);
            std::cout << EncodeAddress(params.hrp, *pub) << "\n";
            return 0;
        }
        if (cmd == "signtransfer") {
            if (rest.size() < 3 || rest.size() > 4)
                return Fail("usage: signtransfer <to> <amount> <nonce> [fee]");
            auto nonce = ParseUInt64(rest[2]);
            if (!nonce) return Fail("nonce '" + rest[2] + "' is not a non-negative integer");
            auto key = LoadKey();
            if (!key) return Fail(key.error().message);
            auto tx = BuildTransfer(*key, rest[0], rest[1], *nonce, rest.size() > 3 ? rest[3] : "");
            if (!tx) return Fail(tx.error().message);
            std::cout << HexStr(tx->Serialize()) << "\n";
            return 0;
        }
        if (cmd == "transfer") {
            if (rest.size() < 2 || rest.size() > 3)
                return Fail("usage: transfer <to> <amount> [fee]");
            auto key = LoadKey();
            if (!key) return Fail(key.error().message);
            rapidjson::Document p(rapidjson::kArrayType), acct;
            const std::string from = EncodeAddress(params.hrp, key->PubKey());
            p.PushBack(rapidjson::Value(from.c_str(), p.GetAllocator()), p.GetAllocator());
            if (int rc = CallRpc("getaccount", p, acct)) return rc;
            auto tx = BuildTransfer(*key, rest[0], rest[1], acct["next_nonce"].GetUint64(),
                                    rest.size() > 2 ? rest[2] : "");
            if (!tx) return Fail(tx.error().message);
            rapidjson::Document sp(rapidjson::kArrayType), txid;
            const std::string hex = HexStr(tx->Serialize());
            sp.PushBack(rapidjson::Value(hex.c_str(), sp.GetAllocator()), sp.GetAllocator());
            if (int rc = CallRpc("sendrawtransaction", sp, txid)) return rc;
            if (args.GetBool("wait")) return WaitTx(txid.GetString());
            std::cout << txid.GetString() << "\n";
            return 0;
        }
        if (cmd == "verifyproof") {
            if (rest.empty() || rest.size() > 2)
                return Fail("usage: verifyproof <address> [height]");
            auto addr = DecodeAddress(params.hrp, rest[0]);
            if (!addr) return Fail(addr.error().message);
            std::optional<uint64_t> height;
            rapidjson::Document p(rapidjson::kArrayType), reply;
            p.PushBack(rapidjson::Value(rest[0].c_str(), p.GetAllocator()), p.GetAllocator());
            if (rest.size() > 1) {
                height = ParseUInt64(rest[1]);
                if (!height) return Fail("height '" + rest[1] + "' is not a non-negative integer");
                p.PushBack(*height, p.GetAllocator());
            }
            if (int rc = CallRpc("getproof", p, reply)) return rc;
            auto verified = VerifyProofReply(params, *addr, reply, height);
            if (!verified) return Fail(verified.error().message);
            const Account acct = verified->account.value_or(Account{});
            std::cout << "{\n  \"verified\": true,\n  \"address\": \"" << rest[0]
                      << "\",\n  \"height\": " << verified->header.height
                      << ",\n  \"blockhash\": \"" << HexStr(verified->header.Hash())
                      << "\",\n  \"present\": " << (verified->account ? "true" : "false")
                      << ",\n  \"balance\": " << acct.balance << ",\n  \"nonce\": " << acct.nonce
                      << ",\n  \"bonded\": " << acct.bonded << ",\n  \"credits\": " << acct.credits
                      << "\n}\n";
            return 0;
        }
        if (cmd == "waittx") {
            if (rest.size() != 1) return Fail("usage: waittx <txid>");
            return WaitTx(rest[0]);
        }
        rapidjson::Document p;
        auto& a = p.GetAllocator();
        if (args.GetBool("named")) {
            p.SetObject();
            for (const std::string& w : rest) {
                const size_t eq = w.find('=');
                if (eq == std::string::npos || eq == 0) {
                    return Fail("with -named, parameters are name=value; got '" + w + "'");
                }
                p.AddMember(rapidjson::Value(w.substr(0, eq).c_str(), a),
                            ParseCliParam(std::string_view(w).substr(eq + 1), a), a);
            }
        } else {
            p.SetArray();
            for (const std::string& w : rest)
                p.PushBack(ParseCliParam(w, a), a);
        }
        rapidjson::Document out;
        if (int rc = CallRpc(cmd, p, out)) return rc;
        PrintJson(out);
        return 0;
    }
};

}  // namespace

int main(int argc, char* argv[]) {
    Args args = CliArgs();
    Status st = args.ParseCommandLine(argc, argv);
    if (st) st = args.ReadConfigFile();
    if (!st) return Fail(st.error().message);
    if (args.IsSet("help")) {
        std::cout << kUsage << args.Help();
        return 0;
    }
    if (args.Positional().empty()) {
        std::cerr << kUsage << args.Help();
        return Fail("no command given; 'maillon-cli help' lists the RPC methods");
    }
    Cli cli{args, args.Params()};
    return cli.Run(args.Positional());
}
