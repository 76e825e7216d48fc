// Transaction validity rules. Pure functions: no I/O, no clock, no globals.
//
// CheckTransaction covers everything decidable from the transaction and the
// chain parameters alone; signatures are queued as jobs
// (AddTransactionSignatures) and checked in a batch; ApplyTransaction covers
// what depends on state and performs the state change. The same code runs at
// mempool entry, in block assembly and in block validation. Every failure is
// an Error whose code is a stable reason (doc/protocol.md lists them with
// their RPC codes) and whose message says what to fix.
#pragma once

#include <optional>

#include "consensus/block_context.h"
#include "consensus/params.h"
#include "consensus/signature_batch.h"
#include "consensus/state.h"
#include "consensus/transaction.h"
#include "util/result.h"

namespace maillon {

// The envelope's rules (chain id, fee policy, distinct signers, cost plus fee
// within 64 bits), then the type's own payload rules.
Status CheckTransaction(const Transaction& tx, const ChainParams& params);

// One job per role: signer i's signature over SigHash(), all under `owner`.
void AddTransactionSignatures(const Transaction& tx, uint64_t owner, SignatureSink& sigs);
// Every role's signature, in a batch of its own; "bad-signature" names the
// first role whose signature does not verify.
Status CheckTransactionSignatures(const Transaction& tx);
// Signer `index`'s signature alone (index < the signer count), as a co-signer
// checks the ones made before its own: "bad-signature" as above.
Status CheckSignerSignature(const Transaction& tx, size_t index);

// What the payer's balance must cover: the type's cost plus the fee, or
// nullopt on overflow.
std::optional<Amount> PayerDebit(const Transaction& tx, const ChainParams& params);

// The replay rule (the payer's nonce), the payer's funds, then the effects:
// the payer pays PayerDebit and its nonce advances, the fee goes to
// ctx.proposer, then the type applies its own change. Staged on a child of
// `state`: on error `state` is unchanged. Costs O(what the transaction
// touches).
Status ApplyTransaction(const BlockContext& ctx, const Transaction& tx, StateOverlay& state);

}  // namespace maillon
