// How a transaction enters this node, whoever sends it (an RPC client, a
// P2P peer): it is not in a block already ("already-in-chain"), the mempool
// takes it (its errors), an attestation's refusal after its signatures
// verified goes to the device's rejection log, and an accepted one is
// relayed to the P2P peers (all but the one it came from). Thread-safe as
// the mempool and the chain are.
#pragma once

#include <cstdint>
#include <optional>

#include "consensus/transaction.h"
#include "node/rpc_methods.h"
#include "util/result.h"

namespace maillon {

Result<Hash256> AcceptTransaction(const NodeContext& node, const Transaction& tx,
                                  std::optional<uint64_t> from_peer = std::nullopt);

}  // namespace maillon
