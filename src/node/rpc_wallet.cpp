// Wallet methods: accounts, proofs, sending and finding transactions.
#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "node/rpc_util.h"
#include "node/tx_intake.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

using rapidjson::Document;
using rapidjson::Value;
using T = RpcResult::Type;
using namespace rpc_result;

const RpcParam kAddressParam{"address", RpcType::kString, true, "account address"};
const RpcParam kTxHexParam{"hex", RpcType::kString, true, "the serialized transaction, hex"};

// A transaction from the hex the caller sent.
struct TipAccount {
    XOnlyPubKey key;
    Account account;
    uint64_t height;
};

// The account named by `text`, and the height of the one view of the tip it
// was read from.
Result<TipAccount> AccountAtTip(const RpcContext& rpc, const std::string& text) {
    auto addr = rpc.AddressSkippingCurveCheck(text);
    if (!addr) return addr.error();
    const TipView tip = rpc.node.chain->CurrentTip();
    auto acct = rpc.AccountOf(text, *addr, tip.State());
    if (!acct) return acct.error();
    return TipAccount{*addr, *acct, tip.Height()};
}

RpcMethod GetAccountMethod(const Rpc& rpc) {
    return {"getaccount",
            "wallet",
            "Returns an account's state at the tip, and the nonce its next transaction should use "
            "(counting pending ones).",
            {kAddressParam},
            Object({Member("address", T::kString, "in lower case, however it was sent"),
                    Member("balance", T::kUInt64, "base units"),
                    Member("nonce", T::kUInt64, "transactions sent and included"),
                    Member("next_nonce", T::kUInt64,
                           "nonce for the next transaction, counting pending ones"),
                    Member("credits", T::kUInt64, "data credits"),
                    Member("height", T::kUInt64, "the tip these values are read at")}),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                auto acct = AccountAtTip(*rpc, req.GetString(0));
                if (!acct) return rpc->Fail(acct.error());
                // The mempool works the next nonce out against the tip it sees.
                auto next = rpc->node.mempool->NextNonce(acct->key, *rpc->node.chain);
                if (!next) return rpc->Fail(next.error());
                r.SetObject();
                r.AddMember("address", JsonString(rpc->Addr(acct->key), a), a);
                r.AddMember("balance", acct->account.balance, a);
                r.AddMember("nonce", acct->account.nonce, a);
                r.AddMember("next_nonce", *next, a);
                r.AddMember("credits", acct->account.credits, a);
                r.AddMember("height", acct->height, a);
                return std::nullopt;
            }};
}

// A quick method that returns one account field, with the address and the
// height it was read at.
RpcMethod AccountFieldMethod(const Rpc& rpc, std::string name, std::string description,
                             const char* field, const char* field_help, uint64_t Account::*member) {
    return {std::move(name),
            "wallet",
            std::move(description),
            {kAddressParam},
            Object({Member("address", T::kString, "in lower case, however it was sent"),
                    Member(field, T::kUInt64, field_help),
                    Member("height", T::kUInt64, "the tip the value is read at")}),
            [rpc, field, member](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                auto acct = AccountAtTip(*rpc, req.GetString(0));
                if (!acct) return rpc->Fail(acct.error());
                r.SetObject();
                r.AddMember("address", JsonString(rpc->Addr(acct->key), a), a);
                r.AddMember(rapidjson::StringRef(field), acct->account.*member, a);
                r.AddMember("height", acct->height, a);
                return std::nullopt;
            },
            /*quick=*/true};
}

RpcMethod GetBalanceMethod(const Rpc& rpc) {
    return AccountFieldMethod(rpc, "getbalance",
                              "Returns an account's balance at the tip, in base units (1 MLN = "
                              "10^8), and the height it was read at.",
                              "balance", "base units", &Account::balance);
}

RpcMethod GetCreditsMethod(const Rpc& rpc) {
    return AccountFieldMethod(rpc, "getcredits",
                              "Returns an account's data credits at the tip (bought with "
                              "buy_credits, spent on bandwidth and storage; they cannot be "
                              "transferred), and the height read at.",
                              "credits", "data credits", &Account::credits);
}

RpcMethod ValidateAddressMethod(const Rpc& rpc) {
    return {"validateaddress",
            "wallet",
            "Checks an address for this network without touching the chain.",
            {{"address", RpcType::kString, true, "the address to check"}},
            Object({Member("isvalid", T::kBool),
                    Optional(Member("address", T::kString, "valid only: in lower case")),
                    Optional(Member("pubkey", T::kHex, "valid only: the x-only public key")),
                    Optional(Member("error", T::kString, "invalid only: what is wrong"))}),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                auto addr = rpc->Address(req.GetString(0));
                r.SetObject();
                r.AddMember("isvalid", addr.ok(), a);
                if (addr) {
                    r.AddMember("address", JsonString(rpc->Addr(*addr), a), a);
                    r.AddMember("pubkey", JsonHex(*addr, a), a);
                } else {
                    r.AddMember("error", JsonString(addr.error().message, a), a);
                }
                return std::nullopt;
            },
            /*quick=*/true};
}

RpcMethod GetProofMethod(const Rpc& rpc) {
    return {
        "getproof",
        "wallet",
        "Returns an account's state with what a light client needs to check it without trusting "
        "this node (default: at the tip): the block header, the commit certificate that finalized "
        "it, the validator set the header commits to, and the account's Merkle proof against the "
        "header's state_root. doc/protocol.md gives the algorithm; `maillon-cli verifyproof` runs "
        "it.",
        {kAddressParam, {"height", RpcType::kUInt64, false, "block height (default: the tip)"}},
        Object({Member("address", T::kString), Member("height", T::kUInt64),
                Member("blockhash", T::kHex), Member("state_root", T::kHex),
                Member("header", T::kHex, "the serialized block header"),
                Member("certificate", T::kHex, "the serialized commit certificate of the block"),
                Member("validators", T::kHex, "the serialized validator set that signed it"),
                Member("key", T::kHex, "the account's state key"),
                Nullable(Member("account",
                                Object({Member("balance", T::kUInt64), Member("nonce", T::kUInt64),
                                        Member("credits", T::kUInt64)},
                                       "null: proven absent"))),
                Member("proof", T::kHex, "serialized state proof (doc/protocol.md)")}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            auto addr = rpc->Address(req.GetString(0));
            if (!addr) return rpc->Fail(addr.error());
            const uint64_t height = req.GetUInt64(1, rpc->node.chain->Tip().height);
            auto proof = rpc->node.chain->ProveAccount(*addr, height);
            if (!proof) return rpc->Fail(proof.error());
            r.SetObject();
            r.AddMember("address", JsonString(rpc->Addr(*addr), a), a);
            r.AddMember("height", proof->header.height, a);
            r.AddMember("blockhash", JsonHex(proof->header.Hash(), a), a);
            r.AddMember("state_root", JsonHex(proof->header.state_root, a), a);
            r.AddMember("header", JsonHex(proof->header.Serialize(), a), a);
            r.AddMember("certificate", JsonHex(proof->certificate.Encode(), a), a);
            r.AddMember("validators", JsonHex(proof->validators.Encode(), a), a);
            r.AddMember("key", JsonHex(AccountKey(*addr), a), a);
            if (proof->account) {
                Value acct(rapidjson::kObjectType);
                acct.AddMember("balance", proof->account->balance, a);
                acct.AddMember("nonce", proof->account->nonce, a);
                acct.AddMember("credits", proof->account->credits, a);
                r.AddMember("account", acct, a);
            } else {
                r.AddMember("account", Value(rapidjson::kNullType), a);
            }
            r.AddMember("proof", JsonHex(proof->proof.Serialize(), a), a);
            return std::nullopt;
        }};
}

RpcMethod SendRawTransactionMethod(const Rpc& rpc) {
    return {"sendrawtransaction",
            "wallet",
            "Checks a signed, serialized transaction and adds it to the mempool. Returns its id.",
            {kTxHexParam},
            Shape(T::kHex, "transaction id"),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto tx = ParseTxHex(req.GetString(0));
                if (!tx) return rpc->Fail(tx.error());
                auto id = AcceptTransaction(rpc->node, *tx);
                if (!id) return rpc->Fail(id.error());
                r.SetString(HexStr(*id).c_str(), r.GetAllocator());
                return std::nullopt;
            }};
}

RpcMethod DecodeRawTransactionMethod(const Rpc& rpc) {
    return {"decoderawtransaction",
            "wallet",
            "Decodes a serialized transaction without checking or sending it: what a wallet "
            "author compares a transaction builder against.",
            {kTxHexParam},
            TxShape(),
            [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
                auto tx = ParseTxHex(req.GetString(0));
                if (!tx) return rpc->Fail(tx.error());
                Value o = rpc->TxJson(*tx, r.GetAllocator());
                r.CopyFrom(o, r.GetAllocator());
                return std::nullopt;
            }};
}

RpcMethod GetTransactionMethod(const Rpc& rpc) {
    return {
        "gettransaction",
        "wallet",
        "Returns a transaction from the chain or the mempool, with its status.",
        {{"txid", RpcType::kString, true, "transaction id (hex)"}},
        OneOf(
            TxShape({Member("status", T::kString, "pending or confirmed"),
                     Member("final", T::kBool,
                            "true once in a committed block, which no fork can undo"),
                     Optional(Member("height", T::kUInt64, "confirmed only")),
                     Optional(Member("blockhash", T::kHex, "confirmed only")),
                     Optional(Member("index", T::kUInt64, "position in the block, confirmed only")),
                     Member("confirmations", T::kUInt64, "0 while pending")}),
            {Object({Member("txid", T::kHex),
                     Member("status", T::kString, "replaced: no longer pending"),
                     Member("final", T::kBool, "false"),
                     Member("replaced_by", T::kHex,
                            "the transaction of the same payer and nonce, with a higher "
                            "fee, that took its place in the mempool")})}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            const Chain& chain = *rpc->node.chain;
            auto id = ParseHash(req.GetString(0), "txid");
            if (!id) return rpc->Fail(id.error());
            auto loc = chain.FindTransaction(*id);
            if (!loc) return rpc->Fail(loc.error());
            if (loc->has_value()) {
                const TxLocation where = **loc;
                auto hash = chain.GetBlockHash(where.height);
                if (!hash) return rpc->Fail(hash.error());
                auto block = hash->has_value() ? chain.GetBlock(**hash)
                                               : Result<std::optional<Block>>(std::nullopt);
                if (!block) return rpc->Fail(block.error());
                if (!block->has_value() || (*block)->txs.size() <= where.index) {
                    return rpc->Fail(MakeError(ErrorKind::kCorruption, "db-corrupt",
                                               "the transaction index names a block position "
                                               "that does not exist"));
                }
                Value o = rpc->TxJson((*block)->txs[where.index], a);
                o.AddMember("status", "confirmed", a);
                o.AddMember("final", true, a);
                o.AddMember("height", where.height, a);
                o.AddMember("blockhash", JsonHex(**hash, a), a);
                o.AddMember("index", where.index, a);
                o.AddMember("confirmations", chain.Tip().height - where.height + 1, a);
                r.CopyFrom(o, a);
                return std::nullopt;
            }
            if (auto tx = rpc->node.mempool->Get(*id)) {
                Value o = rpc->TxJson(*tx, a);
                o.AddMember("status", "pending", a);
                o.AddMember("final", false, a);
                o.AddMember("confirmations", 0, a);
                r.CopyFrom(o, a);
                return std::nullopt;
            }
            if (auto by = rpc->node.mempool->ReplacedBy(*id)) {
                r.SetObject();
                r.AddMember("txid", JsonHex(*id, a), a);
                r.AddMember("status", "replaced", a);
                r.AddMember("final", false, a);
                r.AddMember("replaced_by", JsonHex(*by, a), a);
                return std::nullopt;
            }
            return RpcError{kRpcNotFound,
                            "no transaction " + HexStr(*id) + " in the chain or the mempool"};
        }};
}

RpcMethod GetMempoolInfoMethod(const Rpc& rpc) {
    return {"getmempoolinfo",
            "wallet",
            "Returns the mempool's size and limits.",
            {},
            Object({Member("size", T::kUInt64, "transactions"), Member("bytes", T::kUInt64),
                    Member("max_bytes", T::kUInt64, "limit (-maxmempool)"),
                    Member("senders", T::kUInt64, "distinct payers"),
                    Member("attestations", T::kUInt64,
                           "pending attestations (heartbeats, receipts, proofs), not in size"),
                    Member("attestation_bytes", T::kUInt64),
                    Member("max_attestation_bytes", T::kUInt64, "limit of the attestation lane"),
                    Member("min_fee", T::kUInt64,
                           "the smallest fee a transaction that pays one may offer, base "
                           "units")}),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                const MempoolInfo info = rpc->node.mempool->Info();
                r.SetObject();
                r.AddMember("size", static_cast<uint64_t>(info.size), a);
                r.AddMember("bytes", static_cast<uint64_t>(info.bytes), a);
                r.AddMember("max_bytes", static_cast<uint64_t>(info.max_bytes), a);
                r.AddMember("senders", static_cast<uint64_t>(info.senders), a);
                r.AddMember("attestations", static_cast<uint64_t>(info.attestations), a);
                r.AddMember("attestation_bytes", static_cast<uint64_t>(info.attestation_bytes), a);
                r.AddMember("max_attestation_bytes",
                            static_cast<uint64_t>(info.max_attestation_bytes), a);
                r.AddMember("min_fee", rpc->params.min_tx_fee, a);
                return std::nullopt;
            }};
}

constexpr uint64_t kMaxHistoryPage = 1000;

// "HEIGHT:INDEX", as getaddresshistory's `next` gives it.
std::optional<std::pair<uint64_t, uint32_t>> ParseHistoryCursor(const std::string& text) {
    const size_t colon = text.find(':');
    if (colon == std::string::npos) return std::nullopt;
    const auto height = ParseUInt64(std::string_view(text).substr(0, colon));
    const auto index = ParseUInt64(std::string_view(text).substr(colon + 1));
    if (!height || !index || *index > 0xffffffff) return std::nullopt;
    return std::make_pair(*height, static_cast<uint32_t>(*index));
}

RpcMethod GetAddressHistoryMethod(const Rpc& rpc) {
    return {
        "getaddresshistory",
        "wallet",
        "Lists the transactions that touch an address, newest first, and the blocks whose fees "
        "it earned as proposer; a page of `count` entries, continued by passing the reply's "
        "`next` as `before`.",
        {kAddressParam,
         {"count", RpcType::kUInt64, false,
          "entries per page, 1.." + std::to_string(kMaxHistoryPage), "25"},
         {"before", RpcType::kString, false,
          "the `next` of the previous page (HEIGHT:INDEX); omitted: start at the tip"}},
        Object({Member("address", T::kString, "in lower case"),
                Member("height", T::kUInt64, "the tip the page was read at"),
                Member("entries",
                       Array(Object({Member("txid", T::kHex, "the block hash for proposer-fees"),
                                     Member("height", T::kUInt64),
                                     Member("index", T::kUInt64,
                                            "position in the block (4294967295: its fees)"),
                                     Member("type", T::kString, "transaction type, or \"fees\""),
                                     Member("direction", T::kString,
                                            "sent, received, self, signed or proposer-fees"),
                                     Member("amount", T::kUInt64,
                                            "base units: sent, besides the fee; received; the "
                                            "fees earned"),
                                     Member("fee", T::kUInt64, "base units the address paid")}))),
                Nullable(Member("next", T::kString, "cursor for the next page; null at the end"))}),
        [rpc](const RpcRequest& req, Document& r) -> std::optional<RpcError> {
            auto& a = r.GetAllocator();
            auto addr = rpc->AddressSkippingCurveCheck(req.GetString(0));
            if (!addr) return rpc->Fail(addr.error());
            const uint64_t count = req.GetUInt64(1);
            if (count < 1 || count > kMaxHistoryPage) {
                return RpcError{kRpcInvalidParameter, "count must be 1.." +
                                                          std::to_string(kMaxHistoryPage) +
                                                          ", got " + std::to_string(count)};
            }
            std::optional<std::pair<uint64_t, uint32_t>> before;
            if (!req.Param(2).IsNull()) {
                before = ParseHistoryCursor(req.GetString(2));
                if (!before) {
                    return RpcError{kRpcInvalidParameter,
                                    "before must be HEIGHT:INDEX as a previous page's `next` "
                                    "gives it, got " +
                                        QuoteEcho(req.GetString(2))};
                }
            }
            auto page = rpc->node.chain->AddressHistory(*addr, count + 1, before);
            if (!page) return rpc->Fail(page.error());
            std::vector<HistoryEntry>& got = page->entries;
            const bool more = got.size() > count;
            if (more) got.pop_back();
            r.SetObject();
            r.AddMember("address", JsonString(rpc->Addr(*addr), a), a);
            r.AddMember("height", page->height, a);
            Value entries(rapidjson::kArrayType);
            for (const HistoryEntry& e : got) {
                Value o(rapidjson::kObjectType);
                o.AddMember("txid", JsonHex(e.id, a), a);
                o.AddMember("height", e.height, a);
                o.AddMember("index", e.index, a);
                const TxType* type = FindTxType(e.type);
                const std::string name = e.kind == HistoryKind::kProposerFees ? "fees"
                                         : type ? std::string(type->Name())
                                                : std::to_string(e.type);
                o.AddMember("type", JsonString(name, a), a);
                o.AddMember("direction", JsonString(std::string(HistoryKindName(e.kind)), a), a);
                o.AddMember("amount", e.amount, a);
                o.AddMember("fee", e.fee, a);
                entries.PushBack(o, a);
            }
            r.AddMember("entries", entries, a);
            if (more) {
                const HistoryEntry& last = got.back();
                r.AddMember(
                    "next",
                    JsonString(std::to_string(last.height) + ":" + std::to_string(last.index), a),
                    a);
            } else {
                r.AddMember("next", Value(rapidjson::kNullType), a);
            }
            return std::nullopt;
        }};
}

RpcMethod GetRawMempoolMethod(const Rpc& rpc) {
    return {"getrawmempool",
            "wallet",
            "Returns the ids of the pending transactions, by payer and then nonce.",
            {},
            Array(Shape(T::kHex, "transaction id")),
            [rpc](const RpcRequest&, Document& r) -> std::optional<RpcError> {
                auto& a = r.GetAllocator();
                r.SetArray();
                for (const Transaction& tx : rpc->node.mempool->All())
                    r.PushBack(JsonHex(tx.Id(), a), a);
                return std::nullopt;
            }};
}

}  // namespace

MethodList WalletRpcMethods(const Rpc& rpc) {
    return {GetAccountMethod(rpc),
            GetBalanceMethod(rpc),
            GetProofMethod(rpc),
            SendRawTransactionMethod(rpc),
            DecodeRawTransactionMethod(rpc),
            GetTransactionMethod(rpc),
            GetMempoolInfoMethod(rpc),
            GetRawMempoolMethod(rpc),
            ValidateAddressMethod(rpc),
            GetAddressHistoryMethod(rpc),
            GetCreditsMethod(rpc)};
}

}  // namespace maillon
