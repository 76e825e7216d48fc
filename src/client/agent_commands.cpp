#include "client/agent_commands.h"

#include <algorithm>

#include "consensus/chunk_tree.h"
#include "consensus/tx/bandwidth_receipt.h"
#include "consensus/tx_verify.h"

namespace maillon {

namespace {

Error WrongData(const std::string& what) {
    return MakeError("agent-wrong-data", "the agent's chunks " + what);
}

// One CHUNKS reply, checked against what was asked and the replies before.
Status CheckChunks(const Chunks& got, uint64_t first, const std::optional<Chunks>& head) {
    const uint64_t count = ChunkCount(got.size, got.chunk_size);
    if (count == 0 || count > kMaxDealChunks) return WrongData("describe no deal's file");
    if (head && (got.size != head->size || got.chunk_size != head->chunk_size))
        return WrongData("change the file's size or chunk size");
    if (got.first_index != first || got.chunks.size() > count - first)
        return WrongData("are not the ones asked for");
    for (size_t i = 0; i < got.chunks.size(); ++i) {
        const uint64_t index = first + i;
        const uint64_t want =
            index + 1 < count ? got.chunk_size : got.size - (count - 1) * got.chunk_size;
        if (got.chunks[i].size() != want) return WrongData("have the wrong lengths");
    }
    return Status::Ok();
}

}  // namespace

Result<InfoReply> AskAgentInfo(ServiceClient& agent, const ChainParams& params) {
    auto reply = agent.Call(InfoRequest{}, ServiceMsg::kInfoReply);
    if (!reply) return reply.error();
    const InfoReply& info = std::get<InfoReply>(*reply);
    if (info.version != kServiceProtocolVersion) {
        return MakeError("agent-version", "the agent speaks protocol version " +
                                              std::to_string(info.version) + ", not " +
                                              std::to_string(kServiceProtocolVersion));
    }
    if (info.chain_id != params.chain_id) {
        return MakeError("agent-wrong-chain", "the agent serves chain id " +
                                                  std::to_string(info.chain_id) + ", not the " +
                                                  params.name + " network's " +
                                                  std::to_string(params.chain_id));
    }
    return info;
}

Status UploadChunks(ServiceClient& agent, const PreparedFile& file) {
    PutOk last;
    for (uint64_t first = 0; first < file.chunks.size(); first += kMaxChunksPerMessage) {
        const uint64_t end = std::min<uint64_t>(file.chunks.size(), first + kMaxChunksPerMessage);
        PutChunks put{file.root, file.size, file.chunk_size, first,
                      ChunkList(file.chunks.begin() + first, file.chunks.begin() + end)};
        auto reply = agent.Call(put, ServiceMsg::kOk);
        if (!reply) return reply.error();
        last = std::get<PutOk>(*reply);
    }
    if (!last.complete) {
        return MakeError("upload-incomplete", "the agent holds " + std::to_string(last.held) +
                                                  " of the " + std::to_string(file.chunks.size()) +
                                                  " chunks after the last");
    }
    return Status::Ok();
}

Result<Transaction> CoSignDeal(ServiceClient& agent, const Transaction& deal) {
    auto reply = agent.Call(SignDeal{deal.Serialize()}, ServiceMsg::kSigned);
    if (!reply) return reply.error();
    auto tx = DecodeTransaction(std::get<SignedDeal>(*reply).tx);
    if (!tx) return MakeError("agent-changed-deal", "the agent's deal: " + tx.error().message);
    if (tx->SigHash() != deal.SigHash() || tx->Signatures()[0] != deal.Signatures()[0])
        return MakeError("agent-changed-deal", "the agent signed another deal than this one");
    if (Status st = CheckTransactionSignatures(*tx); !st) return st.error();
    return tx;
}

Result<std::vector<uint8_t>> FetchStoredBytes(ServiceClient& agent, const Hash256& root) {
    std::optional<Chunks> head;
    std::vector<Hash256> leaves;
    std::vector<uint8_t> stored;
    for (uint64_t first = 0; !head || first < ChunkCount(head->size, head->chunk_size);) {
        auto reply = agent.Call(GetChunks{root, first, kMaxChunksPerMessage}, ServiceMsg::kChunks);
        if (!reply) return reply.error();
        const Chunks& got = std::get<Chunks>(*reply);
        if (Status st = CheckChunks(got, first, head); !st) return st.error();
        for (const auto& chunk : got.chunks) {
            leaves.push_back(ChunkLeafHash(leaves.size(), chunk));
            stored.insert(stored.end(), chunk.begin(), chunk.end());
        }
        first += got.chunks.size();
        if (!head) head = Chunks{got.size, got.chunk_size, 0, {}};
    }
    if (ChunkRoot(leaves) != root) return WrongData("do not lead to the root asked for");
    return stored;
}

Result<BandwidthOutcome> ConsumeBandwidth(ServiceClient& agent, const ChainParams& params,
                                          const PrivKey& consumer, const XOnlyPubKey& device,
                                          const Hash256& session, uint64_t bytes,
                                          uint64_t ref_height) {
    if (Status st = agent.Send(BandwidthRequest{session, consumer.PubKey(), bytes}); !st)
        return st.error();
    BandwidthOutcome out;
    for (;;) {
        auto message = agent.Receive();
        if (!message) return message.error();
        if (const auto* e = std::get_if<ErrorReply>(&*message)) return AgentError(*e);
        if (const auto* end = std::get_if<End>(&*message)) {
            out.end = *end;
            return out;
        }
        const auto* data = std::get_if<Data>(&*message);
        if (data == nullptr) {
            return MakeError("unexpected-reply",
                             "the agent sent " +
                                 ServiceMsgName(static_cast<uint8_t>(TypeOf(*message))) +
                                 " during a bandwidth session");
        }
        out.received += data->bytes.size();
        if (out.received > bytes) {
            return MakeError("agent-sent-too-much", "the agent sent more than the " +
                                                        std::to_string(bytes) + " bytes asked for");
        }
        const Transaction receipt =
            UnsignedBandwidthReceipt(params.chain_id, device, consumer.PubKey(), session,
                                     out.received, ref_height)
                .Sign(1, consumer);
        if (Status st = agent.Send(Receipt{receipt.Serialize()}); !st) return st.error();
    }
}

}  // namespace maillon
