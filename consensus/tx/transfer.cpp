#include "consensus/tx/transfer.h"

#include <array>

#include "consensus/records.h"
#include "consensus/tx_type.h"
#include "util/overflow.h"

namespace maillon {

namespace {

constexpr std::array<Role, 1> kRoles = {Role::kSender};
constexpr std::array<JsonField, 2> kFields = {{
    {"to", JsonKind::kAddress, "recipient"},
    {"amount", JsonKind::kAmount, "base units"},
}};

class Transfer final : public TxTypeOf<TransferPayload> {
public:
    uint8_t Id() const override { return kTransferTypeId; }
    std::string_view Name() const override { return "transfer"; }
    std::span<const Role> Roles() const override { return kRoles; }
    FeePolicy Fees() const override { return FeePolicy::kMinimumFee; }
    ReplayPolicy Replay() const override { return ReplayPolicy::kAccountNonce; }

    Status Check(const Transaction& tx, const ChainParams&) const override {
        const auto& p = tx.Payload<TransferPayload>();
        if (p.amount == 0)
            return MakeError("zero-amount", "a transfer must move a positive amount");
        if (p.to == tx.Payer()) {
            return MakeError("self-transfer", "sender and recipient are the same address");
        }
        if (!IsValidXOnly(p.to)) {
            return MakeError("bad-recipient", "recipient is not a valid public key");
        }
        return Status::Ok();
    }

    Amount Cost(const Transaction& tx, const ChainParams&) const override {
        return tx.Payload<TransferPayload>().amount;
    }

    Status Apply(const Transaction& tx, const BlockContext&, StateOverlay& state) const override {
        const auto& p = tx.Payload<TransferPayload>();
        auto to = GetAccount(state, p.to);
        if (!to) return to.error();
        auto credited = CheckedAdd(to->balance, p.amount);
        if (!credited) return MakeError("amount-overflow", "recipient balance would overflow");
        to->balance = *credited;
        return PutAccount(state, p.to, *to);
    }

    std::vector<std::pair<XOnlyPubKey, Amount>> Credits(const Transaction& tx) const override {
        const auto& p = tx.Payload<TransferPayload>();
        return {{p.to, p.amount}};
    }

    std::span<const JsonField> PayloadFields() const override { return kFields; }
    void PayloadJson(const Transaction& tx, std::string_view hrp, rapidjson::Value& out,
                     JsonAlloc& a) const override {
        const auto& p = tx.Payload<TransferPayload>();
        AddJsonAddress(out, "to", p.to, hrp, a);
        AddJsonUInt(out, "amount", p.amount, a);
    }
};

}  // namespace

void TransferPayload::Write(Writer& w) const {
    w.Raw(to);
    w.U64(amount);
}

bool TransferPayload::Read(Reader& r, TransferPayload& p) {
    r.Array(p.to, "transfer.to");
    return r.U64(p.amount, "transfer.amount");
}

const TxType& TransferType() {
    static const Transfer kType;
    return kType;
}

const TransferPayload* TransferOf(const Transaction& tx) {
    return tx.TypeId() == kTransferTypeId ? &tx.Payload<TransferPayload>() : nullptr;
}

Transaction UnsignedTransfer(uint32_t chain_id, const XOnlyPubKey& sender, const XOnlyPubKey& to,
                             Amount amount, Amount fee, uint64_t nonce) {
    auto payload = std::make_shared<TransferPayload>();
    payload->to = to;
    payload->amount = amount;
    return MakeUnsigned(kTransferTypeId, chain_id, {sender}, std::move(payload), fee, nonce);
}

}  // namespace maillon
