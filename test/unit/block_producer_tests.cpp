// The dev block producer: a block is assembled and executed once, decided by
// the consensus machine (each vote recorded by the sign guard first, a
// restart voting in a later round), committed with the validator's
// certificate, the mempool pruned; and a block that
// cannot be stored stops production for good, reported once.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "chain/chain.h"
#include "chain/mempool.h"
#include "crypto/key.h"
#include "node/block_producer.h"
#include "test/util/faulty_env.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::TempDir;
using maillon::test::TestKey;

struct ProducerFixture {
    TempDir dir;
    test::FaultyEnv env;
    std::unique_ptr<Chain> chain;
    Mempool mempool{Dev(), MempoolLimits{}};
    std::vector<Error> fatal;
    RejectionLog rejections;
    std::unique_ptr<SignGuard> guard;
    BlockProducer producer;

    ProducerFixture()
        : chain(Open()),
          guard(OpenGuard()),
          producer(*chain, mempool, &rejections, DevKey(), *guard, /*interval_ms=*/0,
                   [this](const Error& e) { fatal.push_back(e); }) {}

    std::unique_ptr<SignGuard> OpenGuard() const {
        auto g = SignGuard::Open(dir.File("sign_state.dat"));
        BOOST_REQUIRE_MESSAGE(g, test::ErrorText(g));
        return std::move(*g);
    }

    std::unique_ptr<Chain> Open() {
        auto c = Chain::Open(dir.File("chain"), Dev(), 1 << 20, &env);
        BOOST_REQUIRE_MESSAGE(c, test::ErrorText(c));
        return std::move(*c);
    }

    Status Submit(const Transaction& tx) {
        auto id = mempool.Add(tx, *chain, NowMs());
        return id ? Status::Ok() : Status(id.error());
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(block_producer_tests, ProducerFixture)

BOOST_AUTO_TEST_CASE(produces_commits_and_prunes) {
    const XOnlyPubKey r = TestKey(1).PubKey();
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeTransfer(DevKey(), r, 5 * kCoin, 1000, 0))), "ok");
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeTransfer(DevKey(), r, 1 * kCoin, 1000, 1))), "ok");
    auto block = producer.ProduceBlock();
    BOOST_REQUIRE_MESSAGE(block, test::ErrorText(block));
    BOOST_CHECK_EQUAL(block->txs.size(), 2U);
    BOOST_CHECK(chain->Tip() == block->header);
    BOOST_CHECK_EQUAL(chain->GetAccount(r)->balance, 6 * kCoin);
    BOOST_CHECK_EQUAL(mempool.Info().size, 0U);
    // The tip's certificate is the validator's precommit of the block.
    auto set = ValidatorSet::Make(Dev().genesis_validators);
    BOOST_CHECK_EQUAL(
        Code(VerifyCommit(chain->TipCommit(), *set, Dev().chain_id, 1, block->header.Hash())),
        "ok");
    // The next block carries it.
    auto next = producer.ProduceBlock();
    BOOST_REQUIRE(next);
    BOOST_CHECK(next->last_commit.block_hash == block->header.Hash());
    BOOST_CHECK(fatal.empty());
}

BOOST_AUTO_TEST_CASE(votes_are_recorded_and_a_restart_votes_in_a_later_round) {
    auto first = producer.ProduceBlock();
    BOOST_REQUIRE(first);
    // The precommit of block 1, round 0, is what the guard recorded last.
    const auto& last = guard->Last();
    BOOST_REQUIRE(last);
    BOOST_CHECK_EQUAL(last->height, 1U);
    BOOST_CHECK(last->step == SignStep::kPrecommit);
    BOOST_CHECK(last->message ==
                VoteHash(Dev().chain_id, kVotePrecommit, 1, 0, first->header.Hash()));
    // As if the node had crashed after voting at height 2, before committing:
    // it votes again in round 1, never a second time in round 0.
    BOOST_REQUIRE(guard->Sign(DevKey(), 2, 0, SignStep::kPrecommit, Hash256{5}));
    auto second = producer.ProduceBlock();
    BOOST_REQUIRE_MESSAGE(second, test::ErrorText(second));
    BOOST_CHECK_EQUAL(chain->TipCommit().round, 1U);
    auto set = ValidatorSet::Make(Dev().genesis_validators);
    BOOST_CHECK_EQUAL(
        Code(VerifyCommit(chain->TipCommit(), *set, Dev().chain_id, 2, second->header.Hash())),
        "ok");
}

BOOST_AUTO_TEST_CASE(a_block_that_cannot_be_stored_is_fatal_once) {
    BOOST_REQUIRE(producer.ProduceBlock());
    const BlockHeader tip = chain->Tip();
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeTransfer(DevKey(), TestKey(1).PubKey(), 1))), "ok");
    env.mode = test::FaultyEnv::Mode::kFailWrites;
    auto failed = producer.ProduceBlock();
    BOOST_REQUIRE(!failed);
    BOOST_CHECK(failed.error().IsStorageFailure());
    BOOST_REQUIRE_EQUAL(fatal.size(), 1U);
    BOOST_CHECK_EQUAL(fatal[0].code, failed.error().code);
    // Nothing is retried, even once the disk works again: the node is
    // stopping, and the same error comes back without another attempt.
    env.mode = test::FaultyEnv::Mode::kNone;
    auto again = producer.ProduceBlock();
    BOOST_REQUIRE(!again);
    BOOST_CHECK_EQUAL(again.error().message, failed.error().message);
    BOOST_CHECK_EQUAL(fatal.size(), 1U);
    BOOST_CHECK(chain->Tip() == tip);
    BOOST_CHECK_EQUAL(mempool.Info().size, 1U);
}

BOOST_AUTO_TEST_CASE(candidates_that_can_never_apply_are_dropped) {
    // Two owners register the same device; both enter the mempool (neither
    // conflicts with the tip), the first wins the block, and the second is
    // dropped with the owner's later transaction instead of blocking it.
    const PrivKey a = TestKey(1), b = TestKey(2), device = TestKey(3);
    BOOST_REQUIRE(Submit(test::MakeTransfer(DevKey(), a.PubKey(), 50 * kCoin, 1000, 0)));
    BOOST_REQUIRE(Submit(test::MakeTransfer(DevKey(), b.PubKey(), 50 * kCoin, 1000, 1)));
    BOOST_REQUIRE(producer.ProduceBlock());
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeRegisterDevice(a, device, kDeviceUptime, 0, 5000))),
                        "ok");
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeRegisterDevice(b, device, kDeviceUptime, 0, 1000))),
                        "ok");
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeTransfer(b, a.PubKey(), 1, 1000, 1))), "ok");
    auto block = producer.ProduceBlock();
    BOOST_REQUIRE(block);
    BOOST_CHECK_EQUAL(block->txs.size(), 1U);  // a's registration (the higher fee)
    BOOST_CHECK_EQUAL(mempool.Info().size, 0U);
    BOOST_CHECK((*GetDevice(*chain, device.PubKey()))->owner == a.PubKey());
    BOOST_CHECK(fatal.empty());
}

BOOST_AUTO_TEST_CASE(mempool_transactions_are_not_verified_again) {
    // Each signature is verified once, when its transaction enters the
    // mempool (the pool's contract); assembling the block must not verify it
    // again. A block of transactions then costs the producer the
    // verifications of an empty block (the certificate it commits with).
    const uint64_t before_empty = SchnorrVerifications();
    BOOST_REQUIRE(producer.ProduceBlock());
    const uint64_t empty_block = SchnorrVerifications() - before_empty;

    const PrivKey owner = TestKey(1), device = TestKey(2);
    BOOST_REQUIRE(Submit(test::MakeTransfer(DevKey(), owner.PubKey(), 500 * kCoin, 1000, 0)));
    BOOST_REQUIRE(producer.ProduceBlock());
    // Four signatures in three transactions: the registration has two.
    const uint64_t before_submit = SchnorrVerifications();
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeRegisterDevice(owner, device, kDeviceUptime, 0))),
                        "ok");
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeTransfer(DevKey(), device.PubKey(), 1, 1000, 1))),
                        "ok");
    BOOST_REQUIRE_EQUAL(Code(Submit(test::MakeTransfer(DevKey(), owner.PubKey(), 1, 1000, 2))),
                        "ok");
    // The counter sees the mempool's checks, so it would see the producer's.
    BOOST_REQUIRE_EQUAL(SchnorrVerifications() - before_submit, 4U);

    const uint64_t before = SchnorrVerifications();
    auto block = producer.ProduceBlock();
    BOOST_REQUIRE_MESSAGE(block, test::ErrorText(block));
    BOOST_REQUIRE_EQUAL(block->txs.size(), 3U);
    BOOST_CHECK_EQUAL(SchnorrVerifications() - before, empty_block);
    BOOST_CHECK(fatal.empty());
}

BOOST_AUTO_TEST_SUITE_END()
