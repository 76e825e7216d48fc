// bandwidth_receipt (type 6, an attestation): a device served `bytes` to a
// consumer in one session, and the consumer pays for them in data credits.
// During a session the consumer signs running totals; the device submits
// only the last, so one receipt settles a session of any length.
// Roles: device (pays nothing), consumer (signs the total it received).
// Payload: session [32] (chosen by the consumer, unique per session) |
// bytes u64 | ref_height u64 (the tip height when the consumer signed).
// Rules: bytes > 0; the device is registered, not retired and offers
// bandwidth; ref_height is below the including block and at most
// params.receipt_window_blocks before it ("receipt-too-old"); the consumer is
// not the device's owner ("self-dealing"); the (consumer, device, session)
// triple was never settled ("session-already-settled"); the consumer has the
// credits.
// Effect: the consumer's credits -= ceil(bytes /
// params.bandwidth_bytes_per_credit); a settled-session record; bytes and
// the credits in the device's contribution for the including block's epoch
// and in that epoch's totals. Replay key: (consumer, device, session).
#pragma once

#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/hash.h"
#include "serialize/codec.h"

namespace maillon {

class TxType;

inline constexpr uint8_t kBandwidthReceiptTypeId = 6;

struct BandwidthReceiptPayload final : TxPayload {
    Hash256 session{};
    uint64_t bytes = 0;
    uint64_t ref_height = 0;

    void Write(Writer& w) const override;
    static bool Read(Reader& r, BandwidthReceiptPayload& p);
};

const TxType& BandwidthReceiptType();

const BandwidthReceiptPayload* BandwidthReceiptOf(const Transaction& tx);

// Credits a receipt for `bytes` burns: ceil(bytes / bytes_per_credit).
uint64_t BandwidthCredits(uint64_t bytes, const ChainParams& params);

// An unsigned receipt: the consumer signs it (Sign(1, ...)) at each running
// total, the device adds its signature (Sign(0, ...)) to the last one.
Transaction UnsignedBandwidthReceipt(uint32_t chain_id, const XOnlyPubKey& device,
                                     const XOnlyPubKey& consumer, const Hash256& session,
                                     uint64_t bytes, uint64_t ref_height);

}  // namespace maillon
