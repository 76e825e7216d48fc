#include "consensus/tx/buy_credits.h"

#include <array>
#include <string>

#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "util/overflow.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

constexpr std::array<Role, 1> kRoles = {Role::kSender};
constexpr std::array<JsonField, 1> kFields = {{
    {"amount", JsonKind::kAmount, "base units burned"},
}};

class BuyCredits final : public TxTypeOf<BuyCreditsPayload> {
public:
    uint8_t Id() const override { return kBuyCreditsTypeId; }
    std::string_view Name() const override { return "buy_credits"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kMinimumFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAccountNonce; }

    Status Check(const Transaction& tx, const ChainParams& params) const override {
        const auto& p = tx.Payload<BuyCreditsPayload>();
        if (p.amount == 0)
            return MakeError("zero-amount", "buy_credits must burn a positive amount");
        if (!CheckedMul(p.amount, params.credits_per_unit)) {
            return MakeError("amount-overflow", "burning " + FormatMoney(p.amount) +
                                                    " MLN would buy more credits than a u64 holds");
        }
        return Status::Ok();
    }

    Amount Cost(const Transaction& tx, const ChainParams&) const override {
        return tx.Payload<BuyCreditsPayload>().amount;
    }

    Status Apply(const Transaction& tx, const BlockContext& ctx,
                 StateOverlay& state) const override {
        const Amount amount = tx.Payload<BuyCreditsPayload>().amount;
        auto buyer = GetAccount(state, tx.Payer());
        if (!buyer) return buyer.error();
        auto bought = CheckedMul(amount, ctx.params.credits_per_unit);
        auto credits = bought ? CheckedAdd(buyer->credits, *bought) : std::nullopt;
        if (!credits) return MakeError("amount-overflow", "the buyer's credits would overflow");
        buyer->credits = *credits;
        Status st = PutAccount(state, tx.Payer(), *buyer);
        if (!st) return st;
        auto supply = GetSupply(state);
        if (!supply) return supply.error();
        auto burned = CheckedAdd(supply->burned, amount);
        if (!burned) return MakeError("amount-overflow", "burned supply would overflow");
        supply->burned = *burned;
        return PutSupply(state, *supply);
    }

    std::span<const JsonField> PayloadFields() const override { return kFields; }
    void PayloadJson(const Transaction& tx, std::string_view, rapidjson::Value& out,
                     JsonAlloc& a) const override {
        AddJsonUInt(out, "amount", tx.Payload<BuyCreditsPayload>().amount, a);
    }
};

}  // namespace

void BuyCreditsPayload::Write(Writer& w) const {
    w.U64(amount);
}

bool BuyCreditsPayload::Read(Reader& r, BuyCreditsPayload& p) {
    return r.U64(p.amount, "buy_credits.amount");
}

const TxType& BuyCreditsType() {
    static const BuyCredits kType;
    return kType;
}

const BuyCreditsPayload* BuyCreditsOf(const Transaction& tx) {
    return tx.TypeId() == kBuyCreditsTypeId ? &tx.Payload<BuyCreditsPayload>() : nullptr;
}

Transaction UnsignedBuyCredits(uint32_t chain_id, const XOnlyPubKey& buyer, Amount amount,
                               Amount fee, uint64_t nonce) {
    auto payload = std::make_shared<BuyCreditsPayload>();
    payload->amount = amount;
    return MakeUnsigned(kBuyCreditsTypeId, chain_id, {buyer}, std::move(payload), fee, nonce);
}

}  // namespace maillon
