// Checked uint64 arithmetic: exact results up to the boundary, nullopt past it.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <optional>

#include "util/overflow.h"

using namespace maillon;

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

bool Is(std::optional<uint64_t> got, uint64_t want) {
    return got.has_value() && *got == want;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(overflow_tests)

BOOST_AUTO_TEST_CASE(checked_add) {
    BOOST_CHECK(Is(CheckedAdd(0, 0), 0));
    BOOST_CHECK(Is(CheckedAdd(2, 3), 5));
    BOOST_CHECK(Is(CheckedAdd(kMax - 1, 1), kMax));
    BOOST_CHECK(Is(CheckedAdd(0, kMax), kMax));
    BOOST_CHECK(!CheckedAdd(kMax, 1).has_value());
    BOOST_CHECK(!CheckedAdd(1, kMax).has_value());
    BOOST_CHECK(!CheckedAdd(kMax, kMax).has_value());
    BOOST_CHECK(!CheckedAdd(uint64_t{1} << 63, uint64_t{1} << 63).has_value());
}

BOOST_AUTO_TEST_CASE(checked_sub) {
    BOOST_CHECK(Is(CheckedSub(5, 3), 2));
    BOOST_CHECK(Is(CheckedSub(5, 5), 0));
    BOOST_CHECK(Is(CheckedSub(kMax, kMax), 0));
    BOOST_CHECK(Is(CheckedSub(kMax, 0), kMax));
    BOOST_CHECK(!CheckedSub(3, 5).has_value());
    BOOST_CHECK(!CheckedSub(0, 1).has_value());
    BOOST_CHECK(!CheckedSub(kMax - 1, kMax).has_value());
}

BOOST_AUTO_TEST_CASE(checked_mul) {
    BOOST_CHECK(Is(CheckedMul(0, kMax), 0));
    BOOST_CHECK(Is(CheckedMul(kMax, 1), kMax));
    BOOST_CHECK(Is(CheckedMul(6, 7), 42));
    BOOST_CHECK(Is(CheckedMul(uint64_t{1} << 32, (uint64_t{1} << 32) - 1),
                   (uint64_t{1} << 63) + ((uint64_t{1} << 63) - (uint64_t{1} << 32))));
    BOOST_CHECK(Is(CheckedMul(kMax / 3, 3), kMax));  // 2^64-1 = 3 * 6148914691236517205
    BOOST_CHECK(!CheckedMul(kMax / 3 + 1, 3).has_value());
    BOOST_CHECK(!CheckedMul(uint64_t{1} << 32, uint64_t{1} << 32).has_value());
    BOOST_CHECK(!CheckedMul(kMax, 2).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
