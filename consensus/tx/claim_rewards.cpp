#include "consensus/tx/claim_rewards.h"

#include <array>

#include "consensus/epoch_rewards.h"
#include "consensus/tx_type.h"

namespace maillon {

namespace {

constexpr std::array<Role, 1> kRoles = {Role::kSender};

class ClaimRewardsTx final : public TxTypeOf<ClaimRewardsPayload> {
public:
    uint8_t Id() const override { return kClaimRewardsTypeId; }
    std::string_view Name() const override { return "claim_rewards"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kMinimumFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAccountNonce; }

    Status Check(const Transaction&, const ChainParams&) const override { return Status::Ok(); }
    Amount Cost(const Transaction&, const ChainParams&) const override { return 0; }

    Status Apply(const Transaction& tx, const BlockContext& ctx,
                 StateOverlay& state) const override {
        auto paid = maillon::ClaimRewards(state, ctx.params, tx.Payer(), ctx.Epoch());
        if (!paid) return paid.error();
        return Status::Ok();
    }

    std::span<const JsonField> PayloadFields() const override { return {}; }
    void PayloadJson(const Transaction&, std::string_view, rapidjson::Value&,
                     JsonAlloc&) const override {}
};

}  // namespace

const TxType& ClaimRewardsType() {
    static const ClaimRewardsTx kType;
    return kType;
}

Transaction UnsignedClaimRewards(uint32_t chain_id, const XOnlyPubKey& owner, Amount fee,
                                 uint64_t nonce) {
    return MakeUnsigned(kClaimRewardsTypeId, chain_id, {owner},
                        std::make_shared<ClaimRewardsPayload>(), fee, nonce);
}

}  // namespace maillon
