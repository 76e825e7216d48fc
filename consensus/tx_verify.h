// Transaction validity rules. Pure functions: no I/O, no clock, no globals.
//
// CheckTransaction covers everything decidable from the transaction and the
// chain parameters alone (chain id, fee floor, payload rules, overflow, the
// signature); ApplyTransaction covers what depends on state (nonce, balance)
// and performs the state change on an overlay. The same code runs at mempool
// entry and in block validation. Every failure is an Error whose code is a
// stable reason string (listed in doc/protocol.md) and whose message says what
// to fix.
#pragma once

#include "consensus/params.h"
#include "consensus/state_view.h"
#include "primitives/transaction.h"
#include "util/result.h"

namespace maillon {

// Everything but state. `check_signature` is false only when the caller has
// already verified this exact transaction's signature (signature cache).
Status CheckTransaction(const Transaction& tx, const ChainParams& params,
                        bool check_signature = true);

// Checks the sender's nonce and balance against `state` and applies the
// transaction: debits amount + fee from the sender, bumps its nonce, credits
// the recipient and the fee to `proposer`. Leaves `state` unchanged on error.
Status ApplyTransaction(const Transaction& tx, const XOnlyPubKey& proposer, AccountOverlay& state);

// Total the sender pays (amount + fee); nullopt on overflow.
std::optional<Amount> TransactionCost(const Transaction& tx);

}  // namespace maillon
