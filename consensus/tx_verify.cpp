#include "consensus/tx_verify.h"

#include <set>
#include <string>

#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

// The payer's nonce and funds, then every effect, on `state` (a child the
// caller discards on error).
Status ApplyUnchecked(const BlockContext& ctx, const Transaction& tx, StateOverlay& state) {
    // An attestation pays nothing and has no nonce: only its type's rules.
    if (IsAttestation(tx.Type())) return tx.Type().Apply(tx, ctx, state);
    auto payer = GetAccount(state, tx.Payer());
    if (!payer) return payer.error();
    switch (tx.Type().Replay()) {
        case ReplayPolicy::kAttestation:
            break;
        case ReplayPolicy::kAccountNonce:
            if (tx.Nonce() != payer->nonce) {
                const bool replay = tx.Nonce() < payer->nonce;
                return MakeError(replay ? "nonce-too-low" : "nonce-too-high",
                                 "transaction nonce " + std::to_string(tx.Nonce()) + " but the " +
                                     std::string(RoleName(tx.Type().Roles()[0])) +
                                     "'s next nonce is " + std::to_string(payer->nonce));
            }
            payer->nonce += 1;  // bounded by the number of transactions: cannot overflow
            break;
    }
    const auto debit = PayerDebit(tx, ctx.params);
    if (!debit) return MakeError("amount-overflow", "cost plus fee overflows 64 bits");
    if (payer->balance < *debit) {
        return MakeError("insufficient-funds",
                         "the " + std::string(RoleName(tx.Type().Roles()[0])) + " has " +
                             FormatMoney(payer->balance) + " MLN, the transaction needs " +
                             FormatMoney(*debit) + " MLN (cost + fee)");
    }
    payer->balance -= *debit;
    Status st = PutAccount(state, tx.Payer(), *payer);
    if (!st) return st;

    auto proposer = GetAccount(state, ctx.proposer);
    if (!proposer) return proposer.error();
    auto with_fee = CheckedAdd(proposer->balance, tx.Fee());
    if (!with_fee) return MakeError("amount-overflow", "proposer balance would overflow");
    proposer->balance = *with_fee;
    st = PutAccount(state, ctx.proposer, *proposer);
    if (!st) return st;

    return tx.Type().Apply(tx, ctx, state);
}

Error BadSignature(const Transaction& tx, size_t role) {
    return MakeError("bad-signature", "the " + std::string(RoleName(tx.Type().Roles()[role])) +
                                          "'s signature does not verify for its key over this "
                                          "transaction's signing hash");
}

}  // namespace

Status CheckTransaction(const Transaction& tx, const ChainParams& params) {
    if (tx.ChainId() != params.chain_id) {
        return MakeError("wrong-chain", "transaction is for chain id " +
                                            std::to_string(tx.ChainId()) + ", this is the " +
                                            params.name + " network (chain id " +
                                            std::to_string(params.chain_id) + ")");
    }
    switch (tx.Type().Fees()) {
        case FeePolicy::kMinimumFee:
            if (tx.Fee() < params.min_tx_fee) {
                return MakeError("fee-too-low", "fee " + std::to_string(tx.Fee()) +
                                                    " units is below the minimum of " +
                                                    std::to_string(params.min_tx_fee) + " units (" +
                                                    FormatMoney(params.min_tx_fee) + " MLN)");
            }
            break;
        case FeePolicy::kNoFee:
            if (tx.Fee() != 0) {
                return MakeError("fee-not-allowed", "a " + std::string(tx.Type().Name()) +
                                                        " pays no fee; set the fee to 0 (it was " +
                                                        std::to_string(tx.Fee()) + " units)");
            }
            break;
    }
    if (IsAttestation(tx.Type()) && tx.Nonce() != 0) {
        return MakeError("nonce-not-allowed", "a " + std::string(tx.Type().Name()) +
                                                  " has no nonce; set it to 0 (it was " +
                                                  std::to_string(tx.Nonce()) + ")");
    }
    std::set<XOnlyPubKey> keys(tx.Signers().begin(), tx.Signers().end());
    if (keys.size() != tx.Signers().size()) {
        return MakeError("duplicate-signer", "one key signs in two roles; each role needs its own");
    }
    Status st = tx.Type().Check(tx, params);
    if (!st) return st;
    if (!PayerDebit(tx, params)) {
        return MakeError("amount-overflow", "cost plus fee overflows 64 bits");
    }
    return Status::Ok();
}

void AddTransactionSignatures(const Transaction& tx, uint64_t owner, SignatureSink& sigs) {
    for (size_t i = 0; i < tx.Signers().size(); ++i)
        sigs.Add(owner, tx.Signers()[i], tx.SigHash(), tx.Signatures()[i]);
}

Status CheckTransactionSignatures(const Transaction& tx) {
    SignatureBatch batch;
    for (size_t i = 0; i < tx.Signers().size(); ++i)
        batch.Add(i, tx.Signers()[i], tx.SigHash(), tx.Signatures()[i]);
    if (auto role = batch.FirstFailure()) return BadSignature(tx, *role);
    return Status::Ok();
}

Status CheckSignerSignature(const Transaction& tx, size_t index) {
    auto key = ParsedPubKey::Parse(tx.Signers()[index]);
    if (!key || !key->Verify(tx.SigHash(), tx.Signatures()[index])) return BadSignature(tx, index);
    return Status::Ok();
}

std::optional<Amount> PayerDebit(const Transaction& tx, const ChainParams& params) {
    return CheckedAdd(tx.Type().Cost(tx, params), tx.Fee());
}

Status ApplyTransaction(const BlockContext& ctx, const Transaction& tx, StateOverlay& state) {
    StateOverlay staged = state.Child();
    Status st = ApplyUnchecked(ctx, tx, staged);
    if (!st) return st;
    std::move(staged).MergeInto(state);
    return Status::Ok();
}

}  // namespace maillon
