#include "agent/device_services.h"

#include "agent/node_reply.h"
#include "primitives/address.h"
#include "util/log.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

// A new client for each call (a restarted node has a new cookie), with a
// short timeout: the service loop waits for the answer.
CreditsLookup NodeCredits(const Args& args, RpcClientDefaults defaults) {
    defaults.timeout_s = 5;
    return [&args, defaults](const XOnlyPubKey& consumer) -> Result<uint64_t> {
        auto client = RpcClient::FromArgs(args, defaults);
        if (!client) return client.error();
        rapidjson::Document params(rapidjson::kArrayType);
        const std::string address = EncodeAddress(args.Params().hrp, consumer);
        params.PushBack(rapidjson::Value(address.c_str(), params.GetAllocator()),
                        params.GetAllocator());
        rapidjson::Document result;
        RpcCallError error;
        if (!client->Call("getcredits", params, result, error))
            return MakeError(ErrorKind::kIo, "node-unreachable", "getcredits: " + error.message);
        return ParseCredits(result);
    };
}

}  // namespace

Result<std::unique_ptr<DeviceServices>> DeviceServices::Open(const Args& args,
                                                             const AgentConfig& config,
                                                             const PrivKey& device) {
    const ChainParams& params = args.Params();
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
    s->m_handler =
        std::make_unique<ServiceHandler>(params, s->m_device, config.deal_policy,
                                         ServiceStores{*s->m_chunks, *s->m_deals, *s->m_receipts},
                                         s->m_chain, NodeCredits(args, config.rpc));
    return s;
}

DeviceServices::~DeviceServices() {
    Stop();
}

// Files uploaded for deals that were never signed: their clients are gone.
void DeviceServices::DeleteUnclaimed() {
    for (const Hash256& root : m_chunks->Roots()) {
        if (m_deals->HasRoot(root)) continue;
        m_chunks->Remove(root);
        LogPrint("service",
                 "deleted the stored bytes with root " + HexStr(root) + ": no deal holds them");
    }
}

Status DeviceServices::Start() {
    DeleteUnclaimed();
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
