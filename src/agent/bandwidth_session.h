// BandwidthSession: one bandwidth session on the agent's side (doc/agent.md,
// BANDWIDTH): how many bytes the next DATA frame may carry, and whether a
// RECEIPT the consumer sends is one the device can settle. Pure; used by the
// service loop's thread.
//
// At most kMaxUnreceiptedBytes wait for a receipt at any time, so a
// consumer that stops signing receipts stops the stream within that many
// bytes; it stops for good once bytes_wanted are sent.
// Each receipt carries the running total the consumer received; the last
// good one is the one the device co-signs and settles at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "client/service_protocol.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

inline constexpr uint64_t kMaxUnreceiptedBytes = 256 * 1024;
// A receipt may name a block this many blocks above the tip the agent last
// saw (its node may be behind the consumer's).
inline constexpr uint64_t kReceiptRefSlackBlocks = 10;

class BandwidthSession {
public:
    BandwidthSession(const ChainParams& params, const XOnlyPubKey& device,
                     const BandwidthRequest& request);

    // Bytes for the next DATA frame (at most kMaxDataBytes, and no more than
    // keeps kMaxUnreceiptedBytes waiting for a receipt); 0 when all that was
    // asked for is sent, or that many wait.
    size_t NextFrameSize() const;
    void Sent(size_t bytes) { m_sent += bytes; }

    // Takes a RECEIPT: it becomes the one to settle when it decodes
    // ("bad-tx"), is a bandwidth_receipt ("not-a-receipt") that passes the
    // chain's stateless rules (their reason codes: "wrong-chain",
    // "zero-amount", ...), of this device and consumer ("wrong-signer") and
    // session ("wrong-session"), for a total no more than the bytes sent
    // ("receipt-exceeds-sent") and no less than the last receipt's
    // ("receipt-goes-back"), naming a recent block ("receipt-ref-ahead",
    // "receipt-too-old": more than half the chain's receipt window below
    // `tip`, so that it has time to reach a block; unchecked without a tip),
    // and the consumer's signature verifies ("bad-signature").
    Status TakeReceipt(std::span<const uint8_t> bytes, std::optional<uint64_t> tip);

    // Everything asked for was sent and receipted.
    bool Complete() const { return m_sent == m_wanted && m_receipted == m_sent; }
    uint64_t BytesSent() const { return m_sent; }
    uint64_t BytesReceipted() const { return m_receipted; }
    const BandwidthRequest& Request() const { return m_request; }
    // The last good receipt, signed by the consumer only.
    const std::optional<Transaction>& LastReceipt() const { return m_last; }

private:
    Status CheckReceipt(const Transaction& tx, std::optional<uint64_t> tip) const;

    const ChainParams& m_params;
    const XOnlyPubKey m_device;
    const BandwidthRequest m_request;
    const uint64_t m_wanted;
    uint64_t m_sent = 0;
    uint64_t m_receipted = 0;
    std::optional<Transaction> m_last;
};

}  // namespace maillon
