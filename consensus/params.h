// Chain parameters: everything that differs between networks, in one place.
// Values are compiled in; a node selects one set at start-up and never
// changes it. Thread-safe: the returned objects are immutable.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "consensus/validator_set.h"
#include "crypto/key.h"
#include "primitives/amount.h"

namespace maillon {

enum class Network { kMain, kTest, kDev };

struct GenesisAllocation {
    XOnlyPubKey address;
    Amount amount;
};

// Emission and its pools (doc/protocol.md §11). Pool indices: 0 validators,
// 1 bandwidth, 2 storage, 3 uptime (consensus/rewards.h names them).
struct RewardParams {
    // Genesis plus everything ever minted (or owed) stays at or below this
    // (< 2^53, so that every amount is exact in a JSON number).
    Amount max_supply;
    Amount initial_epoch_emission;  // epoch 0's, before halvings
    uint64_t halving_epochs;        // the emission halves every this many epochs (>= 1)
    // Each pool's part of an epoch's emission, in basis points (sum 10,000).
    std::array<uint64_t, 4> pool_bps;
    // The most of one contributor pool an owner's devices get together, in
    // basis points of the pool.
    uint64_t owner_cap_bps;
};

struct ChainParams {
    Network network;
    std::string name;      // "main", "test", "dev"
    std::string hrp;       // address prefix
    uint32_t chain_id;     // signed into every transaction, vote and header
    std::string data_dir;  // sub-directory of -datadir ("" for main)
    uint16_t default_port;
    uint16_t default_rpc_port;
    uint16_t default_service_port;  // maillon-agent's device services (doc/agent.md)

    uint64_t genesis_time_ms;
    Hash256 genesis_hash;  // hash of the genesis header; checked when a chain is created
    std::vector<GenesisAllocation> genesis_allocations;  // sorted by address, unique
    // The first validator set; each validator's power is stake locked at
    // genesis (counted in the supply's genesis and locked amounts).
    std::vector<Validator> genesis_validators;

    uint64_t max_block_bytes;  // serialized block size limit
    uint64_t max_block_txs;    // limit on transactions that are not attestations
    // Room a block reserves for attestations (heartbeat, bandwidth_receipt,
    // storage_proof): at most this many, of at most this many bytes in all.
    // Other transactions may use at most max_block_bytes minus the
    // attestation bytes, so neither kind can crowd out the other.
    uint64_t max_block_attestations;
    uint64_t max_block_attestation_bytes;
    // The most transactions of both lanes a block can hold: what a decoder
    // bounds a block's count by.
    uint64_t MaxBlockTxCount() const { return max_block_txs + max_block_attestations; }
    uint64_t epoch_blocks;  // blocks per epoch (>= 1)
    // How many of the latest block hashes rules may refer to (BlockContext).
    uint64_t recent_block_hashes;
    Amount min_tx_fee;   // per transaction, in base units
    Amount device_bond;  // locked from the owner by register_device
    // Blocks between a device's retirement and the release of its bond.
    uint64_t device_unbond_blocks;
    // Data credits buy_credits gives per base unit burned.
    uint64_t credits_per_unit;
    // Heartbeats: one per device per interval of this many blocks, naming a
    // block at most heartbeat_max_age_blocks old (<= the interval and <=
    // recent_block_hashes).
    uint64_t heartbeat_interval_blocks;
    uint64_t heartbeat_max_age_blocks;
    // Bandwidth receipts: one names the block height its consumer signed it
    // at, at most this many blocks before the including block.
    uint64_t receipt_window_blocks;
    // Bytes one data credit pays for; a receipt burns ceil(bytes / this).
    uint64_t bandwidth_bytes_per_credit;
    // Storage: deals last at most max_deal_epochs; the proof of epoch e is
    // included in blocks e * epoch_blocks + 1 ..
    // e * epoch_blocks + storage_proof_window_blocks (<= recent_block_hashes).
    uint64_t max_deal_epochs;
    uint64_t storage_proof_window_blocks;
    // A proposal whose time runs further ahead of the local clock gets no
    // vote (CheckProposalTime). Never applied to committed blocks.
    uint64_t max_proposal_clock_drift_ms;
    RewardParams rewards;
    uint64_t default_block_interval_ms;  // block production timer
};

const ChainParams& GetParams(Network network);

// The dev network's single validator and funded account. Its secret is
// public knowledge (like other dev chains' test accounts): never use it for
// anything of value.
PrivKey DevKey();

}  // namespace maillon
