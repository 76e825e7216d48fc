#include "client/proof_check.h"

#include <algorithm>
#include <utility>

#include "consensus/state_proof.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

Error Bad(const std::string& what) {
    return MakeError("bad-proof", "proof rejected: " + what);
}

Result<std::vector<uint8_t>> HexField(const rapidjson::Value& reply, const char* name) {
    auto it = reply.FindMember(name);
    if (it == reply.MemberEnd() || !it->value.IsString())
        return Bad(std::string("missing field ") + name);
    auto bytes = ParseHex(it->value.GetString());
    if (!bytes) return Bad(std::string(name) + " is not hex");
    return *bytes;
}

// The header's finality: genesis is fixed by the parameters; any other
// header needs a certificate of the trusted set it commits to.
Status CheckFinal(const ChainParams& params, const BlockHeader& header, const Hash256& hash,
                  const rapidjson::Value& reply) {
    if (header.height == 0) {
        if (hash != params.genesis_hash)
            return Bad("height-0 header is not this network's genesis");
        return Status::Ok();
    }
    auto set_bytes = HexField(reply, "validators");
    if (!set_bytes) return set_bytes.error();
    auto set = ValidatorSet::Decode(*set_bytes);
    if (!set) return Bad("validators: " + set.error().message);
    if (set->Hash() != header.validators_hash) {
        return Bad("the validator set does not hash to the header's validators_hash");
    }
    auto trusted = ValidatorSet::Make(params.genesis_validators);
    if (!trusted || *set != *trusted) {
        return Bad("the header's validator set is not the " + params.name +
                   " network's genesis set, the one this client trusts");
    }
    auto cert_bytes = HexField(reply, "certificate");
    if (!cert_bytes) return cert_bytes.error();
    auto cert = CommitCertificate::Decode(*cert_bytes);
    if (!cert) return Bad("certificate: " + cert.error().message);
    Status st = VerifyCommit(*cert, *set, params.chain_id, header.height, hash);
    if (!st) return Bad(st.error().message);
    return Status::Ok();
}

}  // namespace

uint64_t HeaderAgeSeconds(const BlockHeader& header, uint64_t now_ms) {
    return now_ms > header.time_ms ? (now_ms - header.time_ms) / 1000 : 0;  // rounds down
}

Status CheckProofAge(const BlockHeader& header, uint64_t now_ms, uint64_t max_age_s) {
    const uint64_t age = HeaderAgeSeconds(header, now_ms);
    if (age <= max_age_s) return Status::Ok();
    return MakeError("stale-proof", "the proof is of block " + std::to_string(header.height) +
                                        ", made " + FormatIsoTime(header.time_ms) + ", " +
                                        std::to_string(age) +
                                        " s ago, more than -maxage=" + std::to_string(max_age_s) +
                                        " s: the node is behind or not telling the truth. Ask "
                                        "another node, or pass a larger -maxage or a height to "
                                        "accept an older state");
}

Result<VerifiedAccount> VerifyProofReply(const ChainParams& params, const XOnlyPubKey& address,
                                         const rapidjson::Value& reply,
                                         std::optional<uint64_t> height) {
    if (!reply.IsObject()) return Bad("reply is not an object");
    auto header_bytes = HexField(reply, "header");
    if (!header_bytes) return header_bytes.error();
    auto header = DecodeBlockHeader(*header_bytes);
    if (!header) return Bad("header: " + header.error().message);
    auto hash = HexField(reply, "blockhash");
    if (!hash) return hash.error();
    const Hash256 computed = header->Hash();
    if (*hash != std::vector<uint8_t>(computed.begin(), computed.end())) {
        return Bad("header does not hash to the reported block hash");
    }
    if (header->chain_id != params.chain_id) return Bad("header is from another network");
    if (height && header->height != *height) {
        return Bad("the node returned a proof for height " + std::to_string(header->height) +
                   ", not the requested " + std::to_string(*height));
    }
    Status final_st = CheckFinal(params, *header, computed, reply);
    if (!final_st) return final_st.error();
    auto proof_bytes = HexField(reply, "proof");
    if (!proof_bytes) return proof_bytes.error();
    auto proof = StateProof::Deserialize(*proof_bytes);
    if (!proof) return Bad("proof: " + proof.error().message);
    auto value = VerifyStateProof(header->state_root, AccountKey(address), *proof);
    if (!value) return Bad(value.error().message);

    VerifiedAccount out{*header, std::nullopt};
    if (value->has_value()) {
        auto acct = Account::Decode(**value);
        if (!acct) return Bad("proven account: " + acct.error().message);
        if (acct->IsEmpty()) return Bad("the proven account is all zero, which no state stores");
        out.account = *acct;
    }
    // The informative copies must say what was checked.
    const Hash256 key = AccountKey(address);
    for (const auto& [name, expected] :
         {std::pair{"key", std::span<const uint8_t>(key)},
          std::pair{"state_root", std::span<const uint8_t>(header->state_root)}}) {
        auto reported = HexField(reply, name);
        if (!reported) return reported.error();
        if (!std::equal(reported->begin(), reported->end(), expected.begin(), expected.end())) {
            return Bad(std::string("the reported ") + name + " is not the one proven");
        }
    }
    // The reply's readable account must be the proven one.
    auto reported = reply.FindMember("account");
    if (reported == reply.MemberEnd()) return Bad("missing field account");
    if (reported->value.IsNull() != !out.account.has_value()) {
        return Bad("reported presence of the account contradicts the proof");
    }
    if (out.account) {
        const auto& v = reported->value;
        auto field = [&](const char* n) -> std::optional<uint64_t> {
            auto f = v.FindMember(n);
            if (f == v.MemberEnd() || !f->value.IsUint64()) return std::nullopt;
            return f->value.GetUint64();
        };
        if (!v.IsObject() || field("balance") != out.account->balance ||
            field("nonce") != out.account->nonce || field("credits") != out.account->credits) {
            return Bad("reported account differs from the proven one");
        }
    }
    return out;
}

}  // namespace maillon
