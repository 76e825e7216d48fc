// The client's side of a device agent's services, for maillon-cli's
// storefile, fetchfile and bandwidth (doc/agent.md, "The device service
// protocol"). Each step trusts nothing the agent says without checking it:
// its chain id, the deal it co-signs, the chunks it gives back (against the
// root), the bytes it streams (against what was asked for).
#pragma once

#include <cstdint>
#include <vector>

#include "client/file_prep.h"
#include "client/service_client.h"
#include "client/service_protocol.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "crypto/key.h"
#include "util/result.h"

namespace maillon {

// INFO, for this network: "agent-wrong-chain" when the agent serves
// another, "agent-version" when it speaks another protocol version.
Result<InfoReply> AskAgentInfo(ServiceClient& agent, const ChainParams& params);

// Every chunk, in PUT_CHUNKS of at most kMaxChunksPerMessage; the agent must
// say the file is complete after the last ("upload-incomplete").
Status UploadChunks(ServiceClient& agent, const PreparedFile& file);

// SIGN_DEAL: `deal`, signed by its client, with the device's signature
// added. "agent-changed-deal" unless the agent signed this very deal, and
// "bad-signature" unless both signatures verify.
Result<Transaction> CoSignDeal(ServiceClient& agent, const Transaction& deal);

// The stored bytes of `root`, every chunk asked for with GET_CHUNKS, joined;
// "agent-wrong-data" unless they are consistent and lead to `root`.
Result<std::vector<uint8_t>> FetchStoredBytes(ServiceClient& agent, const Hash256& root);

struct BandwidthOutcome {
    uint64_t received = 0;
    End end;  // the agent's last word
};

// A bandwidth session as its consumer: BANDWIDTH for `bytes`, then for each
// DATA a RECEIPT of the running total, signed by `consumer` at ref_height,
// until END. "agent-sent-too-much" if the agent streams more than asked.
Result<BandwidthOutcome> ConsumeBandwidth(ServiceClient& agent, const ChainParams& params,
                                          const PrivKey& consumer, const XOnlyPubKey& device,
                                          const Hash256& session, uint64_t bytes,
                                          uint64_t ref_height);

}  // namespace maillon
