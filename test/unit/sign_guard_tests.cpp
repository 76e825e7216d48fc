// SignGuard (node/sign_guard.h): a validator never signs two conflicting
// messages, across reopenings of its state file as after a crash; what it
// signs is on disk before the signature is returned; a damaged file stops it.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>

#include "node/sign_guard.h"
#include "test/util/setup.h"

using namespace maillon;
using namespace maillon::test;

namespace {

Hash256 Msg(uint8_t n) {
    Hash256 h{};
    h.fill(n);
    return h;
}

std::unique_ptr<SignGuard> OpenGuard(const std::string& path) {
    auto g = SignGuard::Open(path);
    BOOST_REQUIRE_MESSAGE(g, ErrorText(g));
    return std::move(*g);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sign_guard_tests)

BOOST_AUTO_TEST_CASE(never_signs_two_messages_for_one_step_across_restarts) {
    TempDir dir;
    const std::string path = dir.File("sign_state.dat");
    const PrivKey key = TestKey(1);
    SchnorrSig first{};
    {
        auto g = OpenGuard(path);
        BOOST_CHECK(!g->Last());
        auto sig = g->Sign(key, 5, 0, SignStep::kPrevote, Msg(1));
        BOOST_REQUIRE(sig);
        first = *sig;
        BOOST_CHECK(VerifySchnorr(key.PubKey(), Msg(1), first));
        // On disk already: a guard opened now (as after a SIGKILL) knows it.
        auto other = OpenGuard(path);
        BOOST_REQUIRE(other->Last());
        BOOST_CHECK(other->Last()->signature == first);
    }
    auto g = OpenGuard(path);  // "after the crash"
    // The same step and message: the recorded signature, not a new one.
    auto again = g->Sign(key, 5, 0, SignStep::kPrevote, Msg(1));
    BOOST_REQUIRE(again);
    BOOST_CHECK(*again == first);
    BOOST_CHECK_EQUAL(Code(g->Sign(key, 5, 0, SignStep::kPrevote, Msg(2))), "sign-conflict");
    BOOST_CHECK_EQUAL(Code(g->Sign(key, 5, 0, SignStep::kProposal, Msg(1))), "sign-regression");
    BOOST_CHECK_EQUAL(Code(g->Sign(key, 4, 9, SignStep::kPrecommit, Msg(1))), "sign-regression");
    // Later steps, rounds and heights are signed, each recorded in turn.
    BOOST_CHECK(g->Sign(key, 5, 0, SignStep::kPrecommit, Msg(3)));
    BOOST_CHECK(g->Sign(key, 5, 1, SignStep::kProposal, Msg(4)));
    BOOST_CHECK(g->Sign(key, 6, 0, SignStep::kPrevote, Msg(5)));
    BOOST_CHECK(OpenGuard(path)->Last() == g->Last());
    BOOST_CHECK_EQUAL(Code(OpenGuard(path)->Sign(key, 5, 1, SignStep::kPrecommit, Msg(6))),
                      "sign-regression");
}

BOOST_AUTO_TEST_CASE(a_sole_validator_can_forget_what_it_signed) {
    TempDir dir;
    const std::string path = dir.File("sign_state.dat");
    auto g = OpenGuard(path);
    BOOST_REQUIRE(g->Sign(TestKey(1), 9, 0, SignStep::kPrecommit, Msg(1)));
    BOOST_REQUIRE(g->ForgetForSoleValidator());
    BOOST_CHECK(!g->Last());
    BOOST_CHECK(!OpenGuard(path)->Last());
    BOOST_CHECK(g->Sign(TestKey(1), 5, 0, SignStep::kPrecommit, Msg(2)));
}

BOOST_AUTO_TEST_CASE(a_damaged_state_file_stops_the_validator) {
    TempDir dir;
    const std::string path = dir.File("sign_state.dat");
    {
        auto g = OpenGuard(path);
        BOOST_REQUIRE(g->Sign(TestKey(1), 1, 0, SignStep::kPrevote, Msg(1)));
    }
    std::string bytes = ReadFile(path);
    BOOST_REQUIRE_EQUAL(bytes.size(), 110U);
    for (const std::string& bad :
         {bytes.substr(0, 50), bytes + "x", std::string("\x02") + bytes.substr(1)}) {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
        auto g = SignGuard::Open(path);
        BOOST_REQUIRE(!g);
        BOOST_CHECK_EQUAL(g.error().code, "sign-state-corrupt");
        BOOST_CHECK_MESSAGE(g.error().message.find(path) != std::string::npos, g.error().message);
    }
}

BOOST_AUTO_TEST_SUITE_END()
