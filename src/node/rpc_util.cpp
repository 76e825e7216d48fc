#include "node/rpc_util.h"

#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "primitives/address.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

using rapidjson::Value;
using T = RpcResult::Type;
using namespace rpc_result;

RpcResult::Type ShapeOf(JsonKind kind) {
    switch (kind) {
        case JsonKind::kAddress:
            return T::kString;
        case JsonKind::kHex:
            return T::kHex;
        case JsonKind::kAmount:
        case JsonKind::kUInt64:
            return T::kUInt64;
    }
    return T::kAny;
}

// One object shape per transaction type, from the type table.
RpcResult PayloadShape() {
    std::vector<RpcResult> shapes;
    for (const TxType* type : AllTxTypes()) {
        std::vector<RpcResult> members;
        for (const JsonField& f : type->PayloadFields()) {
            members.push_back(Member(std::string(f.name), ShapeOf(f.kind),
                                     std::string(type->Name()) + ": " + std::string(f.help)));
        }
        shapes.push_back(Object(std::move(members)));
    }
    RpcResult first = shapes.front();
    shapes.erase(shapes.begin());
    return OneOf(first, std::move(shapes));
}

}  // namespace

Value JsonString(const std::string& s, JsonAllocator& a) {
    return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

Value JsonHex(std::span<const uint8_t> bytes, JsonAllocator& a) {
    return JsonString(HexStr(bytes), a);
}

Result<Hash256> ParseHash(const std::string& hex, const char* what) {
    auto bytes = ParseHex(hex);
    if (!bytes || bytes->size() != 32) {
        return MakeError("bad-hash",
                         std::string(what) + " must be 64 hex characters, got " + QuoteEcho(hex));
    }
    Hash256 h;
    std::copy(bytes->begin(), bytes->end(), h.begin());
    return h;
}

std::string RpcContext::Addr(const XOnlyPubKey& key) const {
    return EncodeAddress(params.hrp, key);
}

Result<Transaction> ParseTxHex(const std::string& hex) {
    auto bytes = ParseHex(hex);
    if (!bytes) {
        return MakeError("not-hex",
                         "hex must be the transaction's bytes as hex digits (an even number of "
                         "0-9a-f characters)");
    }
    return DecodeTransaction(*bytes);
}

RpcError RpcContext::Fail(const Error& e) const {
    if (e.IsStorageFailure() && node.on_storage_failure) node.on_storage_failure(e);
    return RpcErrorFor(e);
}

Result<XOnlyPubKey> RpcContext::Address(const std::string& text) const {
    return DecodeAddress(params.hrp, text);
}

Result<XOnlyPubKey> RpcContext::AddressSkippingCurveCheck(const std::string& text) const {
    return DecodeAddressWithoutCurveCheck(params.hrp, text);
}

// Every account in state has an on-curve key: genesis allocations are
// compiled-in keys derived from secrets, and blocks credit only transfer
// recipients (the transfer's bad-recipient rule), the proposer (a validator)
// and payers (whose signatures verified). So a non-empty account proves the
// key, and the curve check (a few µs) runs only for an empty one, or before a
// read error just as it used to run before the read.
Result<Account> RpcContext::AccountOf(const std::string& text, const XOnlyPubKey& key,
                                      const StateReader& state) const {
    auto acct = GetAccount(state, key);
    if (!acct || acct->IsEmpty()) {
        if (Status st = CheckAddressKey(text, key); !st) return st.error();
    }
    return acct;
}

Result<Hash256> RpcContext::ResolveBlock(const Value& v) const {
    if (v.IsUint64()) {
        auto h = node.chain->GetBlockHash(v.GetUint64());
        if (!h) return h.error();
        if (!h->has_value()) {
            return MakeError(ErrorKind::kNotFound, "not-found",
                             "no block at height " + std::to_string(v.GetUint64()) +
                                 "; the chain height is " +
                                 std::to_string(node.chain->Tip().height));
        }
        return **h;
    }
    // The parameter table admits only the two types.
    const std::string text = v.GetString();
    auto hash = ParseHash(text, "block hash");
    if (!hash && !text.empty() && text.size() <= 20 &&
        text.find_first_not_of("0123456789") == std::string::npos) {
        return MakeError("bad-hash",
                         hash.error().message + " (a height goes as a JSON number, not a string)");
    }
    return hash;
}

Value RpcContext::HeaderJson(const BlockHeader& h, JsonAllocator& a) const {
    Value o(rapidjson::kObjectType);
    o.AddMember("hash", JsonHex(h.Hash(), a), a);
    o.AddMember("height", h.height, a);
    o.AddMember("version", h.version, a);
    o.AddMember("chain_id", h.chain_id, a);
    o.AddMember("time_ms", h.time_ms, a);
    o.AddMember("parent", JsonHex(h.parent, a), a);
    o.AddMember("proposer",
                h.height == 0 ? Value(rapidjson::kNullType) : JsonString(Addr(h.proposer), a), a);
    o.AddMember("validators_hash", JsonHex(h.validators_hash, a), a);
    o.AddMember("next_validators_hash", JsonHex(h.next_validators_hash, a), a);
    o.AddMember("last_commit_hash", JsonHex(h.last_commit_hash, a), a);
    o.AddMember("tx_root", JsonHex(h.tx_root, a), a);
    o.AddMember("state_root", JsonHex(h.state_root, a), a);
    const uint64_t tip = node.chain->Tip().height;
    o.AddMember("confirmations", tip >= h.height ? tip - h.height + 1 : 0, a);
    return o;
}

Value RpcContext::CommitJson(const CommitCertificate& c, JsonAllocator& a) const {
    Value o(rapidjson::kObjectType);
    o.AddMember("height", c.height, a);
    o.AddMember("round", c.round, a);
    o.AddMember("block_hash", JsonHex(c.block_hash, a), a);
    Value sigs(rapidjson::kArrayType);
    for (const CommitSignature& s : c.signatures) {
        Value e(rapidjson::kObjectType);
        e.AddMember("validator_index", s.validator_index, a);
        e.AddMember("signature", JsonHex(s.sig, a), a);
        sigs.PushBack(e, a);
    }
    o.AddMember("signatures", sigs, a);
    return o;
}

Value RpcContext::TxJson(const Transaction& tx, JsonAllocator& a) const {
    Value o(rapidjson::kObjectType);
    o.AddMember("txid", JsonHex(tx.Id(), a), a);
    o.AddMember("version", tx.Fields().version, a);
    o.AddMember("type", JsonString(std::string(tx.Type().Name()), a), a);
    o.AddMember("chain_id", tx.ChainId(), a);
    o.AddMember("fee", tx.Fee(), a);
    o.AddMember("nonce", tx.Nonce(), a);
    Value signers(rapidjson::kArrayType);
    for (size_t i = 0; i < tx.Signers().size(); ++i) {
        Value s(rapidjson::kObjectType);
        s.AddMember("role", JsonString(std::string(RoleName(tx.Type().Roles()[i])), a), a);
        s.AddMember("address", JsonString(Addr(tx.Signers()[i]), a), a);
        s.AddMember("signature", JsonHex(tx.Signatures()[i], a), a);
        signers.PushBack(s, a);
    }
    o.AddMember("signers", signers, a);
    Value payload(rapidjson::kObjectType);
    tx.Type().PayloadJson(tx, params.hrp, payload, a);
    o.AddMember("payload", payload, a);
    o.AddMember("sighash", JsonHex(tx.SigHash(), a), a);
    o.AddMember("size", static_cast<uint64_t>(tx.Size()), a);
    return o;
}

RpcResult HeaderMembers(std::vector<RpcResult> extra) {
    std::vector<RpcResult> m = {
        Member("hash", T::kHex),
        Member("height", T::kUInt64),
        Member("version", T::kUInt64),
        Member("chain_id", T::kUInt64),
        Member("time_ms", T::kUInt64),
        Member("parent", T::kHex),
        Nullable(Member("proposer", T::kString, "address; null for genesis")),
        Member("validators_hash", T::kHex, "the validator set that signs this block"),
        Member("next_validators_hash", T::kHex, "the set that signs the next block"),
        Member("last_commit_hash", T::kHex, "hash of the parent's commit certificate"),
        Member("tx_root", T::kHex),
        Member("state_root", T::kHex),
        Member("confirmations", T::kUInt64),
    };
    m.insert(m.end(), extra.begin(), extra.end());
    return Object(std::move(m));
}

RpcResult CommitShape() {
    return Object(
        {Member("height", T::kUInt64), Member("round", T::kUInt64), Member("block_hash", T::kHex),
         Member("signatures", Array(Object({Member("validator_index", T::kUInt64,
                                                   "position in the validator set, sorted by key"),
                                            Member("signature", T::kHex, "BIP340 precommit")})))});
}

RpcResult TxShape(std::vector<RpcResult> extra) {
    std::vector<RpcResult> m = {
        Member("txid", T::kHex),
        Member("version", T::kUInt64, "envelope version"),
        Member("type", T::kString, "transfer, register_device, ..."),
        Member("chain_id", T::kUInt64),
        Member("fee", T::kUInt64, "base units"),
        Member("nonce", T::kUInt64, "the first signer's account nonce"),
        Member("signers",
               Array(Object({Member("role", T::kString, "sender, owner, device, ..."),
                             Member("address", T::kString), Member("signature", T::kHex)}),
                     "one per role, in the type's order; the first pays the fee")),
        Member("payload", PayloadShape()),
        Member("sighash", T::kHex, "what every signer signed"),
        Member("size", T::kUInt64, "serialized bytes"),
    };
    m.insert(m.end(), extra.begin(), extra.end());
    return Object(std::move(m));
}

void AddNullable(rapidjson::Value& out, const char* name, std::optional<uint64_t> value,
                 JsonAllocator& a) {
    if (value) {
        out.AddMember(rapidjson::StringRef(name), *value, a);
    } else {
        out.AddMember(rapidjson::StringRef(name), rapidjson::Value(rapidjson::kNullType), a);
    }
}

}  // namespace maillon
