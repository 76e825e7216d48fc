// DeviceServices: the storage and bandwidth side of the agent, put
// together: the stores (stored files, the deals signed, the receipts to
// settle), what the agent's thread tells the service loop about the chain,
// and the service port (agent/service_server.h) with its handler. The
// agent's thread does the rest, with the stores: proofs (agent/
// storage_prover.h) and settlements (agent/receipt_settler.h).
//
// Open and Start before the agent's thread runs, Stop after it ended; the
// stores and the chain view are thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "agent/agent_config.h"
#include "agent/chunk_store.h"
#include "agent/deal_book.h"
#include "agent/receipt_settler.h"
#include "agent/service_handler.h"
#include "agent/service_server.h"
#include "common/args.h"
#include "consensus/params.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

class DeviceServices {
public:
    // Opens the stores in the network's directory; the node (`args`' RPC
    // options) is asked for consumers' credits. `args` and `config` must
    // outlive the services. Errors: the stores' ("state-corrupt",
    // "file-io", ...), each naming its file.
    static Result<std::unique_ptr<DeviceServices>> Open(const Args& args, const AgentConfig& config,
                                                        const PrivKey& device);
    ~DeviceServices();

    // Deletes the stored files no signed deal holds (uploads whose deal was
    // never asked for), then listens on -servicebind:-serviceport, unless
    // -serviceport=0 (logged either way). Errors: ServiceServer::Start's.
    Status Start();
    // Ends the sessions in progress (settling their receipts) and closes the port.
    void Stop();
    // The port listened on; 0 when none.
    uint16_t Port() const { return m_server ? m_server->Port() : 0; }

    ChunkStore& Chunks() { return *m_chunks; }
    DealBook& Deals() { return *m_deals; }
    ReceiptStore& Receipts() { return *m_receipts; }
    ChainView& Chain() { return m_chain; }

private:
    DeviceServices(const AgentConfig& config, const PrivKey& device)
        : m_config(config), m_device(device) {}
    void DeleteUnclaimed();

    const AgentConfig& m_config;
    const PrivKey m_device;
    std::unique_ptr<ChunkStore> m_chunks;
    std::unique_ptr<DealBook> m_deals;
    std::unique_ptr<ReceiptStore> m_receipts;
    ChainView m_chain;
    std::unique_ptr<ServiceHandler> m_handler;
    std::unique_ptr<ServiceServer> m_server;
};

}  // namespace maillon
