#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "chain/state_tree.h"
#include "consensus/state_proof.h"
#include "crypto/hash.h"
#include "test/util/setup.h"
#include "util/strencodings.h"

namespace maillon {
namespace {

using maillon::test::Code;
using Bytes = std::vector<uint8_t>;
using KeyValues = std::map<Hash256, Bytes>;

Bytes B(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

Hash256 H(const std::string& hex) {
    const auto bytes = ParseHex(hex);
    BOOST_REQUIRE(bytes && bytes->size() == 32);
    Hash256 out;
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
}

Hash256 KeyOf(const std::string& address) {
    return TaggedHash("MaillonStateKey", Bytes(address.begin(), address.end()));
}

Hash256 RandomHash(std::mt19937_64& rng) {
    Hash256 h;
    for (auto& b : h)
        b = static_cast<uint8_t>(rng());
    return h;
}

Bytes RandomValue(std::mt19937_64& rng) {
    Bytes v(1 + rng() % 40);
    for (auto& b : v)
        b = static_cast<uint8_t>(rng());
    return v;
}

// Random keys, some of them in clusters sharing long prefixes so that the
// tree gets chains of one-sided internal nodes, and two differing only in
// their very last bit.
KeyValues RandomKeyValues(std::mt19937_64& rng, size_t n) {
    KeyValues kv;
    while (kv.size() < n) {
        Hash256 key = RandomHash(rng);
        kv[key] = RandomValue(rng);
        if (rng() % 8 == 0 && kv.size() + 2 <= n) {
            Hash256 near = key;
            const size_t bit = 8 + rng() % 248;
            near[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
            kv[near] = RandomValue(rng);
            Hash256 last = key;
            last[31] ^= 1;
            kv[last] = RandomValue(rng);
        }
    }
    return kv;
}

// Reference root: the definition of the tree, applied literally to the
// sorted key set (independent of StateTree's code and of its hash helpers).
Hash256 ReferenceRoot(const std::vector<std::pair<Hash256, Bytes>>& items, size_t depth) {
    if (items.empty()) return Hash256{};
    if (items.size() == 1) {
        Bytes data(items[0].first.begin(), items[0].first.end());
        const Hash256 vh = Sha256(items[0].second);
        data.insert(data.end(), vh.begin(), vh.end());
        return TaggedHash("MaillonStateLeaf", data);
    }
    std::vector<std::pair<Hash256, Bytes>> left, right;
    for (const auto& item : items) {
        const bool bit = (item.first[depth / 8] >> (7 - depth % 8)) & 1;
        (bit ? right : left).push_back(item);
    }
    const Hash256 l = ReferenceRoot(left, depth + 1);
    const Hash256 r = ReferenceRoot(right, depth + 1);
    Bytes data(l.begin(), l.end());
    data.insert(data.end(), r.begin(), r.end());
    return TaggedHash("MaillonStateNode", data);
}

Hash256 ReferenceRoot(const KeyValues& kv) {
    return ReferenceRoot(std::vector<std::pair<Hash256, Bytes>>(kv.begin(), kv.end()), 0);
}

StateChanges SetAll(const KeyValues& kv) {
    StateChanges u;
    for (const auto& [k, v] : kv)
        u[k] = v;
    return u;
}

// A tree in `store` holding exactly kv.
StateTree TreeOf(NodeStore& store, const KeyValues& kv) {
    StateTree tree(store, kEmptyStateHash);
    BOOST_REQUIRE(tree.Apply(SetAll(kv)));
    return tree;
}

// A batch that sets `key` to `value`, or deletes it when `value` is nullopt.
StateChanges One(const Hash256& key, std::optional<Bytes> value) {
    StateChanges u;
    u[key] = std::move(value);
    return u;
}

// The key whose first byte is `first` and every other byte zero.
Hash256 KeyStartingWith(uint8_t first) {
    Hash256 k{};
    k[0] = first;
    return k;
}

// Inserts kv in a random order, in random batch sizes.
Hash256 InsertShuffled(NodeStore& store, const KeyValues& kv, std::mt19937_64& rng) {
    std::vector<std::pair<Hash256, Bytes>> items(kv.begin(), kv.end());
    std::shuffle(items.begin(), items.end(), rng);
    StateTree tree(store, kEmptyStateHash);
    size_t i = 0;
    while (i < items.size()) {
        const size_t batch = 1 + rng() % 40;
        StateChanges u;
        for (size_t j = 0; j < batch && i < items.size(); ++j, ++i)
            u[items[i].first] = items[i].second;
        BOOST_REQUIRE(tree.Apply(u));
    }
    return tree.Root();
}

std::optional<Bytes> MustGet(const StateTree& tree, const Hash256& key) {
    auto r = tree.Get(key);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return *r;
}

StateProof MustProve(const StateTree& tree, const Hash256& key) {
    auto r = tree.Prove(key);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return *r;
}

// A store that forwards to another and can hide, replace or fail to read
// one node.
class FaultyStore : public NodeStore {
public:
    explicit FaultyStore(NodeStore& inner) : m_inner(inner) {}
    Result<std::optional<Bytes>> Get(const Hash256& hash) const override {
        if (hash == m_hidden) return std::optional<Bytes>();
        if (hash == m_replaced) return std::optional<Bytes>(m_replacement);
        if (hash == m_unreadable) return MakeError(ErrorKind::kIo, "db-io", "read failed");
        return m_inner.Get(hash);
    }
    void Put(const Hash256& hash, Bytes node) override {
        ++m_puts;
        m_inner.Put(hash, std::move(node));
    }
    NodeStore& m_inner;
    Hash256 m_hidden{};
    Hash256 m_replaced{};
    Hash256 m_unreadable{};
    Bytes m_replacement;
    int m_puts = 0;
};

// A store that counts reads and writes.
class CountingStore : public NodeStore {
public:
    Result<std::optional<Bytes>> Get(const Hash256& hash) const override {
        ++m_reads;
        return m_inner.Get(hash);
    }
    void Put(const Hash256& hash, Bytes node) override {
        ++m_writes;
        m_inner.Put(hash, std::move(node));
    }
    MemoryNodeStore m_inner;
    mutable uint64_t m_reads = 0;
    uint64_t m_writes = 0;
};

// The five-key set of the known-answer test: two keys under prefix 00, one
// under 10, and two differing only in the last bit (leaves at depth 256).
KeyValues FiveKeys() {
    KeyValues kv;
    kv[KeyStartingWith(0x00)] = B("a");
    kv[KeyStartingWith(0x40)] = B("b");
    kv[KeyStartingWith(0x80)] = B("c");
    kv[H("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe")] = B("d");
    kv[H("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")] = B("e");
    return kv;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(state_tree_tests)

BOOST_AUTO_TEST_CASE(empty_tree) {
    MemoryNodeStore store;
    StateTree tree(store, kEmptyStateHash);
    BOOST_CHECK(tree.Root() == Hash256{});
    BOOST_CHECK(!MustGet(tree, KeyOf("alice")));

    // Deleting absent keys from an empty tree keeps it empty and writes nothing.
    StateChanges del;
    del[KeyOf("alice")] = std::nullopt;
    del[KeyOf("bob")] = std::nullopt;
    BOOST_REQUIRE(tree.Apply(del));
    BOOST_CHECK(tree.Root() == Hash256{});
    BOOST_CHECK(store.Nodes().empty());

    const StateProof proof = MustProve(tree, KeyOf("alice"));
    BOOST_CHECK(proof.siblings.empty());
    BOOST_CHECK(std::holds_alternative<StateProof::Empty>(proof.terminal));
    auto verified = VerifyStateProof(Hash256{}, KeyOf("alice"), proof);
    BOOST_REQUIRE(verified.ok());
    BOOST_CHECK(!*verified);
}

BOOST_AUTO_TEST_CASE(known_answer) {
    // Roots computed by an independent Python implementation of the rules.
    MemoryNodeStore store;
    StateTree single(store, kEmptyStateHash);
    StateChanges u;
    u[H("0101010101010101010101010101010101010101010101010101010101010101")] = B("v");
    BOOST_REQUIRE(single.Apply(u));
    BOOST_CHECK_EQUAL(HexStr(single.Root()),
                      "0ea8f4dea8c3bc86274175db66812b46afc64db5a4786cd65055c5520efa89fa");

    StateTree five(store, kEmptyStateHash);
    BOOST_REQUIRE(five.Apply(SetAll(FiveKeys())));
    BOOST_CHECK_EQUAL(HexStr(five.Root()),
                      "2363d3ae8edcac68d0ae569cf3eaab4c689077549ae4090e360298330183d244");
    BOOST_CHECK(ReferenceRoot(FiveKeys()) == five.Root());

    // The two keys that differ only in the last bit sit at depth 256.
    const Hash256 deep = H("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    const StateProof proof = MustProve(five, deep);
    BOOST_CHECK_EQUAL(proof.siblings.size(), 256u);
    auto verified = VerifyStateProof(five.Root(), deep, proof);
    BOOST_REQUIRE(verified.ok());
    BOOST_CHECK(*verified == B("e"));

    // Stored node encodings: leaf = 01 key varint(len) value; internal = 02 left right.
    const Hash256 key_c = KeyStartingWith(0x80);
    const Hash256 leaf_c = StateLeafHash(key_c, Sha256(B("c")));
    const auto stored_leaf = store.Get(leaf_c);
    BOOST_REQUIRE(stored_leaf && stored_leaf->has_value());
    BOOST_CHECK_EQUAL(HexStr(**stored_leaf), "01" + HexStr(key_c) + "0163");
    const Hash256 key_a = KeyStartingWith(0x00);
    const Hash256 key_b = KeyStartingWith(0x40);
    const Hash256 left =
        StateNodeHash(StateLeafHash(key_a, Sha256(B("a"))), StateLeafHash(key_b, Sha256(B("b"))));
    const auto stored_node = store.Get(left);
    BOOST_REQUIRE(stored_node && stored_node->has_value());
    BOOST_CHECK_EQUAL(HexStr(**stored_node), "02" + HexStr(StateLeafHash(key_a, Sha256(B("a")))) +
                                                 HexStr(StateLeafHash(key_b, Sha256(B("b")))));
}

BOOST_AUTO_TEST_CASE(insert_get_update_delete) {
    MemoryNodeStore store;
    StateTree tree(store, kEmptyStateHash);
    const Hash256 alice = KeyOf("alice"), bob = KeyOf("bob"), carol = KeyOf("carol");

    StateChanges u;
    u[alice] = B("alice-1");
    BOOST_REQUIRE(tree.Apply(u));
    const Hash256 root_alice = tree.Root();
    BOOST_CHECK(root_alice != Hash256{});
    // A single key's leaf is the root.
    BOOST_CHECK(root_alice == StateLeafHash(alice, Sha256(B("alice-1"))));
    BOOST_CHECK(MustGet(tree, alice) == B("alice-1"));
    BOOST_CHECK(!MustGet(tree, bob));

    u.clear();
    u[bob] = B("bob-1");
    u[carol] = B("");  // an empty value is a present key
    BOOST_REQUIRE(tree.Apply(u));
    BOOST_CHECK(MustGet(tree, alice) == B("alice-1"));
    BOOST_CHECK(MustGet(tree, bob) == B("bob-1"));
    BOOST_CHECK(MustGet(tree, carol) == B(""));

    u.clear();
    u[alice] = B("alice-2");
    BOOST_REQUIRE(tree.Apply(u));
    BOOST_CHECK(MustGet(tree, alice) == B("alice-2"));
    BOOST_CHECK(MustGet(tree, bob) == B("bob-1"));

    // Setting the same value again changes nothing.
    const Hash256 before = tree.Root();
    BOOST_REQUIRE(tree.Apply(u));
    BOOST_CHECK(tree.Root() == before);

    u.clear();
    u[bob] = std::nullopt;
    u[carol] = std::nullopt;
    BOOST_REQUIRE(tree.Apply(u));
    BOOST_CHECK(!MustGet(tree, bob));
    BOOST_CHECK(!MustGet(tree, carol));
    BOOST_CHECK(MustGet(tree, alice) == B("alice-2"));
    // The lone remaining leaf moved back up to the root.
    BOOST_CHECK(tree.Root() == StateLeafHash(alice, Sha256(B("alice-2"))));

    u.clear();
    u[alice] = std::nullopt;
    BOOST_REQUIRE(tree.Apply(u));
    BOOST_CHECK(tree.Root() == Hash256{});
    BOOST_CHECK(!MustGet(tree, alice));

    // Insert and delete of different keys in one batch.
    u.clear();
    u[alice] = B("x");
    u[bob] = std::nullopt;
    BOOST_REQUIRE(tree.Apply(u));
    BOOST_CHECK(tree.Root() == StateLeafHash(alice, Sha256(B("x"))));
}

BOOST_AUTO_TEST_CASE(value_size_limit) {
    MemoryNodeStore store;
    StateTree tree(store, kEmptyStateHash);
    StateChanges u;
    u[KeyOf("a")] = Bytes(kMaxStateValueSize, 0x11);
    BOOST_REQUIRE(tree.Apply(u));
    const Hash256 root = tree.Root();
    const size_t nodes = store.Nodes().size();

    u.clear();
    u[KeyOf("b")] = B("fine");
    u[KeyOf("c")] = Bytes(kMaxStateValueSize + 1, 0x22);
    BOOST_REQUIRE_EQUAL(Code(tree.Apply(u)), "state-value-too-large");
    BOOST_CHECK(tree.Root() == root);
    BOOST_CHECK_EQUAL(store.Nodes().size(), nodes);
    BOOST_CHECK(!MustGet(tree, KeyOf("b")));
}

BOOST_AUTO_TEST_CASE(matches_reference_implementation) {
    std::mt19937_64 rng(0x5eed0001);
    for (size_t n : {0, 1, 2, 3, 17, 200}) {
        const KeyValues kv = RandomKeyValues(rng, n);
        MemoryNodeStore store;
        const StateTree tree = TreeOf(store, kv);
        BOOST_CHECK_MESSAGE(tree.Root() == ReferenceRoot(kv), "n=" << n);
        for (const auto& [k, v] : kv)
            BOOST_CHECK(MustGet(tree, k) == v);
    }
}

BOOST_AUTO_TEST_CASE(root_independent_of_order_and_batching) {
    std::mt19937_64 rng(0x5eed0002);
    for (int round = 0; round < 3; ++round) {
        KeyValues kv = RandomKeyValues(rng, 200);
        const Hash256 expected = ReferenceRoot(kv);
        MemoryNodeStore shared;
        for (int order = 0; order < 4; ++order) {
            // Fresh store and a store already holding nodes of earlier orders.
            MemoryNodeStore fresh;
            BOOST_CHECK(InsertShuffled(fresh, kv, rng) == expected);
            BOOST_CHECK(InsertShuffled(shared, kv, rng) == expected);
        }

        // Overwrite, delete and re-insert in random mixed batches, checking
        // against the reference after every batch, then delete everything.
        StateTree tree(shared, expected);
        std::vector<Hash256> keys;
        for (const auto& [k, v] : kv)
            keys.push_back(k);
        for (int step = 0; step < 20; ++step) {
            StateChanges u;
            const size_t batch = 1 + rng() % 30;
            for (size_t j = 0; j < batch; ++j) {
                const Hash256& k = keys[rng() % keys.size()];
                switch (rng() % 3) {
                    case 0:
                        u[k] = std::nullopt;
                        kv.erase(k);
                        break;
                    default: {
                        Bytes v = RandomValue(rng);
                        u[k] = v;
                        kv[k] = v;
                    }
                }
            }
            BOOST_REQUIRE(tree.Apply(u));
            BOOST_REQUIRE(tree.Root() == ReferenceRoot(kv));
        }
        std::shuffle(keys.begin(), keys.end(), rng);
        size_t i = 0;
        while (i < keys.size()) {
            StateChanges u;
            const size_t batch = 1 + rng() % 50;
            for (size_t j = 0; j < batch && i < keys.size(); ++j, ++i) {
                u[keys[i]] = std::nullopt;
                kv.erase(keys[i]);
            }
            BOOST_REQUIRE(tree.Apply(u));
            BOOST_REQUIRE(tree.Root() == ReferenceRoot(kv));
        }
        BOOST_CHECK(tree.Root() == Hash256{});
    }
}

BOOST_AUTO_TEST_CASE(proofs_verify) {
    std::mt19937_64 rng(0x5eed0003);
    const KeyValues kv = RandomKeyValues(rng, 200);
    MemoryNodeStore store;
    StateTree tree = TreeOf(store, kv);

    for (const auto& [k, v] : kv) {
        const StateProof proof = MustProve(tree, k);
        BOOST_REQUIRE(std::holds_alternative<StateProof::Leaf>(proof.terminal));
        auto verified = VerifyStateProof(tree.Root(), k, proof);
        BOOST_REQUIRE_MESSAGE(verified.ok(), (verified.ok() ? "" : verified.error().message));
        BOOST_CHECK(*verified == v);
        // Serialization round trip is exact.
        auto decoded = StateProof::Deserialize(proof.Serialize());
        BOOST_REQUIRE(decoded.ok());
        BOOST_CHECK(*decoded == proof);
        BOOST_CHECK(decoded->Serialize() == proof.Serialize());
    }

    int empty_kind = 0, other_kind = 0;
    for (int i = 0; i < 500; ++i) {
        const Hash256 absent = RandomHash(rng);
        BOOST_REQUIRE(!kv.count(absent));
        const StateProof proof = MustProve(tree, absent);
        if (std::holds_alternative<StateProof::Empty>(proof.terminal)) ++empty_kind;
        if (std::holds_alternative<StateProof::OtherLeaf>(proof.terminal)) ++other_kind;
        BOOST_REQUIRE(!std::holds_alternative<StateProof::Leaf>(proof.terminal));
        auto verified = VerifyStateProof(tree.Root(), absent, proof);
        BOOST_REQUIRE_MESSAGE(verified.ok(), (verified.ok() ? "" : verified.error().message));
        BOOST_CHECK(!*verified);
        auto decoded = StateProof::Deserialize(proof.Serialize());
        BOOST_REQUIRE(decoded.ok());
        BOOST_CHECK(*decoded == proof);
    }
    BOOST_TEST_MESSAGE("absent-key proofs: " << empty_kind << " empty, " << other_kind
                                             << " other-leaf");
    BOOST_CHECK_GT(empty_kind, 0);
    BOOST_CHECK_GT(other_kind, 0);
}

BOOST_AUTO_TEST_CASE(proof_kinds_by_construction) {
    // Keys 00.. and 40.. share bit 0, so the root's right child is empty:
    // 80.. is absent via an empty subtree, 20.. via another key's leaf (00..).
    MemoryNodeStore store;
    StateTree tree(store, kEmptyStateHash);
    StateChanges u;
    const Hash256 k00 = KeyStartingWith(0x00);
    const Hash256 k40 = KeyStartingWith(0x40);
    u[k00] = B("a");
    u[k40] = B("b");
    BOOST_REQUIRE(tree.Apply(u));
    const Hash256 leaf00 = StateLeafHash(k00, Sha256(B("a")));
    const Hash256 leaf40 = StateLeafHash(k40, Sha256(B("b")));
    const Hash256 inner = StateNodeHash(leaf00, leaf40);
    BOOST_CHECK(tree.Root() == StateNodeHash(inner, Hash256{}));

    const Hash256 k80 = KeyStartingWith(0x80);
    StateProof empty = MustProve(tree, k80);
    BOOST_REQUIRE(std::holds_alternative<StateProof::Empty>(empty.terminal));
    BOOST_REQUIRE_EQUAL(empty.siblings.size(), 1u);
    BOOST_CHECK(empty.siblings[0] == inner);
    BOOST_CHECK_EQUAL(HexStr(empty.Serialize()), "01" + HexStr(inner) + "00");
    auto v1 = VerifyStateProof(tree.Root(), k80, empty);
    BOOST_REQUIRE(v1.ok());
    BOOST_CHECK(!*v1);

    const Hash256 k20 = KeyStartingWith(0x20);
    StateProof other = MustProve(tree, k20);
    BOOST_REQUIRE(std::holds_alternative<StateProof::OtherLeaf>(other.terminal));
    BOOST_REQUIRE_EQUAL(other.siblings.size(), 2u);
    BOOST_CHECK(other.siblings[0] == Hash256{});
    BOOST_CHECK(other.siblings[1] == leaf40);
    BOOST_CHECK(std::get<StateProof::OtherLeaf>(other.terminal).key == k00);
    BOOST_CHECK_EQUAL(HexStr(other.Serialize()), "02" + HexStr(Hash256{}) + HexStr(leaf40) + "02" +
                                                     HexStr(k00) + HexStr(Sha256(B("a"))));
    auto v2 = VerifyStateProof(tree.Root(), k20, other);
    BOOST_REQUIRE(v2.ok());
    BOOST_CHECK(!*v2);

    const StateProof member = MustProve(tree, k40);
    BOOST_CHECK_EQUAL(HexStr(member.Serialize()),
                      "02" + HexStr(Hash256{}) + HexStr(leaf00) + "01" + "0162");

    // The other-leaf proof cannot be replayed for a key outside that leaf's
    // path, nor for the leaf's own key.
    const Hash256 k60 = KeyStartingWith(0x60);
    BOOST_CHECK_EQUAL(Code(VerifyStateProof(tree.Root(), k60, other)), "bad-state-proof");
    BOOST_CHECK_EQUAL(Code(VerifyStateProof(tree.Root(), k00, other)), "bad-state-proof");
    // The empty-subtree proof does not prove a present key absent.
    BOOST_CHECK(!VerifyStateProof(tree.Root(), k00, empty).ok());
}

BOOST_AUTO_TEST_CASE(tampered_proofs_fail) {
    std::mt19937_64 rng(0x5eed0004);
    const KeyValues kv = RandomKeyValues(rng, 200);
    MemoryNodeStore store;
    StateTree tree = TreeOf(store, kv);
    const Hash256 root = tree.Root();

    auto expect_fail = [&](const Hash256& r, const Hash256& k, const StateProof& p,
                           const std::string& what) {
        auto res = VerifyStateProof(r, k, p);
        BOOST_CHECK_MESSAGE(!res.ok(), what);
    };

    int checked = 0;
    for (const auto& [k, v] : kv) {
        if (++checked > 40) break;
        const StateProof good = MustProve(tree, k);
        BOOST_REQUIRE(VerifyStateProof(root, k, good).ok());
        BOOST_REQUIRE(!good.siblings.empty());

        StateProof p = good;
        std::get<StateProof::Leaf>(p.terminal).value.push_back(0);
        expect_fail(root, k, p, "appended value byte");
        p = good;
        auto& value = std::get<StateProof::Leaf>(p.terminal).value;
        if (!value.empty()) {
            value[0] ^= 1;
            expect_fail(root, k, p, "flipped value bit");
        }

        for (size_t i = 0; i < good.siblings.size(); ++i) {
            p = good;
            p.siblings[i][rng() % 32] ^= static_cast<uint8_t>(1 + rng() % 255);
            expect_fail(root, k, p, "tampered sibling " + std::to_string(i));
        }

        Hash256 wrong_root = root;
        wrong_root[0] ^= 0x80;
        expect_fail(wrong_root, k, good, "wrong root");
        expect_fail(Hash256{}, k, good, "zero root");

        p = good;
        p.siblings.pop_back();
        expect_fail(root, k, p, "dropped last sibling");
        p = good;
        p.siblings.erase(p.siblings.begin());
        expect_fail(root, k, p, "dropped first sibling");
        p = good;
        p.siblings.push_back(RandomHash(rng));
        expect_fail(root, k, p, "extra sibling");

        // Claiming absence for a present key fails.
        p = good;
        p.terminal = StateProof::Empty{};
        expect_fail(root, k, p, "membership turned into empty");

        // A proof for one key does not verify for another.
        Hash256 other_key = k;
        other_key[31] ^= 0x01;
        if (!kv.count(other_key)) expect_fail(root, other_key, good, "other key");
    }

    // Non-membership proofs: tampering with the other leaf fails too.
    int other_checked = 0;
    for (int i = 0; i < 200 && other_checked < 20; ++i) {
        const Hash256 absent = RandomHash(rng);
        const StateProof good = MustProve(tree, absent);
        auto* other = std::get_if<StateProof::OtherLeaf>(&good.terminal);
        if (!other) continue;
        ++other_checked;
        StateProof p = good;
        std::get<StateProof::OtherLeaf>(p.terminal).value_hash[0] ^= 1;
        expect_fail(root, absent, p, "other leaf value hash");
        p = good;
        p.terminal = StateProof::Empty{};
        expect_fail(root, absent, p, "other leaf replaced by empty");
    }
    BOOST_CHECK_GT(other_checked, 0);

    // Serialized proofs: every truncation fails to decode, as do trailing
    // bytes, an unknown kind and out-of-bound counts and lengths.
    const auto bytes = MustProve(tree, kv.begin()->first).Serialize();
    for (size_t len = 0; len < bytes.size(); ++len) {
        auto d = StateProof::Deserialize(std::span<const uint8_t>(bytes.data(), len));
        BOOST_CHECK_MESSAGE(!d.ok(), "truncated to " << len);
        if (!d.ok()) BOOST_CHECK_EQUAL(d.error().code, "decode-error");
    }
    Bytes trailing = bytes;
    trailing.push_back(0);
    BOOST_CHECK(!StateProof::Deserialize(trailing).ok());
    BOOST_CHECK(!StateProof::Deserialize(*ParseHex("0003")).ok());  // unknown terminal kind
    BOOST_CHECK(StateProof::Deserialize(*ParseHex("0000")).ok());
    // Sibling count: 256 is the limit, 257 is rejected even when the bytes are there.
    Bytes max_siblings = *ParseHex("8002");  // varint 256
    max_siblings.insert(max_siblings.end(), 256 * 32, 0x11);
    max_siblings.push_back(0x00);
    auto decoded_max = StateProof::Deserialize(max_siblings);
    BOOST_REQUIRE(decoded_max.ok());
    BOOST_CHECK_EQUAL(decoded_max->siblings.size(), 256u);
    Bytes too_many = *ParseHex("8102");  // varint 257
    too_many.insert(too_many.end(), 257 * 32, 0x11);
    too_many.push_back(0x00);
    BOOST_CHECK(!StateProof::Deserialize(too_many).ok());
    // Value length: kMaxStateValueSize (8192) is the limit, one more is
    // rejected even when the bytes are there.
    static_assert(kMaxStateValueSize == 8192);
    Bytes too_long = *ParseHex("0001");  // no siblings, leaf
    too_long.push_back(0x81);            // varint 8193
    too_long.push_back(0x40);
    too_long.insert(too_long.end(), 8193, 0);
    BOOST_CHECK(!StateProof::Deserialize(too_long).ok());
    Bytes max_len = *ParseHex("0001");
    max_len.push_back(0x80);  // varint 8192
    max_len.push_back(0x40);
    max_len.insert(max_len.end(), 8192, 0);
    BOOST_CHECK(StateProof::Deserialize(max_len).ok());
    BOOST_CHECK(!StateProof::Deserialize(*ParseHex("00018000")).ok());  // non-minimal length

    // Structurally impossible proofs are rejected before hashing.
    StateProof deep;
    deep.siblings.assign(257, Hash256{1});
    BOOST_CHECK_EQUAL(Code(VerifyStateProof(root, kv.begin()->first, deep)), "bad-state-proof");
    StateProof big;
    big.terminal = StateProof::Leaf{Bytes(kMaxStateValueSize + 1, 0)};
    BOOST_CHECK_EQUAL(Code(VerifyStateProof(root, kv.begin()->first, big)), "bad-state-proof");
    StateProof empty_last = MustProve(tree, kv.begin()->first);
    empty_last.siblings.back() = Hash256{};
    BOOST_CHECK_EQUAL(Code(VerifyStateProof(root, kv.begin()->first, empty_last)),
                      "bad-state-proof");
    StateProof empty_at_bottom;
    empty_at_bottom.siblings.assign(kMaxStateDepth, Hash256{1});
    BOOST_CHECK_EQUAL(Code(VerifyStateProof(root, kv.begin()->first, empty_at_bottom)),
                      "bad-state-proof");
}

BOOST_AUTO_TEST_CASE(old_roots_stay_readable) {
    std::mt19937_64 rng(0x5eed0005);
    KeyValues kv = RandomKeyValues(rng, 150);
    MemoryNodeStore store;
    StateTree tree = TreeOf(store, kv);
    const Hash256 old_root = tree.Root();
    const KeyValues old_kv = kv;

    // Later blocks: change, delete and add keys.
    for (int step = 0; step < 10; ++step) {
        StateChanges u;
        for (int j = 0; j < 20; ++j) {
            auto it = kv.begin();
            std::advance(it, rng() % kv.size());
            const Hash256 k = it->first;
            if (j % 3 == 0) {
                u[k] = std::nullopt;
            } else {
                u[k] = RandomValue(rng);
            }
        }
        u[RandomHash(rng)] = RandomValue(rng);
        BOOST_REQUIRE(tree.Apply(u));
        for (const auto& [k, v] : u) {
            if (v) {
                kv[k] = *v;
            } else {
                kv.erase(k);
            }
        }
    }
    BOOST_REQUIRE(tree.Root() != old_root);
    BOOST_CHECK(tree.Root() == ReferenceRoot(kv));

    StateTree old_tree(store, old_root);
    int changed = 0;
    for (const auto& [k, v] : old_kv) {
        BOOST_CHECK(MustGet(old_tree, k) == v);
        const StateProof proof = MustProve(old_tree, k);
        auto verified = VerifyStateProof(old_root, k, proof);
        BOOST_REQUIRE(verified.ok());
        BOOST_CHECK(*verified == v);
        auto now = kv.find(k);
        if (now == kv.end() || now->second != v) {
            ++changed;
            // The old proof no longer matches the new root.
            BOOST_CHECK(!VerifyStateProof(tree.Root(), k, proof).ok());
        }
    }
    BOOST_CHECK_GT(changed, 0);
}

BOOST_AUTO_TEST_CASE(missing_or_corrupt_node_is_an_error) {
    std::mt19937_64 rng(0x5eed0006);
    const KeyValues kv = RandomKeyValues(rng, 100);
    MemoryNodeStore base;
    const StateTree full = TreeOf(base, kv);
    const Hash256 root = full.Root();
    const Hash256 key = kv.begin()->first;

    // Nodes on the path of `key`: hide each in turn (root, inner, leaf).
    std::vector<Hash256> path{root};
    {
        const StateProof proof = MustProve(full, key);
        Hash256 h = StateLeafHash(key, Sha256(kv.begin()->second));
        std::vector<Hash256> up{h};
        for (size_t i = proof.siblings.size(); i-- > 0;) {
            h = StateKeyBit(key, i) == 0 ? StateNodeHash(h, proof.siblings[i])
                                         : StateNodeHash(proof.siblings[i], h);
            up.push_back(h);
        }
        BOOST_REQUIRE(up.back() == root);
        path.assign(up.rbegin(), up.rend());
    }
    BOOST_REQUIRE_GE(path.size(), 3u);

    for (const Hash256& hidden : path) {
        FaultyStore store(base);
        store.m_hidden = hidden;
        StateTree tree(store, root);

        auto got = tree.Get(key);
        BOOST_REQUIRE_EQUAL(Code(got), "state-node-missing");
        BOOST_CHECK(got.error().message.find(HexStr(hidden)) != std::string::npos);
        BOOST_REQUIRE_EQUAL(Code(tree.Prove(key)), "state-node-missing");

        BOOST_REQUIRE_EQUAL(Code(tree.Apply(One(key, B("new value")))), "state-node-missing");
        BOOST_CHECK(tree.Root() == root);
        BOOST_CHECK_EQUAL(store.m_puts, 0);
        BOOST_CHECK(!tree.Apply(One(key, std::nullopt)).ok());
        BOOST_CHECK(tree.Root() == root);
        BOOST_CHECK(got.error().kind == ErrorKind::kCorruption);
    }

    // A store that cannot read a node: its own error comes through, kind and
    // all, rather than a claim that the node is missing.
    for (const Hash256& unreadable : path) {
        FaultyStore store(base);
        store.m_unreadable = unreadable;
        StateTree tree(store, root);
        auto got = tree.Get(key);
        BOOST_REQUIRE_EQUAL(Code(got), "db-io");
        BOOST_CHECK(got.error().kind == ErrorKind::kIo);
        BOOST_CHECK_EQUAL(Code(tree.Prove(key)), "db-io");
        BOOST_CHECK_EQUAL(Code(tree.Apply(One(key, B("v")))), "db-io");
        BOOST_CHECK(tree.Root() == root);
    }

    // A node whose bytes do not hash to its key, or do not decode.
    for (const Bytes& replacement :
         {*ParseHex("02" + std::string(128, '1')), *ParseHex("03"), *ParseHex("02"), Bytes{}}) {
        FaultyStore store(base);
        store.m_replaced = path[1];
        store.m_replacement = replacement;
        StateTree tree(store, root);
        BOOST_REQUIRE_EQUAL(Code(tree.Get(key)), "state-node-corrupt");
        BOOST_REQUIRE_EQUAL(Code(tree.Apply(One(key, B("v")))), "state-node-corrupt");
    }

    // Deleting a key next to a subtree that is missing: the sibling must be
    // read to know whether it moves up, and its absence is reported.
    {
        const StateProof proof = MustProve(full, key);
        FaultyStore store(base);
        store.m_hidden = proof.siblings.back();
        StateTree tree(store, root);
        BOOST_REQUIRE_EQUAL(Code(tree.Apply(One(key, std::nullopt))), "state-node-missing");
        BOOST_CHECK(tree.Root() == root);
    }

    // A root that is in no store at all.
    MemoryNodeStore empty_store;
    StateTree dangling(empty_store, root);
    BOOST_CHECK_EQUAL(Code(dangling.Get(key)), "state-node-missing");
}

BOOST_AUTO_TEST_CASE(failed_apply_writes_nothing) {
    // The batch touches the first key (left half, rewritten first) and the
    // last key (right half), whose leaf is missing: the left half's new nodes
    // must not reach the store.
    std::mt19937_64 rng(0x5eed0009);
    const KeyValues kv = RandomKeyValues(rng, 100);
    MemoryNodeStore base;
    const StateTree full = TreeOf(base, kv);
    const auto first = *kv.begin();
    const auto last = *kv.rbegin();
    BOOST_REQUIRE(StateKeyBit(first.first, 0) == 0 && StateKeyBit(last.first, 0) == 1);

    FaultyStore store(base);
    store.m_hidden = StateLeafHash(last.first, Sha256(last.second));
    StateTree tree(store, full.Root());
    StateChanges u;
    u[first.first] = B("left side");
    u[last.first] = B("right side");
    const size_t nodes = base.Nodes().size();
    BOOST_REQUIRE_EQUAL(Code(tree.Apply(u)), "state-node-missing");
    BOOST_CHECK_EQUAL(store.m_puts, 0);
    BOOST_CHECK_EQUAL(base.Nodes().size(), nodes);
    BOOST_CHECK(tree.Root() == full.Root());
}

BOOST_AUTO_TEST_CASE(malformed_tree_is_an_error) {
    // Nodes that hash correctly but break the tree's shape, written by hand
    // with the stored encoding.
    auto leaf = [](const Hash256& k, const Bytes& v) {
        Bytes n{0x01};
        n.insert(n.end(), k.begin(), k.end());
        n.push_back(static_cast<uint8_t>(v.size()));
        n.insert(n.end(), v.begin(), v.end());
        return n;
    };
    auto internal = [](const Hash256& l, const Hash256& r) {
        Bytes n{0x02};
        n.insert(n.end(), l.begin(), l.end());
        n.insert(n.end(), r.begin(), r.end());
        return n;
    };
    const Hash256 k00 = KeyStartingWith(0x00);
    const Hash256 k80 = KeyStartingWith(0x80);
    const Hash256 kc0 = KeyStartingWith(0xc0);

    // A leaf whose key starts with 1 sitting in the root's left subtree.
    {
        MemoryNodeStore store;
        const Hash256 misplaced = StateLeafHash(k80, Sha256(B("x")));
        const Hash256 other = StateLeafHash(kc0, Sha256(B("y")));
        store.Put(misplaced, leaf(k80, B("x")));
        store.Put(other, leaf(kc0, B("y")));
        const Hash256 root = StateNodeHash(misplaced, other);
        store.Put(root, internal(misplaced, other));
        StateTree tree(store, root);
        BOOST_REQUIRE_EQUAL(Code(tree.Apply(One(k00, B("z")))), "state-node-corrupt");
        BOOST_CHECK(tree.Root() == root);
    }

    // A chain of 257 internal nodes: deeper than any key has bits.
    {
        MemoryNodeStore store;
        Hash256 h = StateLeafHash(k00, Sha256(B("v")));
        store.Put(h, leaf(k00, B("v")));
        for (int i = 0; i < 257; ++i) {
            const Hash256 parent = StateNodeHash(h, Hash256{});
            store.Put(parent, internal(h, Hash256{}));
            h = parent;
        }
        StateTree tree(store, h);
        BOOST_REQUIRE_EQUAL(Code(tree.Get(k00)), "state-node-corrupt");
        BOOST_REQUIRE_EQUAL(Code(tree.Prove(k00)), "state-node-corrupt");
        BOOST_REQUIRE_EQUAL(Code(tree.Apply(One(k00, B("w")))), "state-node-corrupt");
    }

    // An internal node with two empty children.
    {
        MemoryNodeStore store;
        const Hash256 root = StateNodeHash(Hash256{}, Hash256{});
        store.Put(root, internal(Hash256{}, Hash256{}));
        StateTree tree(store, root);
        BOOST_REQUIRE_EQUAL(Code(tree.Get(k00)), "state-node-corrupt");
    }
}

BOOST_AUTO_TEST_CASE(staging_store_over_base) {
    std::mt19937_64 rng(0x5eed0007);
    KeyValues kv = RandomKeyValues(rng, 100);
    MemoryNodeStore base;
    const StateTree tree = TreeOf(base, kv);
    const size_t base_nodes = base.Nodes().size();

    // A block's updates staged on top of the base: new nodes go to the
    // staging store only; after copying them into the base the new root reads.
    MemoryNodeStore staging(&base);
    StateTree staged(staging, tree.Root());
    StateChanges u;
    u[kv.begin()->first] = B("changed");
    u[RandomHash(rng)] = B("new");
    BOOST_REQUIRE(staged.Apply(u));
    BOOST_CHECK_EQUAL(base.Nodes().size(), base_nodes);
    BOOST_CHECK(!staging.Nodes().empty());
    BOOST_CHECK(MustGet(staged, kv.begin()->first) == B("changed"));
    BOOST_CHECK(!StateTree(base, staged.Root()).Get(kv.begin()->first).ok());
    for (const auto& [h, n] : staging.Nodes())
        base.Put(h, n);
    BOOST_CHECK(MustGet(StateTree(base, staged.Root()), kv.begin()->first) == B("changed"));
}

BOOST_AUTO_TEST_CASE(single_update_cost_is_logarithmic) {
    std::mt19937_64 rng(0x5eed0008);
    for (size_t n : {1000, 10000, 100000}) {
        CountingStore store;
        StateTree tree(store, kEmptyStateHash);
        StateChanges all;
        std::vector<Hash256> keys;
        for (size_t i = 0; i < n; ++i) {
            const Hash256 k = KeyOf("address-" + std::to_string(n) + "-" + std::to_string(i));
            all[k] = RandomValue(rng);
            keys.push_back(k);
        }
        BOOST_REQUIRE(tree.Apply(all));

        constexpr int kSamples = 200;
        uint64_t reads = 0, writes = 0, max_reads = 0, max_writes = 0;
        for (int i = 0; i < kSamples; ++i) {
            StateChanges u;
            // Alternate: modify an existing key, insert a new one, delete one.
            if (i % 3 == 0) {
                u[keys[rng() % keys.size()]] = RandomValue(rng);
            } else if (i % 3 == 1) {
                u[KeyOf("new-" + std::to_string(n) + "-" + std::to_string(i))] = RandomValue(rng);
            } else {
                u[keys[rng() % keys.size()]] = std::nullopt;
            }
            store.m_reads = 0;
            store.m_writes = 0;
            BOOST_REQUIRE(tree.Apply(u));
            reads += store.m_reads;
            writes += store.m_writes;
            max_reads = std::max(max_reads, store.m_reads);
            max_writes = std::max(max_writes, store.m_writes);
        }
        const double avg_reads = static_cast<double>(reads) / kSamples;
        const double avg_writes = static_cast<double>(writes) / kSamples;
        const double log2n = std::log2(static_cast<double>(n));
        BOOST_TEST_MESSAGE("n=" << n << " log2(n)=" << log2n << ": single-key update reads avg "
                                << avg_reads << " max " << max_reads << ", writes avg "
                                << avg_writes << " max " << max_writes << "; total nodes stored "
                                << store.m_inner.Nodes().size());
        // Loose bounds: a path is about log2(n) + 2 nodes deep for hashed keys.
        BOOST_CHECK_LT(avg_reads, 2 * log2n + 4);
        BOOST_CHECK_LT(avg_writes, 2 * log2n + 4);
        BOOST_CHECK_GT(avg_reads, log2n / 2);
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace maillon
