// maillon-cli: call any RPC method of a running maillond, and manage keys and
// transactions (create an encrypted key file, build and sign any transaction
// type offline, send it, wait for it, verify account proofs).
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "client/agent_commands.h"
#include "client/cli_params.h"
#include "client/file_prep.h"
#include "client/passphrase.h"
#include "client/proof_check.h"
#include "client/rpc_client.h"
#include "client/service_client.h"
#include "common/key_file.h"
#include "common/options.h"
#include "consensus/chunk_tree.h"
#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx/buy_credits.h"
#include "consensus/tx/claim_rewards.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx/register_device.h"
#include "consensus/tx/retire_device.h"
#include "consensus/tx/storage_deal.h"
#include "consensus/tx/storage_proof.h"
#include "consensus/tx/transfer.h"
#include "consensus/tx_type.h"
#include "primitives/address.h"
#include "util/file.h"
#include "util/strencodings.h"
#include "util/time.h"

using namespace maillon;

namespace {

constexpr const char* kUsageHead = R"(Usage:
  maillon-cli [options] <method> [params...]    call an RPC method of the node
  maillon-cli [options] -named <method> [name=value...]
)";

constexpr const char* kUsageNotes =
    R"(Amounts and fees given to the CLI are in MLN (e.g. 1.5; 8 decimals at most), while RPC
results are in base units (1 MLN = 10^8 base units). The fee defaults to the network's
minimum; one above -maxfee (default 10 times the minimum) is refused. Passphrases come from the
terminal, -passphrasefile / -devicepassphrasefile, or one line each on standard input
(the owner's first). Parameters true, false, null, JSON objects and arrays, and integers
(that fit in 64 bits) are sent as JSON; everything else, including 1.5 and long digit
strings, as a string. Options may come anywhere; -1 is a parameter, not an option, and
every word after -- is a parameter.

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

using Words = std::vector<std::string>;

bool IsTxid(const rapidjson::Value& v) {
    if (!v.IsString() || v.GetStringLength() != 64) return false;
    return ParseHex(std::string_view(v.GetString(), v.GetStringLength())).has_value();
}

// The key file options that sign in each role.
struct RoleKey {
    Role role;
    const char* file_option;
    const char* passphrase_option;
    const char* metavar;  // how the usage names the file
};
constexpr RoleKey kRoleKeys[] = {
    {Role::kSender, "keyfile", "passphrasefile", "FILE"},
    {Role::kOwner, "keyfile", "passphrasefile", "OWNER"},
    {Role::kDevice, "devicekeyfile", "devicepassphrasefile", "DEVICE"},
    {Role::kConsumer, "keyfile", "passphrasefile", "CONSUMER"},
    {Role::kClient, "keyfile", "passphrasefile", "CLIENT"},
};

const RoleKey* FindRoleKey(Role role) {
    auto it = std::find_if(std::begin(kRoleKeys), std::end(kRoleKeys),
                           [role](const RoleKey& k) { return k.role == role; });
    return it == std::end(kRoleKeys) ? nullptr : &*it;
}

// The key files that sign a transaction, one per role of its type, in order:
// the payer's (-keyfile) first. Their public keys are stored in clear, so a
// transaction is built, and its arguments checked, before any passphrase is
// asked for.
struct Signers {
    std::vector<const RoleKey*> roles;
    std::vector<std::string> paths;
    std::vector<XOnlyPubKey> pubkeys;
    const XOnlyPubKey& Payer() const { return pubkeys[0]; }
};

// The unsigned transaction for a nonce: the nonce may have to come from the
// node, after the arguments are checked.
using UnsignedTx = std::function<Transaction(uint64_t nonce)>;

constexpr const char* kFeeUsage = "[fee-MLN]";
// -maxfee's default, in minimum fees: room for a higher bid, never a unit
// mistake.
constexpr Amount kDefaultMaxFeeMinimums = 10;

// A transaction kind the CLI builds: its own arguments, then the nonce and
// an optional fee. sign<name> prints it; <name> also sends it.
struct TxCommand {
    std::string name;
    std::string args;  // usage of its own arguments
    size_t nargs;
    const TxType& type;   // its roles say which keys sign
    std::string summary;  // what <name> does, for help
    std::function<Result<UnsignedTx>(const ChainParams&, const Words&, const Signers&, Amount fee)>
        build;
};

Result<UnsignedTx> BuildTransfer(const ChainParams& params, const Words& args, const Signers& s,
                                 Amount fee) {
    auto to = DecodeAddress(params.hrp, args[0]);
    if (!to) return to.error();
    auto amount = ParseCliAmount("amount", args[1], /*positive=*/true);
    if (!amount) return amount.error();
    return UnsignedTx(
        [chain_id = params.chain_id, from = s.Payer(), to = *to, amount = *amount,
         fee](uint64_t nonce) { return UnsignedTransfer(chain_id, from, to, amount, fee, nonce); });
}

Result<UnsignedTx> BuildRegisterDevice(const ChainParams& params, const Words& args,
                                       const Signers& s, Amount fee) {
    auto kinds = ParseDeviceKinds(args[0]);
    if (!kinds) return kinds.error();
    return UnsignedTx([chain_id = params.chain_id, owner = s.Payer(), device = s.pubkeys[1],
                       kinds = *kinds, bond = params.device_bond, fee](uint64_t nonce) {
        return UnsignedRegisterDevice(chain_id, owner, device, kinds, bond, fee, nonce);
    });
}

Result<UnsignedTx> BuildBuyCredits(const ChainParams& params, const Words& args, const Signers& s,
                                   Amount fee) {
    auto amount = ParseCliAmount("amount", args[0], /*positive=*/true);
    if (!amount) return amount.error();
    return UnsignedTx(
        [chain_id = params.chain_id, buyer = s.Payer(), amount = *amount, fee](uint64_t nonce) {
            return UnsignedBuyCredits(chain_id, buyer, amount, fee, nonce);
        });
}

Result<UnsignedTx> BuildRetireDevice(const ChainParams& params, const Words& args, const Signers& s,
                                     Amount fee) {
    auto device = DecodeAddress(params.hrp, args[0]);
    if (!device) return device.error();
    return UnsignedTx(
        [chain_id = params.chain_id, owner = s.Payer(), device = *device, fee](uint64_t nonce) {
            return UnsignedRetireDevice(chain_id, owner, device, fee, nonce);
        });
}

Result<UnsignedTx> BuildClaimRewards(const ChainParams& params, const Words&, const Signers& s,
                                     Amount fee) {
    return UnsignedTx([chain_id = params.chain_id, owner = s.Payer(), fee](uint64_t nonce) {
        return UnsignedClaimRewards(chain_id, owner, fee, nonce);
    });
}

std::span<const uint8_t> Bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<Hash256> ParseHashArg(const char* what, const std::string& text) {
    auto bytes = ParseHex(text);
    if (!bytes || bytes->size() != 32) {
        return MakeError("bad-hash",
                         std::string(what) + " " + QuoteEcho(text) + " must be 64 hex digits");
    }
    Hash256 h;
    std::copy(bytes->begin(), bytes->end(), h.begin());
    return h;
}

Result<uint64_t> ParseUIntArg(const char* what, const std::string& text) {
    auto n = ParseUInt64(text);
    if (!n)
        return MakeError("bad-number", std::string(what) + " " + QuoteEcho(text) +
                                           " is not a non-negative integer");
    return *n;
}

Result<UnsignedTx> BuildStorageDeal(const ChainParams& params, const Words& args, const Signers& s,
                                    Amount fee) {
    StorageDealPayload terms;
    auto root = ParseHashArg("data root", args[0]);
    if (!root) return root.error();
    terms.data_root = *root;
    const char* names[] = {"size", "chunk size", "duration", "price"};
    uint64_t values[4];
    for (size_t i = 0; i < 4; ++i) {
        auto v = ParseUIntArg(names[i], args[i + 1]);
        if (!v) return v.error();
        values[i] = *v;
    }
    if (values[1] > UINT32_MAX || values[2] > UINT32_MAX)
        return MakeError("bad-number", "chunk size and duration must fit 32 bits");
    terms.size = values[0];
    terms.chunk_size = static_cast<uint32_t>(values[1]);
    terms.duration_epochs = static_cast<uint32_t>(values[2]);
    terms.price = values[3];
    return UnsignedTx([chain_id = params.chain_id, client = s.Payer(), device = s.pubkeys[1], terms,
                       fee](uint64_t nonce) {
        return UnsignedStorageDeal(chain_id, client, device, terms, fee, nonce);
    });
}

const std::vector<TxCommand>& TxCommands() {
    static const std::vector<TxCommand> kCommands = {
        {"transfer", "<to> <amount-MLN>", 2, TransferType(),
         "send <amount-MLN> to the address <to>", BuildTransfer},
        {"registerdevice", "<kinds>", 1, RegisterDeviceType(),
         "register a device (both keys sign; the owner pays the fee and the bond); kinds:\n"
         "uptime, bandwidth, storage, comma-separated",
         BuildRegisterDevice},
        {"buycredits", "<amount-MLN>", 1, BuyCreditsType(),
         "burn <amount-MLN> for data credits (the network's rate per base unit); credits pay\n"
         "for bandwidth and storage and cannot be transferred",
         BuildBuyCredits},
        {"retiredevice", "<device>", 1, RetireDeviceType(),
         "retire the device <device> (an address; the owner's key signs): it earns nothing\n"
         "from then on; sent again once the network's unbonding delay has passed, it returns\n"
         "the bond",
         BuildRetireDevice},
        {"claimrewards", "", 0, ClaimRewardsType(),
         "collect the reward the key's devices earned in their last closed epoch (paid\n"
         "anyway when they next attest: this is for devices that stopped)",
         BuildClaimRewards},
        {"storagedeal", "<data-root> <size> <chunk-size> <epochs> <price>", 5, StorageDealType(),
         "have the device store a prepared file (preparefile prints its root, size and chunk\n"
         "size) for <epochs> epochs from the next, at <price> credits per byte and epoch,\n"
         "paid from the client's credits (-keyfile) as the device proves it each epoch; the\n"
         "device co-signs (-devicekeyfile)",
         BuildStorageDeal},
    };
    return kCommands;
}

// One of the CLI's own commands, for -help and `help`.
struct CommandDoc {
    std::string name;
    std::string usage;    // the words after "maillon-cli"
    std::string summary;  // lines
};

// The key file options a transaction type's signers need: "-keyfile=FILE".
std::string KeysUsage(const TxType& type) {
    std::string out;
    for (Role role : type.Roles()) {
        if (const RoleKey* k = FindRoleKey(role))
            out += std::string(out.empty() ? "" : " ") + "-" + k->file_option + "=" + k->metavar;
    }
    return out;
}

std::vector<CommandDoc> TxCommandDocs() {
    std::vector<CommandDoc> docs;
    for (const TxCommand& c : TxCommands()) {
        const std::string keys = KeysUsage(c.type);
        docs.push_back({"sign" + c.name,
                        keys + " sign" + c.name + " " + c.args + " <nonce> " + kFeeUsage,
                        "sign a " + std::string(c.type.Name()) +
                            " offline with the given nonce; prints the raw hex"});
        docs.push_back({c.name, keys + " " + c.name + " " + c.args + " " + kFeeUsage + " [-wait]",
                        c.summary +
                            "\nsigns with the next nonce and sends it; -wait waits until it is in "
                            "a block"});
    }
    return docs;
}

std::string FormatDoc(const CommandDoc& d) {
    std::string out = "  maillon-cli " + d.usage + "\n";
    size_t start = 0;
    for (;;) {
        const size_t nl = d.summary.find('\n', start);
        out += "      " + d.summary.substr(start, nl - start) + "\n";
        if (nl == std::string::npos) return out;
        start = nl + 1;
    }
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

    int CallRpc1(const std::string& method, const std::string& param,
                 rapidjson::Document& out) const {
        rapidjson::Document p(rapidjson::kArrayType);
        p.PushBack(rapidjson::Value(param.c_str(), p.GetAllocator()), p.GetAllocator());
        return CallRpc(method, p, out);
    }

    Result<std::string> FileOption(const char* name) const {
        if (!args.IsSet(name))
            return MakeError("bad-option", std::string("this command needs -") + name + "=FILE");
        return args.GetString(name);
    }

    Result<Signers> FindSigners(const TxType& type) const {
        Signers s;
        for (Role role : type.Roles()) {
            const RoleKey* it = FindRoleKey(role);
            if (it == nullptr) {
                return MakeError("bad-option", "maillon-cli cannot sign as the " +
                                                   std::string(RoleName(role)) + " yet");
            }
            auto path = FileOption(it->file_option);
            if (!path) return path.error();
            auto pub = ReadKeyFilePubKey(*path);
            if (!pub) return pub.error();
            s.roles.push_back(it);
            s.paths.push_back(std::move(*path));
            s.pubkeys.push_back(*pub);
        }
        return s;
    }

    // Asks for each signer's passphrase, in role order, and signs.
    Result<Transaction> Sign(Transaction tx, const Signers& s) const {
        for (size_t i = 0; i < s.paths.size(); ++i) {
            auto key = UnlockKeyFile(args, s.paths[i], s.roles[i]->passphrase_option);
            if (!key) return key.error();
            // The transaction names the public key read before: the file
            // must not have been replaced since.
            if (key->PubKey() != s.pubkeys[i]) {
                return MakeError("key-file-changed", "key file " + s.paths[i] +
                                                         " changed while the transaction was "
                                                         "built; run the command again");
            }
            tx = tx.Sign(i, *key);
        }
        return tx;
    }

    // The fee argument, at most -maxfee: fees are in MLN while RPC results
    // are in base units, so a fee typed in the wrong unit is 10^8 too large.
    Result<Amount> Fee(const Words& rest, size_t index) const {
        if (rest.size() <= index) return params.min_tx_fee;
        auto fee = ParseCliAmount("fee", rest[index], /*positive=*/false);
        if (!fee) return fee;
        Amount max_fee = kDefaultMaxFeeMinimums * params.min_tx_fee;
        if (args.IsSet("maxfee")) {
            auto given = ParseCliAmount("-maxfee", args.GetString("maxfee"), /*positive=*/false);
            if (!given) return given.error();
            max_fee = *given;
        }
        if (*fee > max_fee) {
            return MakeError("fee-too-high",
                             "fee " + FormatCliAmount(*fee) + " is above -maxfee, " +
                                 FormatCliAmount(max_fee) +
                                 " (default: " + std::to_string(kDefaultMaxFeeMinimums) +
                                 " times the minimum fee); fees are in MLN, not base units. To "
                                 "pay it, pass a larger -maxfee (in MLN)");
        }
        return fee;
    }

    // sign<name> <args> <nonce> [fee-MLN]
    int SignOffline(const TxCommand& c, const Words& rest) const {
        if (rest.size() < c.nargs + 1 || rest.size() > c.nargs + 2) {
            return Fail("usage: sign" + c.name + " " + c.args + " <nonce> " + kFeeUsage);
        }
        auto nonce = ParseUInt64(rest[c.nargs]);
        if (!nonce)
            return Fail("nonce " + QuoteEcho(rest[c.nargs]) + " is not a non-negative integer");
        auto fee = Fee(rest, c.nargs + 1);
        if (!fee) return Fail(fee.error().message);
        auto signers = FindSigners(c.type);
        if (!signers) return Fail(signers.error().message);
        auto unsigned_tx = c.build(params, rest, *signers, *fee);
        if (!unsigned_tx) return Fail(unsigned_tx.error().message);
        auto tx = Sign((*unsigned_tx)(*nonce), *signers);
        if (!tx) return Fail(tx.error().message);
        std::cout << HexStr(tx->Serialize()) << "\n";
        return 0;
    }

    // <name> <args> [fee-MLN] [-wait]: with the payer's next nonce, sent.
    int SignAndSend(const TxCommand& c, const Words& rest) const {
        if (rest.size() < c.nargs || rest.size() > c.nargs + 1) {
            return Fail("usage: " + c.name + " " + c.args + " " + kFeeUsage);
        }
        auto fee = Fee(rest, c.nargs);
        if (!fee) return Fail(fee.error().message);
        auto signers = FindSigners(c.type);
        if (!signers) return Fail(signers.error().message);
        auto unsigned_tx = c.build(params, rest, *signers, *fee);
        if (!unsigned_tx) return Fail(unsigned_tx.error().message);
        uint64_t nonce = 0;
        if (int rc = NextNonce(signers->Payer(), nonce)) return rc;
        auto tx = Sign((*unsigned_tx)(nonce), *signers);
        if (!tx) return Fail(tx.error().message);
        return SendSigned(*tx);
    }

    // The nonce the next transaction of `payer` takes (getaccount).
    int NextNonce(const XOnlyPubKey& payer, uint64_t& nonce) const {
        rapidjson::Document acct;
        if (int rc = CallRpc1("getaccount", EncodeAddress(params.hrp, payer), acct)) return rc;
        if (!acct.IsObject() || !acct.HasMember("next_nonce") || !acct["next_nonce"].IsUint64()) {
            return Fail("the node's getaccount reply has no next_nonce (an unsigned integer)");
        }
        nonce = acct["next_nonce"].GetUint64();
        return 0;
    }

    // sendrawtransaction; prints the txid, or with -wait the confirmed transaction.
    int SendSigned(const Transaction& tx) const {
        rapidjson::Document txid;
        if (int rc = CallRpc1("sendrawtransaction", HexStr(tx.Serialize()), txid)) return rc;
        if (!IsTxid(txid)) {
            return Fail("the node's sendrawtransaction reply is not a txid (64 hex digits)");
        }
        if (args.GetBool("wait")) return WaitTx(txid.GetString());
        std::cout << txid.GetString() << "\n";
        return 0;
    }

    int WaitTx(const std::string& txid) const {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(args.GetInt("timeout", 60));
        for (;;) {
            rapidjson::Document out;
            if (int rc = CallRpc1("gettransaction", txid, out)) return rc;
            if (!out.IsObject() || !out.HasMember("status") || !out["status"].IsString()) {
                return Fail("the node's gettransaction reply has no status");
            }
            const std::string status = out["status"].GetString();
            if (status == "confirmed") {
                PrintJson(out);
                return 0;
            }
            // Waiting on any other status could only end at the timeout.
            if (status != "pending") {
                return Fail("the node's gettransaction reply has status " + QuoteEcho(status) +
                            ", neither pending nor confirmed");
            }
            if (std::chrono::steady_clock::now() > deadline) {
                return Fail("transaction " + txid + " is still pending after -timeout seconds");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }

    int Keygen(const Words&) const {
        auto path = FileOption("keyfile");
        if (!path) return Fail(path.error().message);
        if (Status free = CheckKeyFilePathFree(*path); !free) return Fail(free.error().message);
        auto pass = ReadNewPassphrase(args, "New passphrase for " + *path + ": ");
        if (!pass) return Fail(pass.error().message);
        const PrivKey key = PrivKey::Generate();
        Status st = WriteKeyFile(*path, key, *pass);
        if (!st) return Fail(st.error().message);
        std::cout << EncodeAddress(params.hrp, key.PubKey()) << "\n";
        return 0;
    }

    int Address(const Words&) const {
        auto path = FileOption("keyfile");
        if (!path) return Fail(path.error().message);
        auto pub = ReadKeyFilePubKey(*path);
        if (!pub) return Fail(pub.error().message);
        // The file does not know its network, but the dev key's secret is
        // public: shown without -dev, it is the dev chain's key used by
        // mistake, and its address elsewhere is one anyone can spend from.
        if (params.network != Network::kDev && *pub == DevKey().PubKey()) {
            return Fail("key file " + *path +
                        " holds the dev network's key, whose secret is public: pass -dev for its "
                        "address (on the " +
                        params.name + " network anyone could spend from it)");
        }
        std::cout << EncodeAddress(params.hrp, *pub) << "\n";
        return 0;
    }

    int VerifyProof(const Words& rest) const {
        if (rest.empty() || rest.size() > 2) return Fail("usage: verifyproof <address> [height]");
        auto addr = DecodeAddress(params.hrp, rest[0]);
        if (!addr) return Fail(addr.error().message);
        const int64_t max_age = args.GetInt("maxage", kDefaultMaxProofAgeSeconds);
        if (max_age < 0) return Fail("-maxage must be a number of seconds, 0 or more");
        std::optional<uint64_t> height;
        rapidjson::Document p(rapidjson::kArrayType), reply;
        p.PushBack(rapidjson::Value(rest[0].c_str(), p.GetAllocator()), p.GetAllocator());
        if (rest.size() > 1) {
            height = ParseUInt64(rest[1]);
            if (!height)
                return Fail("height " + QuoteEcho(rest[1]) + " is not a non-negative integer");
            p.PushBack(*height, p.GetAllocator());
        }
        if (int rc = CallRpc("getproof", p, reply)) return rc;
        auto verified = VerifyProofReply(params, *addr, reply, height);
        if (!verified) return Fail(verified.error().message);
        const BlockHeader& header = verified->header;
        const uint64_t now_ms = NowMs();
        // A height asked for is a past state by choice; without one, the
        // caller wants the current state.
        if (!height) {
            Status fresh = CheckProofAge(header, now_ms, static_cast<uint64_t>(max_age));
            if (!fresh) return Fail(fresh.error().message);
        }
        const Account acct = verified->account.value_or(Account{});
        std::cout << "{\n  \"verified\": true,\n  \"address\": \""
                  << EncodeAddress(params.hrp, *addr) << "\",\n  \"height\": " << header.height
                  << ",\n  \"time\": \"" << FormatIsoTime(header.time_ms)
                  << "\",\n  \"time_ms\": " << header.time_ms
                  << ",\n  \"age_s\": " << HeaderAgeSeconds(header, now_ms)
                  << ",\n  \"blockhash\": \"" << HexStr(header.Hash())
                  << "\",\n  \"present\": " << (verified->account ? "true" : "false")
                  << ",\n  \"balance\": " << acct.balance << ",\n  \"balance_mln\": \""
                  << FormatMoney(acct.balance) << "\",\n  \"nonce\": " << acct.nonce
                  << ",\n  \"credits\": " << acct.credits << "\n}\n";
        return 0;
    }

    // The key of the file named by `file_option`, after its passphrase.
    Result<PrivKey> UnlockKey(const char* file_option, const char* passphrase_option) const {
        auto path = FileOption(file_option);
        if (!path) return path.error();
        return UnlockKeyFile(args, *path, passphrase_option);
    }

    int PrintOrSubmit(const Transaction& tx, bool submit) const {
        if (!submit) {
            std::cout << HexStr(tx.Serialize()) << "\n";
            return 0;
        }
        rapidjson::Document reply;
        if (int rc = CallRpc1("submitattestation", HexStr(tx.Serialize()), reply)) return rc;
        PrintJson(reply);
        const bool accepted = reply.IsArray() && reply.Size() == 1 && reply[0].IsObject() &&
                              reply[0].HasMember("accepted") && reply[0]["accepted"].IsBool() &&
                              reply[0]["accepted"].GetBool();
        return accepted ? 0 : 1;
    }

    // signheartbeat <ref-height> <ref-hash> | heartbeat (the tip, submitted)
    int Heartbeat(const Words& rest, bool submit) const {
        uint64_t height = 0;
        Hash256 hash{};
        if (submit) {
            if (!rest.empty()) return Fail("usage: heartbeat");
            rapidjson::Document info;
            if (int rc =
                    CallRpc("getblockchaininfo", rapidjson::Value(rapidjson::kArrayType), info))
                return rc;
            if (!info.IsObject() || !info.HasMember("blocks") || !info["blocks"].IsUint64() ||
                !info.HasMember("bestblockhash") || !info["bestblockhash"].IsString()) {
                return Fail("the node's getblockchaininfo reply has no blocks and bestblockhash");
            }
            auto h = ParseHashArg("bestblockhash", info["bestblockhash"].GetString());
            if (!h) return Fail(h.error().message);
            height = info["blocks"].GetUint64();
            hash = *h;
        } else {
            if (rest.size() != 2) return Fail("usage: signheartbeat <ref-height> <ref-hash>");
            auto h = ParseUIntArg("ref height", rest[0]);
            auto r = ParseHashArg("ref hash", rest[1]);
            if (!h) return Fail(h.error().message);
            if (!r) return Fail(r.error().message);
            height = *h;
            hash = *r;
        }
        auto key = UnlockKey("devicekeyfile", "devicepassphrasefile");
        if (!key) return Fail(key.error().message);
        const Transaction tx =
            UnsignedHeartbeat(params.chain_id, key->PubKey(), height, hash).Sign(0, *key);
        return PrintOrSubmit(tx, submit);
    }
    int SignHeartbeat(const Words& rest) const { return Heartbeat(rest, false); }
    int SendHeartbeat(const Words& rest) const { return Heartbeat(rest, true); }

    // signbandwidthreceipt <device> <session> <bytes> <ref-height>: the
    // consumer's signature, and the device's too when -devicekeyfile is given.
    int SignBandwidthReceipt(const Words& rest) const {
        if (rest.size() != 4) {
            return Fail("usage: signbandwidthreceipt <device> <session> <bytes> <ref-height>");
        }
        auto device = DecodeAddress(params.hrp, rest[0]);
        if (!device) return Fail(device.error().message);
        auto session = ParseHashArg("session", rest[1]);
        if (!session) return Fail(session.error().message);
        auto bytes = ParseUIntArg("bytes", rest[2]);
        if (!bytes) return Fail(bytes.error().message);
        auto height = ParseUIntArg("ref height", rest[3]);
        if (!height) return Fail(height.error().message);
        auto consumer = UnlockKey("keyfile", "passphrasefile");
        if (!consumer) return Fail(consumer.error().message);
        Transaction tx = UnsignedBandwidthReceipt(params.chain_id, *device, consumer->PubKey(),
                                                  *session, *bytes, *height)
                             .Sign(1, *consumer);
        if (args.IsSet("devicekeyfile")) {
            auto dev = UnlockKey("devicekeyfile", "devicepassphrasefile");
            if (!dev) return Fail(dev.error().message);
            if (dev->PubKey() != *device) return Fail("-devicekeyfile holds another device's key");
            tx = tx.Sign(0, *dev);
        }
        std::cout << HexStr(tx.Serialize()) << "\n";
        return 0;
    }

    // The client's data key from -datakeyfile, created when `create` and absent.
    Result<DataKey> LoadDataKey(bool create) const {
        auto path = FileOption("datakeyfile");
        if (!path) return path.error();
        if (auto text = ReadFileBounded(*path, 1024)) {
            std::string hex = *text;
            while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r'))
                hex.pop_back();
            auto bytes = ParseHex(hex);
            if (!bytes || bytes->size() != 32)
                return MakeError("bad-data-key", *path + " does not hold 64 hex digits");
            DataKey key;
            std::copy(bytes->begin(), bytes->end(), key.begin());
            return key;
        }
        if (!create) return MakeError("bad-data-key", "cannot read the data key file " + *path);
        auto key = NewDataKey();
        if (!key) return key.error();
        Status st = WriteFileAtomically(*path, HexStr(*key) + "\n", FileReplace::kNever);
        if (!st) return st.error();
        return key;
    }

    // preparefile <input> <output>: encrypt, chunk, print the root.
    int PrepareFileCommand(const Words& rest) const {
        if (rest.size() != 2) return Fail("usage: preparefile <input> <output>");
        auto plain = ReadFileBounded(rest[0], kMaxDealChunks * kMaxChunkSize - kFileOverhead);
        if (!plain) return Fail(rest[0] + ": " + plain.error().message);
        auto key = LoadDataKey(/*create=*/true);
        if (!key) return Fail(key.error().message);
        const int64_t chunk = args.GetInt("chunksize", 1024);
        if (chunk <= 0 || chunk > kMaxChunkSize) return Fail("-chunksize must be 1..2048");
        auto file = PrepareFile(Bytes(*plain), *key, static_cast<uint32_t>(chunk));
        if (!file) return Fail(file.error().message);
        const std::vector<uint8_t> stored = StoredBytes(*file);
        Status st = WriteFileAtomically(
            rest[1], std::string_view(reinterpret_cast<const char*>(stored.data()), stored.size()),
            FileReplace::kNever);
        if (!st) return Fail(st.error().message);
        std::cout << "{\n  \"data_root\": \"" << HexStr(file->root)
                  << "\",\n  \"size\": " << file->size
                  << ",\n  \"chunk_size\": " << file->chunk_size
                  << ",\n  \"chunks\": " << file->chunks.size() << "\n}\n";
        return 0;
    }

    // openfile <stored> <output>: check and decrypt.
    int OpenFileCommand(const Words& rest) const {
        if (rest.size() != 2) return Fail("usage: openfile <stored> <output>");
        auto stored = ReadFileBounded(rest[0], kMaxDealChunks * kMaxChunkSize);
        if (!stored) return Fail(rest[0] + ": " + stored.error().message);
        auto key = LoadDataKey(/*create=*/false);
        if (!key) return Fail(key.error().message);
        auto plain = OpenFile(Bytes(*stored), *key);
        if (!plain) return Fail(plain.error().message);
        Status st = WriteFileAtomically(
            rest[1], std::string_view(reinterpret_cast<const char*>(plain->data()), plain->size()),
            FileReplace::kNever);
        if (!st) return Fail(st.error().message);
        return 0;
    }

    // The device agent named by -agent (default: this host, the network's
    // service port).
    Result<ServiceClient> ConnectAgent() const {
        auto where = ParseHostPort(args.GetString("agent", "127.0.0.1"), "agent");
        if (!where) return where.error();
        const int64_t timeout = args.GetInt("timeout", 60);
        if (timeout < 1 || timeout > 86'400)
            return MakeError("bad-option", "-timeout must be 1..86400 seconds");
        return ServiceClient::Connect(where->host,
                                      where->port.value_or(params.default_service_port),
                                      static_cast<int>(timeout));
    }

    // The stored bytes at `path` in chunks of -chunksize, which must lead to `root`.
    Result<PreparedFile> ReadStored(const std::string& path, const std::string& root) const {
        auto want = ParseHashArg("data root", root);
        if (!want) return want.error();
        auto stored = ReadFileBounded(path, kMaxDealChunks * kMaxChunkSize);
        if (!stored) return MakeError(stored.error().code, path + ": " + stored.error().message);
        const int64_t chunk = args.GetInt("chunksize", 1024);
        if (chunk <= 0 || chunk > kMaxChunkSize)
            return MakeError("bad-option", "-chunksize must be 1..2048");
        auto file = ChunkStoredBytes(Bytes(*stored), static_cast<uint32_t>(chunk));
        if (!file) return file.error();
        if (file->root != *want) {
            return MakeError("root-mismatch",
                             path + " in chunks of " + std::to_string(chunk) + " bytes has root " +
                                 HexStr(file->root) +
                                 ", not the data root given: pass the -chunksize preparefile used");
        }
        return file;
    }

    // The deal's terms, checked against the agent's before anything is sent.
    Result<StorageDealPayload> DealTerms(const PreparedFile& file, const Words& rest,
                                         const InfoReply& info) const {
        auto epochs = ParseUIntArg("epochs", rest[2]);
        if (!epochs) return epochs.error();
        auto price = ParseUIntArg("price", rest[3]);
        if (!price) return price.error();
        if (*epochs == 0 || *epochs > info.max_deal_epochs) {
            return MakeError("bad-number", "the agent signs deals of 1.." +
                                               std::to_string(info.max_deal_epochs) + " epochs");
        }
        if (*price < info.min_price) {
            return MakeError("bad-number", "the agent asks a price of at least " +
                                               std::to_string(info.min_price) +
                                               " credits per byte and epoch");
        }
        StorageDealPayload terms;
        terms.data_root = file.root;
        terms.size = file.size;
        terms.chunk_size = file.chunk_size;
        terms.duration_epochs = static_cast<uint32_t>(*epochs);
        terms.price = *price;
        return terms;
    }

    // storefile <stored> <data-root> <epochs> <price>: upload, deal, co-sign, send.
    int StoreFileCommand(const Words& rest) const {
        if (rest.size() != 4) return Fail("usage: storefile <stored> <data-root> <epochs> <price>");
        auto file = ReadStored(rest[0], rest[1]);
        if (!file) return Fail(file.error().message);
        auto path = FileOption("keyfile");
        if (!path) return Fail(path.error().message);
        auto client = ReadKeyFilePubKey(*path);
        if (!client) return Fail(client.error().message);
        auto agent = ConnectAgent();
        if (!agent) return Fail(agent.error().message);
        auto info = AskAgentInfo(*agent, params);
        if (!info) return Fail(info.error().message);
        auto terms = DealTerms(*file, rest, *info);
        if (!terms) return Fail(terms.error().message);
        if (Status st = UploadChunks(*agent, *file); !st) return Fail(st.error().message);
        uint64_t nonce = 0;
        if (int rc = NextNonce(*client, nonce)) return rc;
        auto key = UnlockKeyFile(args, *path, "passphrasefile");
        if (!key) return Fail(key.error().message);
        if (key->PubKey() != *client) return Fail("key file " + *path + " changed meanwhile");
        const Transaction deal = UnsignedStorageDeal(params.chain_id, *client, info->device, *terms,
                                                     params.min_tx_fee, nonce)
                                     .Sign(0, *key);
        auto signed_deal = CoSignDeal(*agent, deal);
        if (!signed_deal) return Fail(signed_deal.error().message);
        return SendSigned(*signed_deal);
    }

    // signstorageproof <stored> <data-root> <deal> <epoch> <challenge-hash>:
    // the device's proof from its own copy of the stored bytes, offline.
    int SignStorageProof(const Words& rest) const {
        if (rest.size() != 5) {
            return Fail(
                "usage: signstorageproof <stored> <data-root> <deal> <epoch> <challenge-hash>");
        }
        auto file = ReadStored(rest[0], rest[1]);
        if (!file) return Fail(file.error().message);
        auto deal = ParseHashArg("deal", rest[2]);
        if (!deal) return Fail(deal.error().message);
        auto epoch = ParseUIntArg("epoch", rest[3]);
        if (!epoch) return Fail(epoch.error().message);
        auto challenge = ParseHashArg("challenge hash", rest[4]);
        if (!challenge) return Fail(challenge.error().message);
        auto device = UnlockKey("devicekeyfile", "devicepassphrasefile");
        if (!device) return Fail(device.error().message);
        const std::vector<Hash256> leaves = ChunkLeaves(*file);
        const uint64_t index = ChallengedChunk(*deal, *challenge, leaves.size());
        const Transaction tx =
            UnsignedStorageProof(params.chain_id, device->PubKey(), *deal, *epoch,
                                 std::move(file->chunks[index]), ChunkPath(leaves, index))
                .Sign(0, *device);
        std::cout << HexStr(tx.Serialize()) << "\n";
        return 0;
    }

    // fetchfile <data-root> <output>: every chunk back, checked against the root.
    int FetchFileCommand(const Words& rest) const {
        if (rest.size() != 2) return Fail("usage: fetchfile <data-root> <output>");
        auto root = ParseHashArg("data root", rest[0]);
        if (!root) return Fail(root.error().message);
        auto agent = ConnectAgent();
        if (!agent) return Fail(agent.error().message);
        if (auto info = AskAgentInfo(*agent, params); !info) return Fail(info.error().message);
        auto stored = FetchStoredBytes(*agent, *root);
        if (!stored) return Fail(stored.error().message);
        Status st = WriteFileAtomically(
            rest[1],
            std::string_view(reinterpret_cast<const char*>(stored->data()), stored->size()),
            FileReplace::kNever);
        if (!st) return Fail(rest[1] + ": " + st.error().message);
        std::cout << "{\n  \"data_root\": \"" << HexStr(*root)
                  << "\",\n  \"size\": " << stored->size() << "\n}\n";
        return 0;
    }

    // bandwidth <bytes>: a session as the consumer (-keyfile), receipting what arrives.
    int BandwidthCommand(const Words& rest) const {
        if (rest.size() != 1) return Fail("usage: bandwidth <bytes>");
        auto bytes = ParseUIntArg("bytes", rest[0]);
        if (!bytes) return Fail(bytes.error().message);
        if (*bytes == 0 || *bytes > kMaxBandwidthBytes)
            return Fail("bytes must be 1.." + std::to_string(kMaxBandwidthBytes));
        auto consumer = UnlockKey("keyfile", "passphrasefile");
        if (!consumer) return Fail(consumer.error().message);
        rapidjson::Document height;
        if (int rc = CallRpc("getblockcount", rapidjson::Value(rapidjson::kArrayType), height))
            return rc;
        if (!height.IsUint64()) return Fail("the node's getblockcount reply is not a height");
        auto agent = ConnectAgent();
        if (!agent) return Fail(agent.error().message);
        auto info = AskAgentInfo(*agent, params);
        if (!info) return Fail(info.error().message);
        Hash256 session;
        GetRandBytes(session);
        auto outcome = ConsumeBandwidth(*agent, params, *consumer, info->device, session, *bytes,
                                        height.GetUint64());
        if (!outcome) return Fail(outcome.error().message);
        std::cout << "{\n  \"session\": \"" << HexStr(session) << "\",\n  \"device\": \""
                  << EncodeAddress(params.hrp, info->device)
                  << "\",\n  \"bytes\": " << outcome->received
                  << ",\n  \"receipted\": " << outcome->end.bytes_receipted << ",\n  \"end\": \""
                  << outcome->end.reason << "\"\n}\n";
        return 0;
    }

    int WaitTxCommand(const Words& rest) const {
        if (rest.size() != 1) return Fail("usage: waittx <txid>");
        return WaitTx(rest[0]);
    }

    int CallMethod(const std::string& method, const Words& rest) const {
        rapidjson::Document p;
        auto& a = p.GetAllocator();
        if (args.GetBool("named")) {
            p.SetObject();
            for (const std::string& w : rest) {
                const size_t eq = w.find('=');
                if (eq == std::string::npos || eq == 0) {
                    return Fail("with -named, parameters are name=value; got " + QuoteEcho(w));
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
        if (int rc = CallRpc(method, p, out)) return rc;
        PrintJson(out);
        return 0;
    }

    struct LocalCommand {
        CommandDoc doc;
        int (Cli::*run)(const Words&) const;
    };

    static const std::vector<LocalCommand>& LocalCommands() {
        static const std::vector<LocalCommand> kLocal = {
            {{"keygen", "-keyfile=FILE keygen",
              "create an encrypted key file and print its address; asks for the passphrase\n"
              "twice (piped: one line, or two equal lines)"},
             &Cli::Keygen},
            {{"address", "-keyfile=FILE address",
              "print the key file's address on the selected network: main (mln1...) unless\n"
              "-testnet (tmln1...) or -dev (dmln1...); the dev network's key only with -dev"},
             &Cli::Address},
            {{"waittx", "waittx <txid>",
              "wait until a transaction is in a block (at most -timeout seconds)"},
             &Cli::WaitTxCommand},
            {{"verifyproof", "verifyproof <address> [height]",
              "fetch getproof and verify it locally: the header's commit certificate (more\n"
              "than 2/3 of the validators' power) and the Merkle proof. Prints the block's\n"
              "height, time and age, and the proven account, its balance in base units (as\n"
              "RPC results) and in MLN. Without a height, a block older than -maxage fails"},
             &Cli::VerifyProof},
            {{"heartbeat", "-devicekeyfile=DEVICE heartbeat",
              "sign a heartbeat naming the node's tip and submit it (submitattestation)"},
             &Cli::SendHeartbeat},
            {{"signheartbeat", "-devicekeyfile=DEVICE signheartbeat <ref-height> <ref-hash>",
              "sign a heartbeat naming block <ref-height> (hash <ref-hash>) offline; prints the\n"
              "raw hex"},
             &Cli::SignHeartbeat},
            {{"signbandwidthreceipt",
              "-keyfile=CONSUMER [-devicekeyfile=DEVICE] signbandwidthreceipt <device> <session> "
              "<bytes> <ref-height>",
              "the consumer signs a running total of <bytes> received from <device> in session\n"
              "<session> (64 hex digits), at tip height <ref-height>; with -devicekeyfile the\n"
              "device co-signs too. Prints the raw hex (submit it with submitattestation)"},
             &Cli::SignBandwidthReceipt},
            {{"preparefile", "-datakeyfile=FILE [-chunksize=N] preparefile <input> <output>",
              "encrypt <input> with the data key (AES-256-GCM; created when absent), write the\n"
              "stored bytes to <output> and print their chunk tree root, size and chunk size\n"
              "(what storagedeal takes). The device only ever sees <output>"},
             &Cli::PrepareFileCommand},
            {{"openfile", "-datakeyfile=FILE openfile <stored> <output>",
              "check and decrypt stored bytes (as preparefile wrote them) into <output>"},
             &Cli::OpenFileCommand},
            {{"storefile",
              "-keyfile=CLIENT [-chunksize=N] [-agent=HOST:PORT] storefile <stored> <data-root> "
              "<epochs> <price>",
              "upload stored bytes (as preparefile wrote them, with its -chunksize) to the device\n"
              "agent, make a storage deal for <epochs> epochs at <price> credits per byte and\n"
              "epoch, have the agent co-sign it and send it; prints the deal id (its txid)"},
             &Cli::StoreFileCommand},
            {{"signstorageproof",
              "-devicekeyfile=DEVICE [-chunksize=N] signstorageproof <stored> <data-root> <deal> "
              "<epoch> <challenge-hash>",
              "the device proves it holds <stored> (the deal's bytes, in the deal's chunk size)\n"
              "for <epoch> of deal <deal> (its txid): <challenge-hash> is the hash of block\n"
              "<epoch> x epoch_blocks (getblockhash), which picks the chunk. Prints the raw hex\n"
              "(submit it with submitattestation in the epoch's proof window)"},
             &Cli::SignStorageProof},
            {{"fetchfile", "[-agent=HOST:PORT] fetchfile <data-root> <output>",
              "read every chunk of <data-root> back from the device agent into <output>,\n"
              "checked against the root (openfile decrypts it)"},
             &Cli::FetchFileCommand},
            {{"bandwidth", "-keyfile=CONSUMER [-agent=HOST:PORT] bandwidth <bytes>",
              "receive <bytes> from the device agent in a bandwidth session with a new session\n"
              "id, signing a receipt of the running total for each part (at the node's tip\n"
              "height); the device settles the last one. Prints the session and the bytes"},
             &Cli::BandwidthCommand},
            {{"help", "help [command]",
              "list these commands and the node's RPC methods, or describe one of either"},
             &Cli::Help},
        };
        return kLocal;
    }

    static std::vector<CommandDoc> CommandDocs() {
        std::vector<CommandDoc> docs;
        for (const LocalCommand& c : LocalCommands())
            docs.push_back(c.doc);
        for (CommandDoc& d : TxCommandDocs())
            docs.push_back(std::move(d));
        return docs;
    }

    static std::string Usage() {
        std::string out = std::string(kUsageHead) + "Commands of maillon-cli itself:\n";
        for (const CommandDoc& d : CommandDocs())
            out += FormatDoc(d);
        return out + kUsageNotes;
    }

    // help [command]: the CLI's own commands, then the node's methods.
    int Help(const Words& rest) const {
        if (rest.size() > 1) return Fail("usage: help [command]");
        if (rest.size() == 1) {
            for (const CommandDoc& d : CommandDocs()) {
                if (d.name == rest[0]) {
                    std::cout << FormatDoc(d);
                    return 0;
                }
            }
            return CallMethod("help", rest);
        }
        std::cout << "== maillon-cli (commands of the CLI itself) ==\n";
        for (const CommandDoc& d : CommandDocs())
            std::cout << FormatDoc(d);
        std::cout << "\n";
        return CallMethod("help", rest);
    }

    int Run(const Words& words) const {
        const std::string& cmd = words[0];
        const Words rest(words.begin() + 1, words.end());
        for (const LocalCommand& c : LocalCommands()) {
            if (cmd == c.doc.name) return (this->*c.run)(rest);
        }
        for (const TxCommand& c : TxCommands()) {
            if (cmd == c.name) return SignAndSend(c, rest);
            if (cmd == "sign" + c.name) return SignOffline(c, rest);
        }
        return CallMethod(cmd, rest);
    }
};

}  // namespace

int main(int argc, char* argv[]) {
    Args args = CliArgs();
    Status st = args.Parse(argc, argv);
    if (!st) return Fail(st.error().message);
    if (args.IsSet("help")) {
        std::cout << Cli::Usage() << args.Help();
        return 0;
    }
    if (args.Positional().empty()) {
        std::cerr << Cli::Usage() << args.Help();
        return Fail("no command given; 'maillon-cli help' lists the commands and RPC methods");
    }
    Cli cli{args, args.Params()};
    return cli.Run(args.Positional());
}
