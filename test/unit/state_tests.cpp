// The generic state (StateOverlay over a StateReader) and the record kinds
// on top of it: keys, encodings, typed accessors, corruption reporting.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "consensus/genesis.h"
#include "consensus/records.h"
#include "consensus/state.h"
#include "crypto/hash_tags.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

using namespace maillon;

namespace {

using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::MapState;
using maillon::test::TestKey;

Hash256 K(uint8_t n) {
    return Sha256(std::vector<uint8_t>{n});
}
StateValue V(uint8_t n, size_t size = 3) {
    return StateValue(size, n);
}

std::optional<StateValue> Read(const StateReader& s, const Hash256& key) {
    auto v = s.Get(key);
    BOOST_REQUIRE(v);
    return *v;
}

// Copying an overlay would copy its whole change map: the cost bug this
// design rules out at compile time.
static_assert(!std::is_copy_constructible_v<StateOverlay>);
static_assert(!std::is_copy_assignable_v<StateOverlay>);

}  // namespace

BOOST_AUTO_TEST_SUITE(state_tests)

BOOST_AUTO_TEST_CASE(overlay_reads_through_and_records_changes) {
    MapState base;
    base.values[K(1)] = V(1);
    base.values[K(2)] = V(2);
    StateOverlay ov(base);
    BOOST_CHECK(Read(ov, K(1)) == V(1));
    BOOST_CHECK(!Read(ov, K(3)));
    BOOST_REQUIRE(ov.Put(K(3), V(3)));
    BOOST_REQUIRE(ov.Put(K(1), V(9)));
    ov.Delete(K(2));
    ov.Delete(K(4));  // absent: harmless, still recorded
    BOOST_CHECK(Read(ov, K(1)) == V(9));
    BOOST_CHECK(!Read(ov, K(2)));
    BOOST_CHECK(Read(ov, K(3)) == V(3));
    // The base is never written.
    BOOST_CHECK(base.values.at(K(1)) == V(1));
    BOOST_CHECK(base.values.count(K(2)));
    // Changes come in key order, deletions as nullopt.
    std::vector<Hash256> keys;
    for (const auto& [key, value] : ov.Changes())
        keys.push_back(key);
    BOOST_CHECK(std::is_sorted(keys.begin(), keys.end()));
    BOOST_CHECK_EQUAL(ov.Changes().size(), 4U);
    BOOST_CHECK(!ov.Changes().at(K(2)).has_value());
    // Values are bounded.
    BOOST_CHECK_EQUAL(Code(ov.Put(K(5), V(5, kMaxStateValueSize))), "ok");
    BOOST_CHECK_EQUAL(Code(ov.Put(K(6), V(6, kMaxStateValueSize + 1))), "state-value-too-large");
    BOOST_CHECK(!ov.Changes().count(K(6)));
}

BOOST_AUTO_TEST_CASE(child_overlays_merge_or_vanish) {
    MapState base;
    base.values[K(1)] = V(1);
    StateOverlay block(base);
    BOOST_REQUIRE(block.Put(K(2), V(2)));
    {
        StateOverlay tx = block.Child();
        BOOST_CHECK(Read(tx, K(2)) == V(2));  // sees the parent's changes
        BOOST_REQUIRE(tx.Put(K(2), V(7)));
        tx.Delete(K(1));
        BOOST_REQUIRE(tx.Put(K(3), V(3)));
        // Dropped without merging: the parent is untouched.
    }
    BOOST_CHECK_EQUAL(block.Changes().size(), 1U);
    BOOST_CHECK(Read(block, K(1)) == V(1));
    StateOverlay tx = block.Child();
    BOOST_REQUIRE(tx.Put(K(2), V(7)));
    tx.Delete(K(1));
    BOOST_REQUIRE(tx.Put(K(3), V(3)));
    std::move(tx).MergeInto(block);
    BOOST_CHECK(tx.Changes().empty());
    BOOST_CHECK_EQUAL(block.MergedEntries(), 3U);
    BOOST_CHECK(Read(block, K(2)) == V(7));  // the child's value wins
    BOOST_CHECK(!Read(block, K(1)));
    BOOST_CHECK(Read(block, K(3)) == V(3));
    BOOST_CHECK_EQUAL(block.Changes().size(), 3U);
}

BOOST_AUTO_TEST_CASE(state_keys_are_tagged_by_kind) {
    const XOnlyPubKey key = TestKey(1).PubKey();
    std::vector<uint8_t> pre = {1};
    pre.insert(pre.end(), key.begin(), key.end());
    BOOST_CHECK(AccountKey(key) == TaggedHash("MaillonStateKey", pre));
    // The same identifier under two kinds gives two keys.
    BOOST_CHECK(AccountKey(key) != DeviceKey(key));
    BOOST_CHECK(StateKey(RecordTag::kSupply) ==
                TaggedHash("MaillonStateKey", std::vector<uint8_t>{2}));
    BOOST_CHECK(StateKey(RecordTag::kValidators) != StateKey(RecordTag::kLastValidators));
}

BOOST_AUTO_TEST_CASE(records_round_trip_and_reject_bad_encodings) {
    const Account a{5, 6, 7};
    const auto ab = a.Encode();
    BOOST_REQUIRE_EQUAL(ab.size(), 25U);
    BOOST_CHECK_EQUAL(ab[0], 1);
    BOOST_CHECK(*Account::Decode(ab) == a);
    const Supply s{100, 2, 3, 4};
    BOOST_REQUIRE_EQUAL(s.Encode().size(), 33U);
    BOOST_CHECK(*Supply::Decode(s.Encode()) == s);
    const Device d{TestKey(2).PubKey(), kDeviceBandwidth, 10, 77};
    BOOST_REQUIRE_EQUAL(d.Encode().size(), 1U + 32 + 1 + 8 + 8);
    BOOST_CHECK(*Device::Decode(d.Encode()) == d);

    auto version = ab;
    version[0] = 2;
    BOOST_CHECK(Account::Decode(version).error().message.find("unknown version 2") !=
                std::string::npos);
    for (size_t len = 0; len < ab.size(); ++len)
        BOOST_CHECK(!Account::Decode(std::span(ab.data(), len)));
    auto trailing = ab;
    trailing.push_back(0);
    BOOST_CHECK(!Account::Decode(trailing));
}

BOOST_AUTO_TEST_CASE(typed_accessors) {
    MapState base;
    StateOverlay ov(base);
    const XOnlyPubKey who = TestKey(1).PubKey();
    // A never-seen account is empty; an empty one is deleted rather than stored.
    BOOST_CHECK(GetAccount(ov, who)->IsEmpty());
    BOOST_REQUIRE(PutAccount(ov, who, Account{5, 0, 0}));
    BOOST_CHECK_EQUAL(GetAccount(ov, who)->balance, 5U);
    BOOST_REQUIRE(PutAccount(ov, who, Account{}));
    BOOST_CHECK(!ov.Changes().at(AccountKey(who)).has_value());

    // Records set at genesis are missing only in a corrupt state.
    auto supply = GetSupply(ov);
    BOOST_REQUIRE(!supply);
    BOOST_CHECK_EQUAL(supply.error().code, "state-record-missing");
    BOOST_CHECK(supply.error().kind == ErrorKind::kCorruption);
    BOOST_CHECK_EQUAL(GetValidatorSet(ov, RecordTag::kValidators).error().code,
                      "state-record-missing");

    // A stored record that does not decode is corruption, naming the key.
    base.values[AccountKey(who)] = {1, 2, 3};
    auto bad = GetAccount(base, who);
    BOOST_REQUIRE(!bad);
    BOOST_CHECK_EQUAL(bad.error().code, "state-record-corrupt");
    BOOST_CHECK(bad.error().kind == ErrorKind::kCorruption);
    BOOST_CHECK(bad.error().message.find(HexStr(AccountKey(who))) != std::string::npos);

    auto none = GetDevice(base, who);
    BOOST_REQUIRE(none);
    BOOST_CHECK(!none->has_value());
}

BOOST_AUTO_TEST_CASE(genesis_state) {
    const MapState g = test::DevGenesisState();
    auto set = GetValidatorSet(g, RecordTag::kValidators);
    auto last = GetValidatorSet(g, RecordTag::kLastValidators);
    BOOST_REQUIRE(set && last);
    BOOST_CHECK(*set == *last);
    BOOST_REQUIRE_EQUAL(set->Size(), 1U);
    BOOST_CHECK(set->Validators()[0].key == DevKey().PubKey());
    auto supply = GetSupply(g);
    BOOST_REQUIRE(supply);
    Amount allocated = 0;
    for (const GenesisAllocation& a : Dev().genesis_allocations) {
        BOOST_CHECK_EQUAL(g.AccountAt(a.address).balance, a.amount);
        allocated += a.amount;
    }
    BOOST_CHECK_EQUAL(supply->genesis, allocated + set->TotalPower());
    BOOST_CHECK_EQUAL(supply->locked, set->TotalPower());
    // Every unit is somewhere: balances + locked + burned = genesis + minted.
    BOOST_CHECK_EQUAL(allocated + supply->locked + supply->burned,
                      supply->genesis + supply->minted);
}

BOOST_AUTO_TEST_SUITE_END()
