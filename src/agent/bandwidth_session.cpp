#include "agent/bandwidth_session.h"

#include <algorithm>

#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx_type.h"
#include "consensus/tx_verify.h"

namespace maillon {

namespace {

Status CheckRefHeight(uint64_t ref_height, std::optional<uint64_t> tip, const ChainParams& params) {
    if (!tip) return Status::Ok();
    if (ref_height > *tip + kReceiptRefSlackBlocks) {
        return MakeError("receipt-ref-ahead", "ref_height " + std::to_string(ref_height) +
                                                  " is ahead of the tip, " + std::to_string(*tip));
    }
    const uint64_t margin = params.receipt_window_blocks / 2;
    if (ref_height + margin < *tip) {
        return MakeError("receipt-too-old", "ref_height " + std::to_string(ref_height) +
                                                " is more than " + std::to_string(margin) +
                                                " blocks below the tip, " + std::to_string(*tip) +
                                                ": sign at a recent tip height");
    }
    return Status::Ok();
}

}  // namespace

BandwidthSession::BandwidthSession(const ChainParams& params, const XOnlyPubKey& device,
                                   const BandwidthRequest& request)
    : m_params(params), m_device(device), m_request(request), m_wanted(request.bytes_wanted) {}

size_t BandwidthSession::NextFrameSize() const {
    const uint64_t waiting = m_sent - m_receipted;  // receipts never exceed what was sent
    if (m_sent >= m_wanted || waiting >= kMaxUnreceiptedBytes) return 0;
    return static_cast<size_t>(
        std::min<uint64_t>({kMaxDataBytes, m_wanted - m_sent, kMaxUnreceiptedBytes - waiting}));
}

Status BandwidthSession::TakeReceipt(std::span<const uint8_t> bytes, std::optional<uint64_t> tip) {
    auto tx = DecodeTransaction(bytes);
    if (!tx) return MakeError("bad-tx", tx.error().message);
    if (Status st = CheckReceipt(*tx, tip); !st) return st;
    m_receipted = BandwidthReceiptOf(*tx)->bytes;
    m_last = std::move(*tx);
    return Status::Ok();
}

Status BandwidthSession::CheckReceipt(const Transaction& tx, std::optional<uint64_t> tip) const {
    const BandwidthReceiptPayload* p = BandwidthReceiptOf(tx);
    if (p == nullptr) {
        return MakeError("not-a-receipt",
                         "a " + std::string(tx.Type().Name()) + " is not a bandwidth_receipt");
    }
    if (Status st = CheckTransaction(tx, m_params); !st) return st;
    if (tx.Signers()[0] != m_device || tx.Signers()[1] != m_request.consumer) {
        return MakeError("wrong-signer",
                         "a receipt names this device (index 0) and the session's consumer (1)");
    }
    if (p->session != m_request.session)
        return MakeError("wrong-session", "the receipt is for another session");
    if (p->bytes > m_sent) {
        return MakeError("receipt-exceeds-sent", "the receipt counts " + std::to_string(p->bytes) +
                                                     " bytes; " + std::to_string(m_sent) +
                                                     " were sent");
    }
    if (p->bytes < m_receipted) {
        return MakeError("receipt-goes-back", "the receipt counts " + std::to_string(p->bytes) +
                                                  " bytes, the last one " +
                                                  std::to_string(m_receipted));
    }
    if (Status st = CheckRefHeight(p->ref_height, tip, m_params); !st) return st;
    return CheckSignerSignature(tx, 1);  // the device's is not there yet
}

}  // namespace maillon
