#include "consensus/params.h"

#include <cstdlib>
#include <string_view>

#include "crypto/hash_tags.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

Hash256 HashFromHex(std::string_view hex) {
    auto bytes = ParseHex(hex);
    if (!bytes || bytes->size() != 32) std::abort();
    Hash256 h;
    std::copy(bytes->begin(), bytes->end(), h.begin());
    return h;
}

std::array<uint8_t, 32> DevSecret() {
    constexpr std::string_view kSeed = "maillon dev validator 0";
    return TaggedHash(Tag::kDevKey, {reinterpret_cast<const uint8_t*>(kSeed.data()), kSeed.size()});
}

ChainParams MainParams() {
    ChainParams p;
    p.network = Network::kMain;
    p.name = "main";
    p.hrp = "mln";
    p.chain_id = 1;
    p.data_dir = "";
    p.default_port = 7330;
    p.default_rpc_port = 7331;
    p.default_service_port = 7332;
    p.genesis_time_ms = 1'798'761'600'000;  // 2027-01-01T00:00:00Z
    p.genesis_hash =
        HashFromHex("4a2ce44414600ebadecaa13489cb378ed66b901d79c526c06eabf40a5a1df8b7");
    // Launch allocations and the initial validator set are fixed at launch,
    // with the P2P and staking work; until then main has an empty state.
    p.max_block_bytes = 3 * 1024 * 1024;
    p.max_block_txs = 10'000;
    p.max_block_attestations = 8'000;
    p.max_block_attestation_bytes = 1024 * 1024;
    p.epoch_blocks = 17'280;  // a day of 5 s blocks
    p.recent_block_hashes = 256;
    p.min_tx_fee = 1'000;
    p.device_bond = 100 * kCoin;
    p.device_unbond_blocks = 120'960;  // a week of 5 s blocks
    p.credits_per_unit = 1;
    p.heartbeat_interval_blocks = 720;  // an hour
    p.heartbeat_max_age_blocks = 60;
    p.receipt_window_blocks = 17'280;  // a day
    p.bandwidth_bytes_per_credit = 1024;
    p.max_deal_epochs = 3'650;
    p.storage_proof_window_blocks = 240;  // 20 minutes
    p.max_proposal_clock_drift_ms = 15'000;
    p.default_block_interval_ms = 5'000;
    p.rewards.max_supply = 84'000'000 * kCoin;
    p.rewards.initial_epoch_emission = 20'000 * kCoin;  // a day's
    p.rewards.halving_epochs = 1'461;                   // four years of days
    p.rewards.pool_bps = {2'000, 3'000, 3'000, 2'000};
    p.rewards.owner_cap_bps = 1'000;  // 10% of a pool
    return p;
}

ChainParams TestParams() {
    ChainParams p = MainParams();
    p.network = Network::kTest;
    p.name = "test";
    p.hrp = "tmln";
    p.chain_id = 2;
    p.data_dir = "testnet";
    p.default_port = 17330;
    p.default_rpc_port = 17331;
    p.default_service_port = 17332;
    p.genesis_time_ms = 1'795'046'400'000;  // 2026-11-19T00:00:00Z
    p.genesis_hash =
        HashFromHex("e242449e0a78fc30f0e46cf3089425e25cf64502eea543b2d2828b8f0878a2e5");
    return p;
}

ChainParams DevParams() {
    ChainParams p = MainParams();
    p.network = Network::kDev;
    p.name = "dev";
    p.hrp = "dmln";
    p.chain_id = 3;
    p.data_dir = "dev";
    p.default_port = 27330;
    p.default_rpc_port = 27331;
    p.default_service_port = 27332;
    p.genesis_time_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
    p.genesis_hash =
        HashFromHex("d6e8a43be33a010ada51e65c723a8c47728c7a81dd9dca6358ace30407df458d");
    const XOnlyPubKey dev = DevKey().PubKey();
    p.genesis_allocations = {{dev, 1'000'000 * kCoin}};
    p.genesis_validators = {{dev, 10'000 * kCoin}};
    p.epoch_blocks = 60;  // a minute of 1 s blocks
    p.device_bond = 10 * kCoin;
    p.device_unbond_blocks = 10;
    p.heartbeat_interval_blocks = 10;
    p.heartbeat_max_age_blocks = 5;
    p.receipt_window_blocks = 60;
    p.storage_proof_window_blocks = 20;
    p.default_block_interval_ms = 1'000;
    p.rewards.initial_epoch_emission = 1'000 * kCoin;
    p.rewards.halving_epochs = 100;
    p.rewards.owner_cap_bps = 5'000;  // half a pool: a dev chain has few devices
    return p;
}

}  // namespace

const ChainParams& GetParams(Network network) {
    static const ChainParams kMain = MainParams();
    static const ChainParams kTest = TestParams();
    static const ChainParams kDev = DevParams();
    switch (network) {
        case Network::kMain:
            return kMain;
        case Network::kTest:
            return kTest;
        case Network::kDev:
            return kDev;
    }
    std::abort();
}

PrivKey DevKey() {
    auto key = PrivKey::FromBytes(DevSecret());
    if (!key) std::abort();  // a tagged hash is a valid scalar with overwhelming probability
    return *key;
}

}  // namespace maillon
