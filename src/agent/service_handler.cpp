#include "agent/service_handler.h"

#include "client/cli_params.h"
#include "consensus/records.h"
#include "consensus/tx/storage_deal.h"
#include "primitives/address.h"
#include "util/log.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

ServiceMessage Refusal(const Error& e) {
    return MakeErrorReply(e);
}

}  // namespace

std::optional<uint64_t> ChainView::Tip() const {
    const uint64_t tip = m_tip;
    return tip == kUnknown ? std::nullopt : std::optional<uint64_t>(tip);
}

std::optional<uint8_t> ChainView::Kinds() const {
    const int kinds = m_kinds;
    return kinds < 0 ? std::nullopt : std::optional<uint8_t>(static_cast<uint8_t>(kinds));
}

ServiceHandler::ServiceHandler(const ChainParams& params, const PrivKey& device,
                               const DealPolicy& policy, ServiceStores stores,
                               const ChainView& chain, CreditsLookup credits)
    : m_params(params),
      m_device(device),
      m_policy(policy),
      m_stores(stores),
      m_chain(chain),
      m_credits(std::move(credits)) {}

ServiceMessage ServiceHandler::Handle(uint64_t conn, const ServiceMessage& request) {
    if (std::holds_alternative<InfoRequest>(request)) return Info();
    if (const auto* put = std::get_if<PutChunks>(&request)) return Put(conn, *put);
    if (const auto* sign = std::get_if<SignDeal>(&request)) return Sign(*sign);
    if (const auto* get = std::get_if<GetChunks>(&request)) return Get(*get);
    return Refusal(
        MakeError("unexpected-message-type",
                  ServiceMsgName(static_cast<uint8_t>(TypeOf(request))) + " is not a request"));
}

// Before the agent knows the device's kinds, nothing is refused for them.
Status ServiceHandler::CheckKind(uint8_t kind) const {
    const auto kinds = m_chain.Kinds();
    if (!kinds || (*kinds & kind) != 0) return Status::Ok();
    return MakeError("kind-not-offered", "device " +
                                             EncodeAddress(m_params.hrp, m_device.PubKey()) +
                                             " does not offer " + FormatDeviceKinds(kind));
}

ServiceMessage ServiceHandler::Info() const {
    InfoReply info;
    info.chain_id = m_params.chain_id;
    info.device = m_device.PubKey();
    info.min_price = m_policy.min_price;
    info.max_deal_epochs = m_policy.max_deal_epochs;
    info.storage_free = m_stores.chunks.Free();
    return info;
}

ServiceMessage ServiceHandler::Put(uint64_t conn, const PutChunks& put) {
    if (Status st = CheckKind(kDeviceStorage); !st) return Refusal(st.error());
    const bool held = m_stores.chunks.Find(put.data_root).has_value();
    auto ok = m_stores.chunks.Put(conn, put);
    if (!ok) return Refusal(ok.error());
    if (ok->complete && !held) {
        LogPrint("agent", "stored " + std::to_string(put.size) + " bytes with root " +
                              HexStr(put.data_root) + " (" + std::to_string(ok->held) +
                              " chunks of " + std::to_string(put.chunk_size) + ")");
    }
    return *ok;
}

ServiceMessage ServiceHandler::Sign(const SignDeal& request) {
    if (Status st = CheckKind(kDeviceStorage); !st) return Refusal(st.error());
    auto deal = CheckDealToSign(m_params, m_device.PubKey(), m_policy, m_stores.chunks, request.tx);
    if (!deal) return Refusal(deal.error());
    if (auto known = m_stores.deals.FindBySigHash(deal->SigHash());
        known && !known->tx_hex.empty()) {
        LogPrint("agent", "deal " + HexStr(known->deal) + " asked for again: signed already");
        return SignedDeal{*ParseHex(known->tx_hex)};
    }
    const auto tip = m_chain.Tip();
    if (!tip) {
        return Refusal(MakeError(ErrorKind::kPolicy, "busy",
                                 "the agent has not read the chain's tip yet; try again later"));
    }
    const Transaction signed_tx = deal->Sign(1, m_device);
    const StorageDealPayload& terms = *StorageDealOf(signed_tx);
    // Recorded first: the device must prove every deal it signed.
    if (Status st = m_stores.deals.Add(RecordSignedDeal(signed_tx, *tip)); !st)
        return Refusal(st.error());
    LogPrint("agent", "signed deal " + HexStr(signed_tx.Id()) + " with client " +
                          EncodeAddress(m_params.hrp, signed_tx.Payer()) + ": " +
                          std::to_string(terms.size) + " bytes with root " +
                          HexStr(terms.data_root) + " for " +
                          std::to_string(terms.duration_epochs) + " epochs at " +
                          std::to_string(terms.price) + " credits per byte and epoch");
    return SignedDeal{signed_tx.Serialize()};
}

ServiceMessage ServiceHandler::Get(const GetChunks& get) const {
    auto chunks = m_stores.chunks.Read(get.data_root, get.first_index, get.count);
    if (!chunks) return Refusal(chunks.error());
    return *chunks;
}

Result<BandwidthSession> ServiceHandler::StartSession(const BandwidthRequest& request) const {
    if (Status st = CheckKind(kDeviceBandwidth); !st) return st.error();
    if (request.consumer == m_device.PubKey())
        return MakeError("consumer-is-device", "a device cannot pay itself for bandwidth");
    if (m_stores.receipts.Full()) {
        return MakeError(ErrorKind::kPolicy, "busy",
                         "too many sessions wait to be settled; try again later");
    }
    // Checked before the first byte: a consumer whose credits cannot pay
    // the receipts would have the device serve for nothing.
    auto credits = m_credits(request.consumer);
    if (!credits) {
        return MakeError(ErrorKind::kPolicy, "busy",
                         "the consumer's credits cannot be read from the node (" +
                             credits.error().message + "); try again later");
    }
    const uint64_t covered =
        CheckedMul(*credits, m_params.bandwidth_bytes_per_credit).value_or(UINT64_MAX);
    if (covered < request.bytes_wanted) {
        return MakeError(ErrorKind::kPolicy, "insufficient-credits",
                         "consumer " + EncodeAddress(m_params.hrp, request.consumer) + " has " +
                             std::to_string(*credits) + " credits: they pay for " +
                             std::to_string(covered) + " bytes, fewer than the " +
                             std::to_string(request.bytes_wanted) + " asked for");
    }
    return BandwidthSession(m_params, m_device.PubKey(), request);
}

Status ServiceHandler::TakeReceipt(BandwidthSession& session, const Receipt& receipt) const {
    return session.TakeReceipt(receipt.tx, m_chain.Tip());
}

void ServiceHandler::EndSession(const BandwidthSession& session, const std::string& why) {
    std::string line = "bandwidth session " + HexStr(session.Request().session) + " of consumer " +
                       EncodeAddress(m_params.hrp, session.Request().consumer) + " ended (" + why +
                       "): " + std::to_string(session.BytesSent()) + " bytes sent, " +
                       std::to_string(session.BytesReceipted()) + " receipted";
    if (!session.LastReceipt()) {
        LogPrint("agent", line + "; nothing to settle");
        return;
    }
    // Recorded before the agent's thread sends it (ReceiptSettler).
    const Transaction settled = session.LastReceipt()->Sign(0, m_device);
    if (Status st = m_stores.receipts.Add(settled); !st) {
        LogPrint("agent", line + "; error: " + st.error().message + ": not settled");
        return;
    }
    LogPrint("agent", line + "; settling receipt " + HexStr(settled.Id()));
}

void ServiceHandler::Closed(uint64_t conn) {
    m_stores.chunks.Abandon(conn);
}

}  // namespace maillon
