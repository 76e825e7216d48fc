#include "node/rpc_methods.h"

#include <set>

#include "consensus/tx_verify.h"
#include "primitives/address.h"
#include "rpc/errors.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

using rapidjson::Document;
using rapidjson::Value;
using Alloc = Document::AllocatorType;

Value Str(const std::string& s, Alloc& a) {
    return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}
Value Hex(std::span<const uint8_t> b, Alloc& a) {
    return Str(HexStr(b), a);
}

RpcError Err(int code, std::string message) {
    return RpcError{code, std::move(message)};
}

// Maps a validation Error to an RPC error: policy reasons are "rejected",
// rule violations "verify error".
RpcError TxError(const Error& e) {
    static const std::set<std::string> kPolicy = {
        "nonce-gap", "replacement-fee-too-low", "too-many-pending", "mempool-full", "fee-too-low"};
    if (e.code == "already-in-mempool") return Err(kRpcTxAlreadyKnown, e.code + ": " + e.message);
    if (e.code == "insufficient-funds")
        return Err(kRpcInsufficientFunds, e.code + ": " + e.message);
    if (kPolicy.count(e.code)) return Err(kRpcTxRejected, e.code + ": " + e.message);
    return Err(kRpcVerifyError, e.code + ": " + e.message);
}

Result<Hash256> ParseHash(const std::string& hex, const char* what) {
    auto bytes = ParseHex(hex);
    if (!bytes || bytes->size() != 32) {
        return MakeError("bad-hash",
                         std::string(what) + " must be 64 hex characters, got '" + hex + "'");
    }
    Hash256 h;
    std::copy(bytes->begin(), bytes->end(), h.begin());
    return h;
}

using T = RpcResult::Type;
using namespace rpc_result;

RpcResult AccountShape(std::string help = {}) {
    return Object({Member("balance", T::kUInt64), Member("nonce", T::kUInt64),
                   Member("bonded", T::kUInt64), Member("credits", T::kUInt64)},
                  std::move(help));
}

// Methods::TxJson's members, then `extra`.
RpcResult TxShape(std::vector<RpcResult> extra = {}) {
    std::vector<RpcResult> m = {Member("txid", T::kHex),
                                Member("type", T::kString, "transfer"),
                                Member("chain_id", T::kUInt64),
                                Member("sender", T::kString, "address"),
                                Member("nonce", T::kUInt64),
                                Member("fee", T::kUInt64, "base units"),
                                Optional(Member("to", T::kString, "transfer: recipient address")),
                                Optional(Member("amount", T::kUInt64, "transfer: base units")),
                                Member("signature", T::kHex),
                                Member("size", T::kUInt64, "serialized bytes")};
    m.insert(m.end(), extra.begin(), extra.end());
    return Object(std::move(m));
}

// Methods::HeaderJson's members plus size and txs of the given element shape.
RpcResult BlockShape(RpcResult tx) {
    return Object(
        {Member("hash", T::kHex), Member("height", T::kUInt64), Member("version", T::kUInt64),
         Member("chain_id", T::kUInt64), Member("parent", T::kHex), Member("time_ms", T::kUInt64),
         Nullable(Member("proposer", T::kString, "address; null for genesis")),
         Member("tx_root", T::kHex), Member("state_root", T::kHex), Member("proposer_sig", T::kHex),
         Member("confirmations", T::kUInt64), Member("size", T::kUInt64, "serialized bytes"),
         Member("txs", Array(std::move(tx)))});
}

class Methods {
public:
    explicit Methods(const NodeContext& ctx) : m_ctx(ctx), m_params(ctx.chain->Params()) {}

    std::string Addr(const XOnlyPubKey& key) const { return EncodeAddress(m_params.hrp, key); }

    Value HeaderJson(const BlockHeader& h, Alloc& a) const {
        Value o(rapidjson::kObjectType);
        o.AddMember("hash", Hex(h.Hash(), a), a);
        o.AddMember("height", h.height, a);
        o.AddMember("version", h.version, a);
        o.AddMember("chain_id", h.chain_id, a);
        o.AddMember("parent", Hex(h.parent, a), a);
        o.AddMember("time_ms", h.time_ms, a);
        o.AddMember("proposer",
                    h.height == 0 ? Value(rapidjson::kNullType) : Str(Addr(h.proposer), a), a);
        o.AddMember("tx_root", Hex(h.tx_root, a), a);
        o.AddMember("state_root", Hex(h.state_root, a), a);
        o.AddMember("proposer_sig", Hex(h.proposer_sig, a), a);
        const uint64_t tip = m_ctx.chain->Tip().height;
        o.AddMember("confirmations", tip >= h.height ? tip - h.height + 1 : 0, a);
        return o;
    }

    Value TxJson(const Transaction& tx, Alloc& a) const {
        Value o(rapidjson::kObjectType);
        o.AddMember("txid", Hex(tx.Id(), a), a);
        o.AddMember("type", Str(TxTypeName(tx.type), a), a);
        o.AddMember("chain_id", tx.chain_id, a);
        o.AddMember("sender", Str(Addr(tx.sender), a), a);
        o.AddMember("nonce", tx.nonce, a);
        o.AddMember("fee", tx.fee, a);
        if (tx.type == TxType::kTransfer) {
            const TransferPayload p = *DecodeTransfer(tx.payload);
            o.AddMember("to", Str(Addr(p.to), a), a);
            o.AddMember("amount", p.amount, a);
        }
        o.AddMember("signature", Hex(tx.signature, a), a);
        o.AddMember("size", static_cast<uint64_t>(tx.Serialize().size()), a);
        return o;
    }

    Result<XOnlyPubKey> Address(const std::string& text) const {
        return DecodeAddress(m_params.hrp, text);
    }

    // Address() less its curve check, which AccountOf() makes only when needed.
    Result<XOnlyPubKey> AddressSkippingCurveCheck(const std::string& text) const {
        return DecodeAddressWithoutCurveCheck(m_params.hrp, text);
    }

    // The account at the tip for `key`, decoded from `text` by
    // AddressSkippingCurveCheck(); an off-curve key fails as in Address().
    // Every account in state has an on-curve key: genesis allocations are
    // compiled-in keys derived from secrets, and ConnectBlock credits only
    // transfer recipients (CheckTransaction's bad-recipient rule) and the
    // proposer (its header signature verifies), and debits only senders that
    // already had a balance. So a non-empty account proves the key, and the
    // curve check (a few µs) runs only for an empty one, or before a read error
    // just as it used to run before the read.
    Result<Account> AccountOf(const std::string& text, const XOnlyPubKey& key) const {
        auto acct = m_ctx.chain->GetAccount(key);
        if (!acct || acct->IsEmpty()) {
            if (Status st = CheckAddressKey(text, key); !st) return st.error();
        }
        return acct;
    }

    Result<Hash256> ResolveBlock(const Value& v) const {
        if (v.IsUint64()) {
            auto h = m_ctx.chain->GetBlockHash(v.GetUint64());
            if (!h) return h.error();
            if (!h->has_value()) {
                return MakeError("not-found", "no block at height " +
                                                  std::to_string(v.GetUint64()) +
                                                  "; the chain height is " +
                                                  std::to_string(m_ctx.chain->Tip().height));
            }
            return **h;
        }
        // The parameter table admits only the two types.
        const std::string text = v.GetString();
        auto hash = ParseHash(text, "block hash");
        if (!hash && !text.empty() && text.size() <= 20 &&
            text.find_first_not_of("0123456789") == std::string::npos) {
            return MakeError("bad-hash", hash.error().message +
                                             " (a height goes as a JSON number, not a string)");
        }
        return hash;
    }

    const NodeContext& m_ctx;
    const ChainParams& m_params;
};

RpcError FromError(const Error& e) {
    if (e.code == "not-found") return Err(kRpcNotFound, e.message);
    if (e.code == "invalid-address") return Err(kRpcInvalidAddress, e.message);
    if (e.code == "bad-hash") return Err(kRpcTypeError, e.message);
    return Err(kRpcMisc, e.message);
}

}  // namespace

void RegisterNodeRpcMethods(RpcTable& table, const NodeContext& ctx) {
    auto m = std::make_shared<Methods>(ctx);

    table.Register({"getblockchaininfo",
                    "chain",
                    "Returns the state of the chain at the tip.",
                    {},
                    Object({Member("chain", T::kString, "main, test or dev"),
                            Member("chain_id", T::kUInt64, "signed into every transaction"),
                            Member("blocks", T::kUInt64, "height of the tip"),
                            Member("bestblockhash", T::kHex, "hash of the tip"),
                            Member("time_ms", T::kUInt64, "tip time, ms since the Unix epoch"),
                            Member("state_root", T::kHex, "state root after the tip"),
                            Member("address_prefix", T::kString, "bech32m prefix of addresses")}),
                    [m](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                        auto& a = r.GetAllocator();
                        const BlockHeader tip = m->m_ctx.chain->Tip();
                        r.SetObject();
                        r.AddMember("chain", Str(m->m_params.name, a), a);
                        r.AddMember("chain_id", m->m_params.chain_id, a);
                        r.AddMember("blocks", tip.height, a);
                        r.AddMember("bestblockhash", Hex(tip.Hash(), a), a);
                        r.AddMember("time_ms", tip.time_ms, a);
                        r.AddMember("state_root", Hex(tip.state_root, a), a);
                        r.AddMember("address_prefix", Str(m->m_params.hrp, a), a);
                        return std::nullopt;
                    },
                    /*quick=*/true});

    table.Register({"getblockcount",
                    "chain",
                    "Returns the height of the tip (genesis is 0).",
                    {},
                    Shape(T::kUInt64, "height of the tip"),
                    [m](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                        r.SetUint64(m->m_ctx.chain->Tip().height);
                        return std::nullopt;
                    },
                    /*quick=*/true});

    table.Register({"getblockhash",
                    "chain",
                    "Returns the hash of the block at a height.",
                    {{"height", RpcType::kUInt64, true, "block height"}},
                    Shape(T::kHex, "block hash"),
                    [m](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                        auto h = m->ResolveBlock(req.Param(0));
                        if (!h) return FromError(h.error());
                        r.SetString(HexStr(*h).c_str(), r.GetAllocator());
                        return std::nullopt;
                    },
                    /*quick=*/true});

    table.Register(
        {"getblock",
         "chain",
         "Returns a block by hash or height. verbosity 0: serialized hex; 1: header and "
         "transaction ids; "
         "2: header and decoded transactions.",
         {{"block", RpcType::kStringOrUInt64, true, "block hash (64 hex characters) or height"},
          {"verbosity", RpcType::kUInt64, false, "0, 1 or 2", "1"}},
         OneOf(Shape(T::kHex, "verbosity 0: the serialized block"),
               {BlockShape(Shape(T::kHex, "transaction id")), BlockShape(TxShape())}),
         [m](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
             auto& a = r.GetAllocator();
             const uint64_t verbosity = req.GetUInt64(1);
             if (verbosity > 2) {
                 return Err(kRpcInvalidParameter,
                            "verbosity must be 0, 1 or 2, got " + std::to_string(verbosity));
             }
             auto hash = m->ResolveBlock(req.Param(0));
             if (!hash) return FromError(hash.error());
             auto block = m->m_ctx.chain->GetBlock(*hash);
             if (!block) return FromError(block.error());
             if (!block->has_value())
                 return Err(kRpcNotFound, "no block with hash " + HexStr(*hash));
             const Block& b = **block;
             const std::vector<uint8_t> raw = b.Serialize();
             if (verbosity == 0) {
                 r.SetString(HexStr(raw).c_str(), a);
                 return std::nullopt;
             }
             Value o = m->HeaderJson(b.header, a);
             o.AddMember("size", static_cast<uint64_t>(raw.size()), a);
             Value txs(rapidjson::kArrayType);
             for (const Transaction& tx : b.txs) {
                 txs.PushBack(verbosity == 1 ? Hex(tx.Id(), a) : m->TxJson(tx, a), a);
             }
             o.AddMember("txs", txs, a);
             r.CopyFrom(o, a);
             return std::nullopt;
         }});

    table.Register(
        {"getaccount",
         "wallet",
         "Returns an account's state at the tip, and the nonce its next transaction should use "
         "(counting pending ones).",
         {{"address", RpcType::kString, true, "account address"}},
         Object({Member("address", T::kString), Member("balance", T::kUInt64, "base units"),
                 Member("nonce", T::kUInt64, "transactions sent and included"),
                 Member("next_nonce", T::kUInt64,
                        "nonce for the next transaction, counting pending ones"),
                 Member("bonded", T::kUInt64, "base units"),
                 Member("credits", T::kUInt64, "data credits"),
                 Member("height", T::kUInt64, "the tip these values are read at")}),
         [m](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
             auto& a = r.GetAllocator();
             const std::string text = req.GetString(0);
             auto addr = m->AddressSkippingCurveCheck(text);
             if (!addr) return FromError(addr.error());
             const uint64_t height = m->m_ctx.chain->Tip().height;
             auto acct = m->AccountOf(text, *addr);
             if (!acct) return FromError(acct.error());
             r.SetObject();
             r.AddMember("address", Str(text, a), a);
             r.AddMember("balance", acct->balance, a);
             r.AddMember("nonce", acct->nonce, a);
             r.AddMember("next_nonce",
                         acct->nonce + static_cast<uint64_t>(m->m_ctx.mempool->PendingCount(*addr)),
                         a);
             r.AddMember("bonded", acct->bonded, a);
             r.AddMember("credits", acct->credits, a);
             r.AddMember("height", height, a);
             return std::nullopt;
         }});

    table.Register({"getbalance",
                    "wallet",
                    "Returns an account's balance at the tip, in base units (1 MLN = 10^8).",
                    {{"address", RpcType::kString, true, "account address"}},
                    Shape(T::kUInt64, "balance in base units"),
                    [m](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                        const std::string text = req.GetString(0);
                        auto addr = m->AddressSkippingCurveCheck(text);
                        if (!addr) return FromError(addr.error());
                        auto acct = m->AccountOf(text, *addr);
                        if (!acct) return FromError(acct.error());
                        r.SetUint64(acct->balance);
                        return std::nullopt;
                    },
                    /*quick=*/true});

    table.Register({"getproof",
                    "wallet",
                    "Returns an account's state with a Merkle proof against the state root of a "
                    "block (default: the "
                    "tip). A client checks the header (hash and proposer signature) and then the "
                    "proof against its "
                    "state_root; `maillon-cli verifyproof` does both.",
                    {{"address", RpcType::kString, true, "account address"},
                     {"height", RpcType::kUInt64, false, "block height (default: the tip)"}},
                    Object({Member("address", T::kString), Member("height", T::kUInt64),
                            Member("blockhash", T::kHex), Member("state_root", T::kHex),
                            Member("header", T::kHex, "the serialized block header"),
                            Member("key", T::kHex, "the account's state tree key"),
                            Nullable(Member("account", AccountShape("null: proven absent"))),
                            Member("proof", T::kHex, "serialized state proof (doc/protocol.md)")}),
                    [m](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                        auto& a = r.GetAllocator();
                        auto addr = m->Address(req.GetString(0));
                        if (!addr) return FromError(addr.error());
                        const uint64_t height = req.GetUInt64(1, m->m_ctx.chain->Tip().height);
                        auto proof = m->m_ctx.chain->ProveAccount(*addr, height);
                        if (!proof) return FromError(proof.error());
                        r.SetObject();
                        r.AddMember("address", Str(req.GetString(0), a), a);
                        r.AddMember("height", proof->header.height, a);
                        r.AddMember("blockhash", Hex(proof->header.Hash(), a), a);
                        r.AddMember("state_root", Hex(proof->header.state_root, a), a);
                        r.AddMember("header", Hex(proof->header.Serialize(), a), a);
                        r.AddMember("key", Hex(AccountKey(*addr), a), a);
                        if (proof->account) {
                            Value acct(rapidjson::kObjectType);
                            acct.AddMember("balance", proof->account->balance, a);
                            acct.AddMember("nonce", proof->account->nonce, a);
                            acct.AddMember("bonded", proof->account->bonded, a);
                            acct.AddMember("credits", proof->account->credits, a);
                            r.AddMember("account", acct, a);
                        } else {
                            r.AddMember("account", Value(rapidjson::kNullType), a);
                        }
                        r.AddMember("proof", Hex(proof->proof.Serialize(), a), a);
                        return std::nullopt;
                    }});

    table.Register(
        {"sendrawtransaction",
         "wallet",
         "Checks a signed, serialized transaction and adds it to the mempool. Returns its id.",
         {{"hex", RpcType::kString, true, "the serialized transaction, hex"}},
         Shape(T::kHex, "transaction id"),
         [m](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
             auto bytes = ParseHex(req.GetString(0));
             if (!bytes) {
                 return Err(kRpcTypeError,
                            "hex must be the transaction's bytes as hex digits (an even number "
                            "of 0-9a-f characters)");
             }
             auto tx = DecodeTransaction(*bytes);
             if (!tx) {
                 return Err(kRpcDeserializationError,
                            "transaction decode failed: " + tx.error().message);
             }
             auto found = m->m_ctx.chain->FindTransaction(tx->Id());
             if (!found) return FromError(found.error());
             if (found->has_value()) {
                 return Err(kRpcTxAlreadyKnown, "already-in-chain: transaction " +
                                                    HexStr(tx->Id()) + " is in block " +
                                                    std::to_string((*found)->height));
             }
             auto id = m->m_ctx.mempool->Add(*tx, *m->m_ctx.chain);
             if (!id) return TxError(id.error());
             r.SetString(HexStr(*id).c_str(), r.GetAllocator());
             return std::nullopt;
         }});

    table.Register(
        {"gettransaction",
         "wallet",
         "Returns a transaction from the chain or the mempool, with its status.",
         {{"txid", RpcType::kString, true, "transaction id (hex)"}},
         TxShape({Member("status", T::kString, "pending or confirmed"),
                  Optional(Member("height", T::kUInt64, "confirmed only")),
                  Optional(Member("blockhash", T::kHex, "confirmed only")),
                  Optional(Member("index", T::kUInt64, "position in the block, confirmed only")),
                  Member("confirmations", T::kUInt64, "0 while pending")}),
         [m](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
             auto& a = r.GetAllocator();
             auto id = ParseHash(req.GetString(0), "txid");
             if (!id) return FromError(id.error());
             auto loc = m->m_ctx.chain->FindTransaction(*id);
             if (!loc) return FromError(loc.error());
             if (loc->has_value()) {
                 auto hash = m->m_ctx.chain->GetBlockHash((*loc)->height);
                 if (!hash || !hash->has_value())
                     return Err(kRpcMisc, "block index is inconsistent");
                 auto block = m->m_ctx.chain->GetBlock(**hash);
                 if (!block || !block->has_value() || (*block)->txs.size() <= (*loc)->index) {
                     return Err(kRpcMisc, "block index is inconsistent");
                 }
                 Value o = m->TxJson((*block)->txs[(*loc)->index], a);
                 o.AddMember("status", "confirmed", a);
                 o.AddMember("height", (*loc)->height, a);
                 o.AddMember("blockhash", Hex(**hash, a), a);
                 o.AddMember("index", (*loc)->index, a);
                 o.AddMember("confirmations", m->m_ctx.chain->Tip().height - (*loc)->height + 1, a);
                 r.CopyFrom(o, a);
                 return std::nullopt;
             }
             if (auto tx = m->m_ctx.mempool->Get(*id)) {
                 Value o = m->TxJson(*tx, a);
                 o.AddMember("status", "pending", a);
                 o.AddMember("confirmations", 0, a);
                 r.CopyFrom(o, a);
                 return std::nullopt;
             }
             return Err(kRpcNotFound,
                        "no transaction " + HexStr(*id) + " in the chain or the mempool");
         }});

    table.Register({"getmempoolinfo",
                    "wallet",
                    "Returns the mempool's size and limits.",
                    {},
                    Object({Member("size", T::kUInt64, "transactions"), Member("bytes", T::kUInt64),
                            Member("max_bytes", T::kUInt64, "limit (-maxmempool)"),
                            Member("senders", T::kUInt64, "distinct senders")}),
                    [m](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                        auto& a = r.GetAllocator();
                        const MempoolInfo info = m->m_ctx.mempool->Info();
                        r.SetObject();
                        r.AddMember("size", static_cast<uint64_t>(info.size), a);
                        r.AddMember("bytes", static_cast<uint64_t>(info.bytes), a);
                        r.AddMember("max_bytes", static_cast<uint64_t>(info.max_bytes), a);
                        r.AddMember("senders", static_cast<uint64_t>(info.senders), a);
                        return std::nullopt;
                    }});

    table.Register({"stop",
                    "control",
                    "Shuts the node down cleanly.",
                    {},
                    Shape(T::kString, "\"Maillon server stopping\""),
                    [m](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                        m->m_ctx.request_shutdown();
                        r.SetString("Maillon server stopping");
                        return std::nullopt;
                    }});

    table.Register({"uptime",
                    "control",
                    "Returns the number of seconds the node has been running.",
                    {},
                    Shape(T::kUInt64, "seconds"),
                    [m](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                        r.SetUint64((NowMs() - m->m_ctx.start_time_ms) / 1000);
                        return std::nullopt;
                    },
                    /*quick=*/true});

    if (ctx.producer) {
        table.Register({"generateblock",
                        "dev",
                        "Dev network only: produces one block now from the mempool and returns it.",
                        {},
                        Object({Member("hash", T::kHex), Member("height", T::kUInt64),
                                Member("txs", Array(Shape(T::kHex, "transaction id")))}),
                        [m](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                            auto& a = r.GetAllocator();
                            auto block = m->m_ctx.producer->ProduceBlock();
                            if (!block)
                                return Err(kRpcMisc,
                                           "block production failed: " + block.error().message);
                            r.SetObject();
                            r.AddMember("hash", Hex(block->header.Hash(), a), a);
                            r.AddMember("height", block->header.height, a);
                            Value txs(rapidjson::kArrayType);
                            for (const Transaction& tx : block->txs)
                                txs.PushBack(Hex(tx.Id(), a), a);
                            r.AddMember("txs", txs, a);
                            return std::nullopt;
                        }});
    }
}

}  // namespace maillon
