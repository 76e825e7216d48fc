// VerifyProofReply against real getproof replies (RpcTable + the node's
// methods over a LevelDB chain), and against doctored copies of them.
#include <boost/test/unit_test.hpp>

#include <functional>

#include "chain/chain.h"
#include "chain/mempool.h"
#include "client/proof_check.h"
#include "consensus/commit.h"
#include "node/rpc_methods.h"
#include "primitives/address.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using maillon::test::Dev;
using maillon::test::ErrorText;
using maillon::test::TempDir;

struct ProofFixture {
    TempDir dir;
    std::unique_ptr<Chain> chain;
    std::unique_ptr<Mempool> mempool;
    NodeContext ctx;
    RpcTable table;
    XOnlyPubKey carol = PrivKey::Generate().PubKey();

    ProofFixture() {
        auto c = Chain::Open(dir.File("chain"), Dev());
        BOOST_REQUIRE(c.ok());
        chain = std::move(*c);
        mempool = std::make_unique<Mempool>(Dev(), MempoolLimits{});
        ctx.chain = chain.get();
        ctx.mempool = mempool.get();
        RegisterNodeRpcMethods(table, ctx);

        // One block paying carol, so she has a leaf.
        const Transaction tx = test::MakeTransfer(DevKey(), carol, 5 * kCoin);
        const uint64_t now = chain->Tip().time_ms + 1000;
        auto block = test::ProduceDevBlock(*chain, {tx}, now);
        BOOST_REQUIRE_MESSAGE(block.ok(), ErrorText(block));
    }

    rapidjson::Document GetProof(const XOnlyPubKey& who, std::optional<uint64_t> height = {}) {
        rapidjson::Document params(rapidjson::kArrayType);
        auto& a = params.GetAllocator();
        params.PushBack(rapidjson::Value(EncodeAddress(Dev().hrp, who).c_str(), a), a);
        if (height) params.PushBack(*height, a);
        rapidjson::Document result;
        auto err = table.Execute("getproof", params, result);
        BOOST_REQUIRE_MESSAGE(!err.has_value(), (err ? err->message : std::string()));
        return result;
    }
};

void SetString(rapidjson::Document& d, const char* field, const std::string& v) {
    d[field].SetString(v.c_str(), d.GetAllocator());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(proof_check_tests, ProofFixture)

BOOST_AUTO_TEST_CASE(honest_replies_verify) {
    auto present = VerifyProofReply(Dev(), carol, GetProof(carol));
    BOOST_REQUIRE_MESSAGE(present.ok(), ErrorText(present));
    BOOST_REQUIRE(present->account.has_value());
    BOOST_CHECK_EQUAL(present->account->balance, 5 * kCoin);
    BOOST_CHECK_EQUAL(present->header.height, 1u);

    auto at_genesis = VerifyProofReply(Dev(), carol, GetProof(carol, 0));
    BOOST_REQUIRE_MESSAGE(at_genesis.ok(), ErrorText(at_genesis));
    BOOST_CHECK(!at_genesis->account.has_value());

    const XOnlyPubKey stranger = PrivKey::Generate().PubKey();
    auto absent = VerifyProofReply(Dev(), stranger, GetProof(stranger));
    BOOST_REQUIRE_MESSAGE(absent.ok(), ErrorText(absent));
    BOOST_CHECK(!absent->account.has_value());
}

BOOST_AUTO_TEST_CASE(doctored_replies_fail) {
    {  // a richer balance than proven
        auto d = GetProof(carol);
        d["account"]["balance"].SetUint64(6 * kCoin);
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("differs from the proven") !=
                    std::string::npos);
    }
    {  // claims absence of a present account
        auto d = GetProof(carol);
        d["account"].SetNull();
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("contradicts") !=
                    std::string::npos);
    }
    {  // someone else's proof
        const XOnlyPubKey dev = DevKey().PubKey();
        auto d = GetProof(dev);
        BOOST_CHECK(!VerifyProofReply(Dev(), carol, d).ok());
    }
    {  // a header with another state root no longer hashes to the block hash
        auto d = GetProof(carol);
        std::string header = d["header"].GetString();
        header[440] = header[440] == '0' ? '1' : '0';
        SetString(d, "header", header);
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("does not hash") !=
                    std::string::npos);
    }
    const PrivKey forger = PrivKey::Generate();
    auto forged_header = [&](rapidjson::Document& d, const std::function<void(BlockHeader&)>& f) {
        auto header = DecodeBlockHeader(*ParseHex(d["header"].GetString()));
        BOOST_REQUIRE(header.ok());
        f(*header);
        SetString(d, "header", HexStr(header->Serialize()));
        SetString(d, "blockhash", HexStr(header->Hash()));
        return *header;
    };
    {  // a header with another state root, rehashed: the certificate is not for it
        auto d = GetProof(carol);
        forged_header(d, [](BlockHeader& h) { h.state_root[0] ^= 1; });
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("commit certificate") !=
                    std::string::npos);
    }
    {  // a forged header and certificate, signed by a set of the forger's own
        auto d = GetProof(carol);
        auto set = ValidatorSet::Make({{forger.PubKey(), 1}});
        BOOST_REQUIRE(set.ok());
        const BlockHeader h =
            forged_header(d, [&](BlockHeader& x) { x.validators_hash = set->Hash(); });
        const PrivKey keys[] = {forger};
        auto cert = SignCommit(*set, Dev().chain_id, h.height, 0, h.Hash(), keys);
        BOOST_REQUIRE(cert.ok());
        SetString(d, "validators", HexStr(set->Encode()));
        SetString(d, "certificate", HexStr(cert->Encode()));
        BOOST_CHECK_MESSAGE(ErrorText(VerifyProofReply(Dev(), carol, d))
                                    .find("not the dev network's genesis set") != std::string::npos,
                            ErrorText(VerifyProofReply(Dev(), carol, d)));
    }
    {  // the right set, but the certificate's signature is not the validator's
        auto d = GetProof(carol);
        auto cert = CommitCertificate::Decode(*ParseHex(d["certificate"].GetString()));
        BOOST_REQUIRE(cert.ok());
        cert->signatures[0].sig = forger.Sign(Sha256(std::vector<uint8_t>{1}));
        SetString(d, "certificate", HexStr(cert->Encode()));
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("does not verify") !=
                    std::string::npos);
        cert->signatures.clear();
        SetString(d, "certificate", HexStr(cert->Encode()));
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("two thirds") !=
                    std::string::npos);
    }
    {  // a validator set that does not hash to the header's
        auto d = GetProof(carol);
        auto set = ValidatorSet::Make({{forger.PubKey(), 1}});
        SetString(d, "validators", HexStr(set->Encode()));
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("validators_hash") !=
                    std::string::npos);
    }
    {  // a tampered proof
        auto d = GetProof(carol);
        std::string proof = d["proof"].GetString();
        proof.back() = proof.back() == '0' ? '1' : '0';
        SetString(d, "proof", proof);
        BOOST_CHECK(!VerifyProofReply(Dev(), carol, d).ok());
    }
    {  // informative copies that say something else than what is proven
        auto d = GetProof(carol);
        SetString(d, "state_root", std::string(64, 'a'));
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("state_root is not") !=
                    std::string::npos);
        d = GetProof(carol);
        SetString(d, "key", HexStr(AccountKey(DevKey().PubKey())));
        BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, d)).find("key is not") !=
                    std::string::npos);
    }
    {  // another network
        BOOST_CHECK(ErrorText(VerifyProofReply(GetParams(Network::kTest), carol, GetProof(carol)))
                        .find("another network") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(height_must_be_the_requested_one) {
    // A node answering an old height with the tip's (valid, signed) proof
    // would show a current balance as a past one.
    const auto tip = GetProof(carol);
    BOOST_CHECK(VerifyProofReply(Dev(), carol, tip).ok());
    BOOST_CHECK(VerifyProofReply(Dev(), carol, tip, 1).ok());
    BOOST_CHECK_EQUAL(ErrorText(VerifyProofReply(Dev(), carol, tip, 0)),
                      "proof rejected: the node returned a proof for height 1, not the "
                      "requested 0");
    const auto genesis = GetProof(carol, 0);
    BOOST_CHECK(VerifyProofReply(Dev(), carol, genesis, 0).ok());
    BOOST_CHECK(ErrorText(VerifyProofReply(Dev(), carol, genesis, 7))
                    .find("for height 0, not the requested 7") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_current_state_proof_must_be_recent) {
    BlockHeader header;
    header.height = 17;
    header.time_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z
    const uint64_t max_age = kDefaultMaxProofAgeSeconds;
    const uint64_t at_limit = header.time_ms + max_age * 1000 + 999;
    BOOST_CHECK_EQUAL(HeaderAgeSeconds(header, at_limit), max_age);
    BOOST_CHECK(CheckProofAge(header, at_limit, max_age).ok());
    // Clocks differ: a header ahead of the local clock is not stale.
    BOOST_CHECK_EQUAL(HeaderAgeSeconds(header, header.time_ms - 5'000), 0u);
    BOOST_CHECK(CheckProofAge(header, header.time_ms - 5'000, 0).ok());
    BOOST_CHECK_EQUAL(ErrorText(CheckProofAge(header, at_limit + 1, max_age)),
                      "the proof is of block 17, made 2026-01-01T00:00:00.000Z, 301 s ago, more "
                      "than -maxage=300 s: the node is behind or not telling the truth. Ask "
                      "another node, or pass a larger -maxage or a height to accept an older "
                      "state");
}

BOOST_AUTO_TEST_SUITE_END()
