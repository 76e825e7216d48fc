// Block headers and blocks (encoding, decoding limits, hash) and the Merkle
// root of transaction ids.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "consensus/block.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/merkle.h"
#include "serialize/codec.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using maillon::test::TestKey;

Hash256 H(uint8_t n) {
    const uint8_t b[1] = {n};
    return Sha256(b);
}

BlockHeader MakeHeader() {
    BlockHeader h;
    h.chain_id = 3;
    h.height = 0x0102030405060708ULL;
    h.time_ms = 1'767'225'600'123ULL;
    h.parent = H(1);
    h.proposer = TestKey(9).PubKey();
    h.validators_hash = H(4);
    h.next_validators_hash = H(5);
    h.last_commit_hash = H(6);
    h.tx_root = H(2);
    h.state_root = H(3);
    return h;
}

// A certificate with `n` (made-up) signatures.
CommitCertificate MakeCommit(size_t n) {
    CommitCertificate c;
    c.height = 0x0102030405060707ULL;
    c.round = 2;
    c.block_hash = H(1);
    for (size_t i = 0; i < n; ++i)
        c.signatures.push_back({i * 3, TestKey(20 + i).Sign(H(7))});
    return c;
}

Block MakeBlock(size_t ntx, size_t nsigs = 1) {
    Block b;
    b.header = MakeHeader();
    b.last_commit = MakeCommit(nsigs);
    for (size_t i = 0; i < ntx; ++i)
        b.txs.push_back(test::MakeTransfer(TestKey(1), TestKey(2).PubKey(), 100 + i, 1000 + i, i));
    b.header.tx_root = b.ComputeTxRoot();
    b.header.last_commit_hash = b.last_commit.Hash();
    return b;
}

// Encoded size of MakeCommit(n) for n < 128: 44 fixed bytes, the count, and
// per signature a 1-byte index and 64 bytes.
size_t CommitSize(size_t n) {
    return 8 + 4 + 32 + 1 + n * (1 + 64);
}

Hash256 Leaf(const Hash256& h) {
    return TaggedHash("MaillonMerkleLeaf", h);
}

Hash256 Node(const Hash256& l, const Hash256& r) {
    std::vector<uint8_t> cat(l.begin(), l.end());
    cat.insert(cat.end(), r.begin(), r.end());
    return TaggedHash("MaillonMerkleNode", cat);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(block_tests)

BOOST_AUTO_TEST_CASE(header_round_trip) {
    const BlockHeader h = MakeHeader();
    const auto bytes = h.Serialize();
    BOOST_REQUIRE_EQUAL(bytes.size(), kBlockHeaderSize);
    BOOST_REQUIRE_EQUAL(kBlockHeaderSize, 248U);
    // version 1, chain id 3, height and time little-endian, then the hashes
    // in the documented order.
    BOOST_CHECK_EQUAL(bytes[0], 1);
    BOOST_CHECK_EQUAL(bytes[4], 3);
    BOOST_CHECK_EQUAL(bytes[8], 0x08);
    BOOST_CHECK_EQUAL(bytes[15], 0x01);
    BOOST_CHECK_EQUAL(bytes[16], 1'767'225'600'123ULL & 0xff);
    BOOST_CHECK(std::equal(h.parent.begin(), h.parent.end(), bytes.begin() + 24));
    BOOST_CHECK(std::equal(h.proposer.begin(), h.proposer.end(), bytes.begin() + 56));
    BOOST_CHECK(std::equal(h.validators_hash.begin(), h.validators_hash.end(), bytes.begin() + 88));
    BOOST_CHECK(
        std::equal(h.last_commit_hash.begin(), h.last_commit_hash.end(), bytes.begin() + 152));
    BOOST_CHECK(std::equal(h.state_root.begin(), h.state_root.end(), bytes.begin() + 216));
    auto back = DecodeBlockHeader(bytes);
    BOOST_REQUIRE_MESSAGE(back, (back ? "" : back.error().message));
    BOOST_CHECK(*back == h);
    BOOST_CHECK(back->Hash() == h.Hash());
    BOOST_CHECK(back->Serialize() == bytes);
}

BOOST_AUTO_TEST_CASE(header_decode_rejects_bad_input) {
    const auto bytes = MakeHeader().Serialize();
    for (size_t len = 0; len < bytes.size(); ++len) {
        auto r = DecodeBlockHeader(std::span(bytes.data(), len));
        BOOST_REQUIRE_MESSAGE(!r, "header truncated to " << len << " bytes accepted");
        BOOST_CHECK(r.error().message.find("truncated") != std::string::npos);
    }
    auto trailing = bytes;
    trailing.push_back(0);
    auto r = DecodeBlockHeader(trailing);
    BOOST_REQUIRE(!r);
    BOOST_CHECK(r.error().message.find("trailing") != std::string::npos);

    auto version = bytes;
    version[0] = 2;
    r = DecodeBlockHeader(version);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(r.error().message.find("unknown block version 2") != std::string::npos,
                        r.error().message);
}

BOOST_AUTO_TEST_CASE(block_round_trip) {
    for (size_t ntx : {0, 1, 3}) {
        const Block b = MakeBlock(ntx, 2);
        const auto bytes = b.Serialize();
        const size_t body = kBlockHeaderSize + CommitSize(2);
        BOOST_CHECK_EQUAL(bytes.size(), body + 1 + ntx * 160);
        BOOST_CHECK_EQUAL(bytes[body], ntx);
        auto back = DecodeBlock(bytes, 10);
        BOOST_REQUIRE_MESSAGE(back, (back ? "" : back.error().message));
        BOOST_CHECK(back->header == b.header);
        BOOST_CHECK(back->last_commit == b.last_commit);
        BOOST_REQUIRE_EQUAL(back->txs.size(), ntx);
        for (size_t i = 0; i < ntx; ++i)
            BOOST_CHECK(back->txs[i].Id() == b.txs[i].Id());
        BOOST_CHECK(back->ComputeTxRoot() == b.header.tx_root);
        BOOST_CHECK(back->Serialize() == bytes);
        BOOST_CHECK_EQUAL(b.EncodedSize(), bytes.size());
        // The head alone: header and certificate, whatever follows.
        auto head = DecodeBlockHead(bytes);
        BOOST_REQUIRE_MESSAGE(head, (head ? "" : head.error().message));
        BOOST_CHECK(head->header == b.header);
        BOOST_CHECK(head->last_commit == b.last_commit);
        BOOST_CHECK(!DecodeBlockHead(std::span(bytes.data(), body - 1)));
    }
}

BOOST_AUTO_TEST_CASE(block_decode_rejects_truncated_and_trailing) {
    const auto bytes = MakeBlock(3).Serialize();
    for (size_t len = 0; len < bytes.size(); ++len) {
        auto r = DecodeBlock(std::span(bytes.data(), len), 10);
        BOOST_REQUIRE_MESSAGE(!r, "block truncated to " << len << " bytes accepted");
        BOOST_CHECK_EQUAL(r.error().code, "decode-error");
    }
    auto trailing = bytes;
    trailing.push_back(0x00);
    auto r = DecodeBlock(trailing, 10);
    BOOST_REQUIRE(!r);
    BOOST_CHECK(r.error().message.find("trailing") != std::string::npos);

    const size_t count_at = kBlockHeaderSize + CommitSize(1);
    // A count larger than the transactions that follow.
    auto more = MakeBlock(3).Serialize();
    more[count_at] = 4;
    r = DecodeBlock(more, 10);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(r.error().message.find("truncated") != std::string::npos,
                        r.error().message);

    // A bad transaction inside the block fails the block.
    auto bad_tx = MakeBlock(2).Serialize();
    bad_tx[count_at + 2] = 10;  // first transaction's type
    r = DecodeBlock(bad_tx, 10);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(r.error().message.find("unknown transaction type") != std::string::npos,
                        r.error().message);
}

BOOST_AUTO_TEST_CASE(block_decode_enforces_max_txs) {
    const auto bytes = MakeBlock(3).Serialize();
    BOOST_CHECK(DecodeBlock(bytes, 3));
    auto r = DecodeBlock(bytes, 2);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_MESSAGE(
        r.error().message.find("block.tx_count: count 3 exceeds limit 2") != std::string::npos,
        r.error().message);

    Writer prefix;
    prefix.Raw(MakeHeader().Serialize());
    MakeCommit(1).Write(prefix);
    // A huge declared count behind a valid header fails on the limit.
    Writer w;
    w.Raw(prefix.Data());
    w.VarInt(uint64_t{1} << 60);
    r = DecodeBlock(w.Data(), 10'000);
    BOOST_REQUIRE(!r);
    BOOST_CHECK(r.error().message.find("exceeds limit 10000") != std::string::npos);

    // A count within the limit but far beyond the bytes present fails as
    // truncated.
    Writer w2;
    w2.Raw(prefix.Data());
    w2.VarInt(10'000);
    r = DecodeBlock(w2.Data(), 10'000);
    BOOST_REQUIRE(!r);
    BOOST_CHECK(r.error().message.find("truncated") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hash_covers_the_whole_header) {
    const BlockHeader h = MakeHeader();
    const auto bytes = h.Serialize();
    BOOST_CHECK(h.Hash() == TaggedHash("MaillonBlockHash", bytes));
    const Hash256 hash = h.Hash();
    // Every field is covered.
    const std::vector<std::function<void(BlockHeader&)>> changes = {
        [](BlockHeader& x) { x.chain_id = 2; },
        [](BlockHeader& x) { x.height += 1; },
        [](BlockHeader& x) { x.time_ms += 1; },
        [](BlockHeader& x) { x.parent[5] ^= 1; },
        [](BlockHeader& x) { x.proposer = TestKey(8).PubKey(); },
        [](BlockHeader& x) { x.validators_hash[0] ^= 1; },
        [](BlockHeader& x) { x.next_validators_hash[0] ^= 1; },
        [](BlockHeader& x) { x.last_commit_hash[0] ^= 1; },
        [](BlockHeader& x) { x.tx_root[0] ^= 1; },
        [](BlockHeader& x) { x.state_root[31] ^= 1; },
    };
    for (size_t i = 0; i < changes.size(); ++i) {
        BlockHeader changed = MakeHeader();
        changes[i](changed);
        BOOST_CHECK_MESSAGE(changed.Hash() != hash, "field " << i << " is not hashed");
    }
}

BOOST_AUTO_TEST_CASE(merkle_root_empty_and_single) {
    BOOST_CHECK(MerkleRoot({}) == Hash256{});
    BOOST_CHECK(MakeBlock(0).ComputeTxRoot() == Hash256{});

    const Hash256 a = H(10);
    const std::vector<Hash256> one{a};
    BOOST_CHECK(MerkleRoot(one) == Leaf(a));
    BOOST_CHECK(MerkleRoot(one) != a);  // leaves are domain-separated
}

BOOST_AUTO_TEST_CASE(merkle_root_structure_by_hand) {
    const Hash256 a = H(10), b = H(11), c = H(12), d = H(13), e = H(14);
    const std::vector<Hash256> two{a, b};
    BOOST_CHECK(MerkleRoot(two) == Node(Leaf(a), Leaf(b)));

    // An odd node is carried up unchanged.
    const std::vector<Hash256> three{a, b, c};
    BOOST_CHECK(MerkleRoot(three) == Node(Node(Leaf(a), Leaf(b)), Leaf(c)));

    const std::vector<Hash256> four{a, b, c, d};
    BOOST_CHECK(MerkleRoot(four) == Node(Node(Leaf(a), Leaf(b)), Node(Leaf(c), Leaf(d))));

    const std::vector<Hash256> five{a, b, c, d, e};
    BOOST_CHECK(MerkleRoot(five) ==
                Node(Node(Node(Leaf(a), Leaf(b)), Node(Leaf(c), Leaf(d))), Leaf(e)));

    // Six: the second level is [N(a,b), N(c,d), N(e,f)], the odd N(e,f) carried up.
    const Hash256 f = H(15);
    const std::vector<Hash256> six{a, b, c, d, e, f};
    BOOST_CHECK(MerkleRoot(six) ==
                Node(Node(Node(Leaf(a), Leaf(b)), Node(Leaf(c), Leaf(d))), Node(Leaf(e), Leaf(f))));

    // The block's tx root is the Merkle root of its ids in order.
    const Block blk = MakeBlock(3);
    BOOST_CHECK(blk.ComputeTxRoot() ==
                Node(Node(Leaf(blk.txs[0].Id()), Leaf(blk.txs[1].Id())), Leaf(blk.txs[2].Id())));
}

BOOST_AUTO_TEST_CASE(merkle_root_order_matters_and_no_duplication) {
    const Hash256 a = H(10), b = H(11), c = H(12);
    const std::vector<Hash256> ab{a, b}, ba{b, a};
    BOOST_CHECK(MerkleRoot(ab) != MerkleRoot(ba));

    const std::vector<Hash256> abc{a, b, c}, abcc{a, b, c, c}, acb{a, c, b};
    BOOST_CHECK(MerkleRoot(abc) != MerkleRoot(abcc));
    BOOST_CHECK(MerkleRoot(abc) != MerkleRoot(acb));

    // Also for the second level: 5 leaves vs. the last one repeated to 6.
    const Hash256 d = H(13), e = H(14);
    const std::vector<Hash256> five{a, b, c, d, e}, six{a, b, c, d, e, e};
    BOOST_CHECK(MerkleRoot(five) != MerkleRoot(six));

    // An inner node cannot pose as a leaf: the root of [a, b] as a single
    // leaf differs from the root of [a, b].
    const std::vector<Hash256> inner{Node(Leaf(a), Leaf(b))};
    BOOST_CHECK(MerkleRoot(inner) != MerkleRoot(ab));

    // Swapping two transactions changes the block's tx root.
    Block blk = MakeBlock(3);
    const Hash256 root = blk.ComputeTxRoot();
    std::swap(blk.txs[0], blk.txs[2]);
    BOOST_CHECK(blk.ComputeTxRoot() != root);
}

BOOST_AUTO_TEST_SUITE_END()
