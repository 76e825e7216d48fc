#include "node/tx_intake.h"

#include "consensus/tx_type.h"
#include "consensus/tx_verify.h"
#include "util/strencodings.h"
#include "util/time.h"

namespace maillon {

namespace {

// Whether a refusal of `tx` belongs in its device's rejection log. Only
// refusals made after its signatures verified: anyone can send a badly
// signed or malformed transaction naming any device. A duplicate is no
// fault of the device (an agent resending after a lost reply), nor is this
// node's storage failing.
bool IsDevicesFault(const Transaction& tx, const Error& e, const ChainParams& params) {
    if (e.IsStorageFailure() || e.code == "already-in-mempool" || e.code == "bad-signature")
        return false;
    // The mempool checks these before the signatures: cheap to redo.
    return CheckTransaction(tx, params).ok();
}

}  // namespace

Result<Hash256> AcceptTransaction(const NodeContext& node, const Transaction& tx,
                                  std::optional<uint64_t> from_peer) {
    auto found = node.chain->FindTransaction(tx.Id());
    if (!found) return found.error();
    if (found->has_value()) {
        return MakeError("already-in-chain", "transaction " + HexStr(tx.Id()) + " is in block " +
                                                 std::to_string((*found)->height));
    }
    auto id = node.mempool->Add(tx, *node.chain, NowMs());
    if (!id && IsAttestation(tx.Type()) && node.rejections &&
        IsDevicesFault(tx, id.error(), node.chain->Params()))
        node.rejections->Record(tx.Payer(), id.error(), NowMs());
    if (id && node.connman) node.connman->RelayTx(tx, from_peer);
    return id;
}

}  // namespace maillon
