#include "agent/device_services.h"

#include "util/log.h"

namespace maillon {

Result<std::unique_ptr<DeviceServices>> DeviceServices::Open(const ChainParams& params,
                                                             const AgentConfig& config,
                                                             const PrivKey& device) {
    std::unique_ptr<DeviceServices> s(new DeviceServices(config, device));
    auto chunks = ChunkStore::Open(config.storage_dir, config.max_storage);
    if (!chunks) return chunks.error();
    auto deals = DealBook::Load(config.deals_path, params, device.PubKey());
    if (!deals) return deals.error();
    auto receipts = ReceiptStore::Open(config.receipts_dir, params, device.PubKey());
    if (!receipts) return receipts.error();
    s->m_chunks = std::move(*chunks);
    s->m_deals = std::move(*deals);
    s->m_receipts = std::move(*receipts);
    s->m_handler = std::make_unique<ServiceHandler>(
        params, s->m_device, config.deal_policy,
        ServiceStores{*s->m_chunks, *s->m_deals, *s->m_receipts}, s->m_chain);
    return s;
}

DeviceServices::~DeviceServices() {
    Stop();
}

Status DeviceServices::Start() {
    if (m_config.service_port == 0) {
        LogPrint("service", "no service port (-serviceport=0): storing and serving nothing new");
        return Status::Ok();
    }
    ServiceServerOptions options;
    options.bind_address = m_config.service_bind;
    options.port = m_config.service_port;
    auto server = std::make_unique<ServiceServer>(options, *m_handler);
    if (Status st = server->Start(); !st) return st;
    m_server = std::move(server);
    LogPrint("service", "device services on " + m_config.service_bind + ":" +
                            std::to_string(m_server->Port()) + " (" +
                            std::to_string(m_deals->Deals().size()) + " deals, " +
                            std::to_string(m_receipts->Pending().size()) + " receipts to settle, " +
                            std::to_string(m_chunks->Free()) + " bytes of storage free)");
    return Status::Ok();
}

void DeviceServices::Stop() {
    if (m_server) m_server->Stop();
    m_server.reset();
}

}  // namespace maillon
