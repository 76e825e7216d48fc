// ServiceHandler: what the agent answers on its service port (doc/agent.md,
// "The device service protocol"), apart from the sockets: the requests INFO,
// PUT_CHUNKS, SIGN_DEAL and GET_CHUNKS, and the start, receipts and end of a
// bandwidth session. agent/service_server.h calls it on the service loop's
// thread; the stores it is given are thread-safe, and ChainView carries
// what the agent's thread learns from the node.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "agent/bandwidth_session.h"
#include "agent/chunk_store.h"
#include "agent/deal_book.h"
#include "agent/deal_terms.h"
#include "agent/receipt_settler.h"
#include "client/service_protocol.h"
#include "consensus/params.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

// The tip height and the device's kinds, as the agent's thread last read
// them; unknown until it does. Thread-safe.
class ChainView {
public:
    void SetTip(uint64_t height) { m_tip = height; }
    std::optional<uint64_t> Tip() const;
    void SetKinds(uint8_t kinds) { m_kinds = kinds; }
    std::optional<uint8_t> Kinds() const;

private:
    static constexpr uint64_t kUnknown = std::numeric_limits<uint64_t>::max();
    std::atomic<uint64_t> m_tip{kUnknown};
    std::atomic<int> m_kinds{-1};
};

// The consumer's data credits at the node's tip, or an error when the node
// cannot say. The service loop waits for the answer.
using CreditsLookup = std::function<Result<uint64_t>(const XOnlyPubKey& consumer)>;

struct ServiceStores {
    ChunkStore& chunks;
    DealBook& deals;
    ReceiptStore& receipts;
};

class ServiceHandler {
public:
    // Everything given must outlive the handler.
    ServiceHandler(const ChainParams& params, const PrivKey& device, const DealPolicy& policy,
                   ServiceStores stores, const ChainView& chain, CreditsLookup credits);

    // INFO, PUT_CHUNKS, SIGN_DEAL or GET_CHUNKS from connection `conn`: the
    // reply, an ERROR when the request cannot be done.
    ServiceMessage Handle(uint64_t conn, const ServiceMessage& request);
    // BANDWIDTH. Errors: "kind-not-offered", "consumer-is-device", "busy"
    // (too many receipts wait to be settled, or the consumer's credits
    // cannot be read), "insufficient-credits" (they pay for fewer bytes
    // than asked for).
    Result<BandwidthSession> StartSession(const BandwidthRequest& request) const;
    // A RECEIPT of the session (BandwidthSession::TakeReceipt).
    Status TakeReceipt(BandwidthSession& session, const Receipt& receipt) const;
    // The session ended (`why`: "complete", "receipts-stopped", "closed",
    // ...): the device co-signs its last receipt and records it, to be
    // settled by the agent's thread. Logs the session.
    void EndSession(const BandwidthSession& session, const std::string& why);
    // The connection closed: its unfinished uploads are deleted.
    void Closed(uint64_t conn);

private:
    ServiceMessage Info() const;
    ServiceMessage Put(uint64_t conn, const PutChunks& put);
    ServiceMessage Sign(const SignDeal& request);
    ServiceMessage Get(const GetChunks& get) const;
    Status CheckKind(uint8_t kind) const;

    const ChainParams& m_params;
    const PrivKey& m_device;
    const DealPolicy m_policy;
    ServiceStores m_stores;
    const ChainView& m_chain;
    const CreditsLookup m_credits;
};

}  // namespace maillon
