// Validator sets, votes and commit certificates (encoding, hashing, quorum,
// signatures) and the signature batch they are checked through.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "consensus/commit.h"
#include "consensus/signature_batch.h"
#include "consensus/validator_set.h"
#include "crypto/hash_tags.h"
#include "serialize/codec.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using maillon::test::Code;
using maillon::test::TestKey;

std::vector<PrivKey> Keys(size_t n) {
    std::vector<PrivKey> keys;
    for (size_t i = 0; i < n; ++i)
        keys.push_back(TestKey(300 + i));
    return keys;
}

ValidatorSet SetOf(const std::vector<PrivKey>& keys, const std::vector<uint64_t>& powers) {
    std::vector<Validator> v;
    for (size_t i = 0; i < keys.size(); ++i)
        v.push_back({keys[i].PubKey(), powers[i]});
    auto set = ValidatorSet::Make(v);
    BOOST_REQUIRE_MESSAGE(set, test::ErrorText(set));
    return *set;
}

const Hash256 kBlock = Sha256(std::vector<uint8_t>{42});

}  // namespace

BOOST_AUTO_TEST_SUITE(commit_tests)

BOOST_AUTO_TEST_CASE(validator_set_rules_and_encoding) {
    const auto keys = Keys(3);
    const ValidatorSet set = SetOf(keys, {10, 20, 30});
    BOOST_CHECK_EQUAL(set.Size(), 3U);
    BOOST_CHECK_EQUAL(set.TotalPower(), 60U);
    // Sorted by key, whatever the input order.
    for (size_t i = 1; i < set.Size(); ++i)
        BOOST_CHECK(set.Validators()[i - 1].key < set.Validators()[i].key);
    for (const PrivKey& k : keys) {
        const auto index = set.IndexOf(k.PubKey());
        BOOST_REQUIRE(index);
        BOOST_CHECK(set.Validators()[*index].key == k.PubKey());
    }
    BOOST_CHECK(!set.IndexOf(TestKey(1).PubKey()));

    const auto bytes = set.Encode();
    BOOST_REQUIRE_EQUAL(bytes.size(), 1U + 3 * 40);
    BOOST_CHECK_EQUAL(bytes[0], 3);
    auto back = ValidatorSet::Decode(bytes);
    BOOST_REQUIRE_MESSAGE(back, test::ErrorText(back));
    BOOST_CHECK(*back == set);
    BOOST_CHECK(set.Hash() == TaggedHash("MaillonValidatorSet", bytes));
    BOOST_CHECK(SetOf(keys, {10, 20, 31}).Hash() != set.Hash());

    // Make refuses what no set may hold.
    BOOST_CHECK_EQUAL(Code(ValidatorSet::Make({{keys[0].PubKey(), 1}, {keys[0].PubKey(), 2}})),
                      "bad-validator-set");
    BOOST_CHECK_EQUAL(Code(ValidatorSet::Make({{keys[0].PubKey(), 0}})), "bad-validator-set");
    BOOST_CHECK_EQUAL(
        Code(ValidatorSet::Make({{keys[0].PubKey(), kMaxTotalVotingPower}, {keys[1].PubKey(), 1}})),
        "bad-validator-set");
    std::vector<Validator> too_many;
    for (size_t i = 0; i <= kMaxValidators; ++i)
        too_many.push_back({TestKey(1000 + i).PubKey(), 1});
    BOOST_CHECK_EQUAL(Code(ValidatorSet::Make(too_many)), "bad-validator-set");

    // Decode refuses non-canonical encodings: unsorted, zero power, truncated,
    // trailing, a count over the limit.
    auto unsorted = bytes;
    std::swap_ranges(unsorted.begin() + 1, unsorted.begin() + 41, unsorted.begin() + 41);
    BOOST_CHECK(ValidatorSet::Decode(unsorted).error().message.find("strictly ascending") !=
                std::string::npos);
    auto zero = bytes;
    std::fill(zero.begin() + 33, zero.begin() + 41, 0);
    BOOST_CHECK(ValidatorSet::Decode(zero).error().message.find("at least 1") != std::string::npos);
    for (size_t len = 0; len < bytes.size(); ++len)
        BOOST_CHECK(!ValidatorSet::Decode(std::span(bytes.data(), len)));
    auto trailing = bytes;
    trailing.push_back(0);
    BOOST_CHECK(!ValidatorSet::Decode(trailing));
    Writer w;
    w.VarInt(kMaxValidators + 1);
    BOOST_CHECK(ValidatorSet::Decode(w.Data()).error().message.find("exceeds limit") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(quorum_is_more_than_two_thirds) {
    const auto keys = Keys(4);
    const ValidatorSet set = SetOf(keys, {1, 1, 1, 1});
    BOOST_CHECK(!set.IsQuorum(2));
    BOOST_CHECK(set.IsQuorum(3));  // 3 * 3 > 2 * 4
    const ValidatorSet three = SetOf(Keys(3), {1, 1, 1});
    BOOST_CHECK(!three.IsQuorum(2));  // exactly two thirds is not enough
    BOOST_CHECK(three.IsQuorum(3));
    const ValidatorSet big = SetOf(Keys(2), {kMaxTotalVotingPower / 2, kMaxTotalVotingPower / 2});
    BOOST_CHECK(big.IsQuorum(kMaxTotalVotingPower));  // no overflow at the top
    BOOST_CHECK(!big.IsQuorum(kMaxTotalVotingPower / 2));
}

BOOST_AUTO_TEST_CASE(vote_hash_covers_every_field) {
    const Hash256 base = VoteHash(3, kVotePrecommit, 7, 0, kBlock);
    Writer w;
    w.U32(3);
    w.U8(kVotePrecommit);
    w.U64(7);
    w.U32(0);
    w.Raw(kBlock);
    BOOST_CHECK(base == TaggedHash("MaillonVote", w.Data()));
    BOOST_CHECK(VoteHash(2, kVotePrecommit, 7, 0, kBlock) != base);
    BOOST_CHECK(VoteHash(3, kVotePrevote, 7, 0, kBlock) != base);
    BOOST_CHECK(VoteHash(3, kVotePrecommit, 8, 0, kBlock) != base);
    BOOST_CHECK(VoteHash(3, kVotePrecommit, 7, 1, kBlock) != base);
    BOOST_CHECK(VoteHash(3, kVotePrecommit, 7, 0, Sha256(std::vector<uint8_t>{1})) != base);
}

BOOST_AUTO_TEST_CASE(certificate_encoding) {
    const auto keys = Keys(3);
    const ValidatorSet set = SetOf(keys, {1, 1, 1});
    auto cert = SignCommit(set, 3, 7, 2, kBlock, keys);
    BOOST_REQUIRE_MESSAGE(cert, test::ErrorText(cert));
    BOOST_CHECK_EQUAL(cert->height, 7U);
    BOOST_CHECK_EQUAL(cert->round, 2U);
    BOOST_REQUIRE_EQUAL(cert->signatures.size(), 3U);
    for (size_t i = 0; i < 3; ++i)
        BOOST_CHECK_EQUAL(cert->signatures[i].validator_index, i);
    const auto bytes = cert->Encode();
    BOOST_REQUIRE_EQUAL(bytes.size(), 8U + 4 + 32 + 1 + 3 * 65);
    BOOST_CHECK(cert->Hash() == TaggedHash("MaillonCommit", bytes));
    auto back = CommitCertificate::Decode(bytes);
    BOOST_REQUIRE(back);
    BOOST_CHECK(*back == *cert);

    for (size_t len = 0; len < bytes.size(); ++len)
        BOOST_CHECK(!CommitCertificate::Decode(std::span(bytes.data(), len)));
    auto trailing = bytes;
    trailing.push_back(0);
    BOOST_CHECK(!CommitCertificate::Decode(trailing));
    // Indices must ascend strictly: the same validator twice is refused.
    auto repeated = bytes;
    repeated[45 + 65] = 0;  // the second signature's index
    BOOST_CHECK(CommitCertificate::Decode(repeated).error().message.find("strictly ascending") !=
                std::string::npos);
    // An index no set can have, and a count over the limit.
    Writer w;
    w.U64(7);
    w.U32(0);
    w.Raw(kBlock);
    Writer big = w;
    w.VarInt(1);
    w.VarInt(kMaxValidators);
    w.Raw(SchnorrSig{});
    BOOST_CHECK(CommitCertificate::Decode(w.Data()).error().message.find("beyond") !=
                std::string::npos);
    big.VarInt(kMaxValidators + 1);
    BOOST_CHECK(CommitCertificate::Decode(big.Data()).error().message.find("exceeds limit") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(certificate_quorum_and_signatures) {
    const auto keys = Keys(4);
    const ValidatorSet set = SetOf(keys, {1, 1, 1, 1});
    const std::vector<PrivKey> three(keys.begin(), keys.begin() + 3);
    const std::vector<PrivKey> two(keys.begin(), keys.begin() + 2);
    auto good = SignCommit(set, 3, 7, 0, kBlock, three);
    BOOST_REQUIRE(good);
    BOOST_CHECK_EQUAL(Code(VerifyCommit(*good, set, 3, 7, kBlock)), "ok");
    BOOST_CHECK_EQUAL(Code(CheckCommitQuorum(*good, set, 7, kBlock)), "ok");

    // Two of four is not a quorum.
    auto weak = SignCommit(set, 3, 7, 0, kBlock, two);
    BOOST_REQUIRE(weak);
    const Status st = VerifyCommit(*weak, set, 3, 7, kBlock);
    BOOST_CHECK_EQUAL(Code(st), "bad-commit");
    BOOST_CHECK(st.error().message.find("2 of 4") != std::string::npos);
    // Another height or block, another chain, a flipped signature.
    BOOST_CHECK_EQUAL(Code(VerifyCommit(*good, set, 3, 8, kBlock)), "bad-commit");
    BOOST_CHECK_EQUAL(Code(VerifyCommit(*good, set, 3, 7, Sha256(std::vector<uint8_t>{1}))),
                      "bad-commit");
    BOOST_CHECK_EQUAL(Code(VerifyCommit(*good, set, 2, 7, kBlock)), "bad-commit-signature");
    CommitCertificate flipped = *good;
    flipped.signatures[1].sig[0] ^= 1;
    BOOST_CHECK_EQUAL(Code(VerifyCommit(flipped, set, 3, 7, kBlock)), "bad-commit-signature");
    // A validator counted twice, in a certificate built in memory (from
    // gathered votes) rather than decoded: refused, and SignCommit will not
    // make one.
    CommitCertificate twice = *good;
    twice.signatures[1] = twice.signatures[0];
    BOOST_CHECK_EQUAL(Code(CheckCommitQuorum(twice, set, 7, kBlock)), "bad-commit");
    const std::vector<PrivKey> same = {keys[0], keys[0], keys[0]};
    BOOST_CHECK_EQUAL(Code(SignCommit(set, 3, 7, 0, kBlock, same)), "bad-commit");
    // An index outside the set.
    CommitCertificate outside = *good;
    outside.signatures.back().validator_index = 4;
    BOOST_CHECK_EQUAL(Code(CheckCommitQuorum(outside, set, 7, kBlock)), "bad-commit");
    // Power is weighted: one validator holding 7 of 10 is a quorum alone,
    // one holding 6 of 9 (exactly two thirds) is not.
    const std::vector<PrivKey> first = {keys[0]};
    const ValidatorSet heavy = SetOf(keys, {7, 1, 1, 1});
    auto alone = SignCommit(heavy, 3, 7, 0, kBlock, first);
    BOOST_REQUIRE(alone);
    BOOST_CHECK_EQUAL(Code(VerifyCommit(*alone, heavy, 3, 7, kBlock)), "ok");
    BOOST_CHECK_EQUAL(Code(VerifyCommit(*alone, SetOf(keys, {6, 1, 1, 1}), 3, 7, kBlock)),
                      "bad-commit");
    BOOST_CHECK_EQUAL(Code(VerifyCommit(*alone, set, 3, 7, kBlock)), "bad-commit");
}

BOOST_AUTO_TEST_CASE(signature_batch_reports_the_lowest_failing_owner) {
    const auto keys = Keys(3);
    const Hash256 m = Sha256(std::vector<uint8_t>{9});
    SignatureBatch batch;
    BOOST_CHECK(!batch.FirstFailure());
    // Jobs out of owner order, one key used many times.
    batch.Add(5, keys[0].PubKey(), m, keys[0].Sign(m));
    batch.Add(2, keys[1].PubKey(), m, keys[1].Sign(m));
    batch.Add(9, keys[0].PubKey(), m, keys[0].Sign(m));
    batch.Add(7, keys[0].PubKey(), m, keys[0].Sign(m));
    BOOST_CHECK(!batch.FirstFailure());
    BOOST_CHECK_EQUAL(batch.KeysParsed(), 2U);           // each distinct key once
    batch.Add(8, keys[2].PubKey(), m, keys[1].Sign(m));  // wrong key
    batch.Add(6, keys[2].PubKey(), m, keys[2].Sign(m));
    batch.Add(4, keys[1].PubKey(), Sha256(std::vector<uint8_t>{1}), keys[1].Sign(m));
    auto first = batch.FirstFailure();
    BOOST_REQUIRE(first);
    BOOST_CHECK_EQUAL(*first, 4U);
    // A key that is not a curve point fails its jobs.
    SignatureBatch off;
    XOnlyPubKey bad;
    bad.fill(0xff);
    off.Add(3, keys[0].PubKey(), m, keys[0].Sign(m));
    off.Add(1, bad, m, keys[0].Sign(m));
    BOOST_CHECK_EQUAL(*off.FirstFailure(), 1U);
}

BOOST_AUTO_TEST_SUITE_END()
