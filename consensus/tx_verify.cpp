#include "consensus/tx_verify.h"

#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

std::optional<Amount> TransactionCost(const Transaction& tx) {
    switch (tx.type) {
        case TxType::kTransfer: {
            auto p = DecodeTransfer(tx.payload);
            if (!p) return std::nullopt;
            return CheckedAdd(p->amount, tx.fee);
        }
    }
    return std::nullopt;
}

Status CheckTransaction(const Transaction& tx, const ChainParams& params, bool check_signature) {
    if (tx.chain_id != params.chain_id) {
        return MakeError("wrong-chain", "transaction is for chain id " +
                                            std::to_string(tx.chain_id) + ", this is the " +
                                            params.name + " network (chain id " +
                                            std::to_string(params.chain_id) + ")");
    }
    if (tx.fee < params.min_tx_fee) {
        return MakeError("fee-too-low", "fee " + std::to_string(tx.fee) +
                                            " units is below the minimum of " +
                                            std::to_string(params.min_tx_fee) + " units (" +
                                            FormatMoney(params.min_tx_fee) + " MLN)");
    }
    switch (tx.type) {
        case TxType::kTransfer: {
            auto p = DecodeTransfer(tx.payload);
            if (!p) return MakeError("bad-payload", p.error().message);
            if (p->amount == 0)
                return MakeError("zero-amount", "a transfer must move a positive amount");
            if (p->to == tx.sender) {
                return MakeError("self-transfer", "sender and recipient are the same address");
            }
            if (!IsValidXOnly(p->to)) {
                return MakeError("bad-recipient", "recipient is not a valid public key");
            }
            break;
        }
    }
    if (!TransactionCost(tx)) {
        return MakeError("amount-overflow", "amount plus fee overflows 64 bits");
    }
    if (check_signature && !VerifySchnorr(tx.sender, tx.SigHash(), tx.signature)) {
        return MakeError("bad-signature",
                         "signature does not verify for the sender's key over this "
                         "transaction's signing hash");
    }
    return Status::Ok();
}

namespace {

// Applies tx to `state`, possibly leaving partial changes on error; the caller
// discards `state` in that case.
Status ApplyUnchecked(const Transaction& tx, const XOnlyPubKey& proposer, AccountOverlay& state) {
    auto sender = state.GetAccount(tx.sender);
    if (!sender) return sender.error();
    if (tx.nonce != sender->nonce) {
        const bool replay = tx.nonce < sender->nonce;
        return MakeError(replay ? "nonce-too-low" : "nonce-too-high",
                         "transaction nonce " + std::to_string(tx.nonce) +
                             " but the sender's next nonce is " + std::to_string(sender->nonce));
    }
    const auto cost = TransactionCost(tx);
    if (!cost) return MakeError("amount-overflow", "amount plus fee overflows 64 bits");
    if (sender->balance < *cost) {
        return MakeError("insufficient-funds", "sender has " + FormatMoney(sender->balance) +
                                                   " MLN, the transaction needs " +
                                                   FormatMoney(*cost) + " MLN (amount + fee)");
    }
    Account new_sender = *sender;
    new_sender.balance -= *cost;
    new_sender.nonce += 1;  // cannot overflow: a nonce is bounded by the number of transactions
    state.SetAccount(tx.sender, new_sender);

    switch (tx.type) {
        case TxType::kTransfer: {
            const TransferPayload p = *DecodeTransfer(tx.payload);
            auto to = state.GetAccount(p.to);
            if (!to) return to.error();
            auto credited = CheckedAdd(to->balance, p.amount);
            if (!credited) {
                return MakeError("amount-overflow", "recipient balance would overflow");
            }
            Account new_to = *to;
            new_to.balance = *credited;
            state.SetAccount(p.to, new_to);
            break;
        }
    }

    auto prop = state.GetAccount(proposer);
    if (!prop) return prop.error();
    Account new_prop = *prop;
    auto with_fee = CheckedAdd(new_prop.balance, tx.fee);
    if (!with_fee) return MakeError("amount-overflow", "proposer balance would overflow");
    new_prop.balance = *with_fee;
    state.SetAccount(proposer, new_prop);
    return Status::Ok();
}

}  // namespace

Status ApplyTransaction(const Transaction& tx, const XOnlyPubKey& proposer, AccountOverlay& state) {
    // Stage on a child overlay so a failure part-way leaves `state` untouched;
    // the proposer, sender and recipient may be the same account.
    AccountOverlay staged(state);
    Status st = ApplyUnchecked(tx, proposer, staged);
    if (!st) return st;
    for (const auto& [address, account] : staged.Changes())
        state.SetAccount(address, account);
    return Status::Ok();
}

}  // namespace maillon
