#include "agent/receipt_settler.h"

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "agent/state_file.h"
#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx_verify.h"
#include "primitives/address.h"
#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kReceiptVersion = 1;
constexpr size_t kMaxReceiptFileSize = 64 * 1024;

std::string Encode(const Transaction& receipt) {
    return EncodeStateObject(kReceiptVersion, {{"tx", HexStr(receipt.Serialize())}});
}

// A receipt of `device` on this network, signed by both.
Result<Transaction> Decode(const std::string& text, const ChainParams& params,
                           const XOnlyPubKey& device) {
    auto doc = ParseStateObject(text, kReceiptVersion);
    if (!doc) return doc.error();
    auto hex = StateString(*doc, "tx");
    if (!hex) return hex.error();
    auto bytes = ParseHex(*hex);
    if (!bytes) return StateCorrupt("\"tx\" is not hex");
    auto tx = DecodeTransaction(*bytes);
    if (!tx) return StateCorrupt("\"tx\" does not decode: " + tx.error().message);
    if (BandwidthReceiptOf(*tx) == nullptr || tx->ChainId() != params.chain_id ||
        tx->Payer() != device || !CheckTransactionSignatures(*tx)) {
        return StateCorrupt("\"tx\" is not a bandwidth receipt of this device on the " +
                            params.name + " network, signed by both");
    }
    return tx;
}

// "session S of consumer C: N bytes, M credits"
std::string Describe(const Transaction& receipt, const ChainParams& params) {
    const BandwidthReceiptPayload& p = *BandwidthReceiptOf(receipt);
    return "bandwidth session " + HexStr(p.session) + " of consumer " +
           EncodeAddress(params.hrp, receipt.Signers()[1]) + ": " + std::to_string(p.bytes) +
           " bytes, " + std::to_string(BandwidthCredits(p.bytes, params)) + " credits";
}

// Refusals that a later try may not get: the node's mempool policy.
bool IsTransient(const std::string& reason) {
    return reason == "mempool-full" || reason == "too-many-pending";
}

}  // namespace

Result<std::unique_ptr<ReceiptStore>> ReceiptStore::Open(const std::string& dir,
                                                         const ChainParams& params,
                                                         const XOnlyPubKey& device) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        return MakeError(ErrorKind::kIo, "file-io",
                         "cannot create the receipts directory " + dir + ": " + ec.message());
    }
    std::unique_ptr<ReceiptStore> store(new ReceiptStore(dir));
    if (Status st = store->Scan(params, device); !st) return st.error();
    return store;
}

Status ReceiptStore::Scan(const ChainParams& params, const XOnlyPubKey& device) {
    std::error_code ec;
    for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string path = it->path().string();
        if (it->path().extension() != ".json") {
            std::error_code ignored;  // a temporary file a crash left behind
            if (path.find(".tmp-") != std::string::npos) fs::remove(it->path(), ignored);
            continue;
        }
        auto text = ReadStateFile(path, kMaxReceiptFileSize);
        if (!text) return text.error();
        if (!text->has_value()) continue;
        auto tx = Decode(**text, params, device);
        if (!tx) {
            return StateCorrupt("receipt file " + path + " is damaged: " + tx.error().message +
                                "; move it away (its session will not be paid)");
        }
        m_pending.emplace(PathOf(*tx), std::move(*tx));
    }
    if (ec) {
        return MakeError(ErrorKind::kIo, "file-io",
                         "cannot read the receipts directory " + m_dir + ": " + ec.message());
    }
    return Status::Ok();
}

std::string ReceiptStore::PathOf(const Transaction& receipt) const {
    const std::string name =
        HexStr(receipt.Signers()[1]) + "-" + HexStr(BandwidthReceiptOf(receipt)->session) + ".json";
    return (fs::path(m_dir) / name).string();
}

Status ReceiptStore::Add(const Transaction& receipt) {
    std::lock_guard lock(m_mutex);
    if (m_pending.size() >= kMaxPendingReceipts) {
        return MakeError(ErrorKind::kPolicy, "too-many-pending",
                         std::to_string(kMaxPendingReceipts) + " receipts wait to be settled");
    }
    const std::string path = PathOf(receipt);
    if (Status st = WriteStateFile(path, Encode(receipt)); !st) return st;
    m_pending.insert_or_assign(path, receipt);
    return Status::Ok();
}

void ReceiptStore::Remove(const Transaction& receipt) {
    std::lock_guard lock(m_mutex);
    const std::string path = PathOf(receipt);
    std::error_code ignored;
    fs::remove(path, ignored);
    m_pending.erase(path);
}

std::vector<Transaction> ReceiptStore::Pending() const {
    std::lock_guard lock(m_mutex);
    std::vector<Transaction> out;
    out.reserve(m_pending.size());
    std::transform(m_pending.begin(), m_pending.end(), std::back_inserter(out),
                   [](const auto& entry) { return entry.second; });
    return out;
}

bool ReceiptStore::Full() const {
    std::lock_guard lock(m_mutex);
    return m_pending.size() >= kMaxPendingReceipts;
}

void ReceiptSettler::Step() {
    for (const Transaction& receipt : m_store.Pending())
        Settle(receipt);
}

void ReceiptSettler::Settle(const Transaction& receipt) {
    auto outcome = SubmitAttestation(m_link, HexStr(receipt.Serialize()));
    if (!outcome) return;
    if (!*outcome) {
        LogPrint("agent", "error: " + outcome->error().message);
        return;  // sent again at the next look
    }
    const SubmitOutcome& o = **outcome;
    const std::string what = Describe(receipt, m_params);
    if (o.reason == "already-in-chain") {
        LogPrint("agent", what + ": settled in a block (" + o.txid + ")");
    } else if (o.accepted || o.reason == "already-in-mempool" || IsTransient(o.reason)) {
        // Sent again until a block has it: a node that restarts may lose it.
        if (!m_accepted.insert(receipt.Id()).second) return;
        LogPrint("agent", what + ": receipt " +
                              (o.accepted ? "accepted" : "waits (" + o.reason + ")") + ": " +
                              o.txid);
        return;
    } else {
        LogPrint("agent", what + ": receipt refused (" + o.reason + "): " + o.message);
    }
    m_accepted.erase(receipt.Id());
    m_store.Remove(receipt);
}

}  // namespace maillon
