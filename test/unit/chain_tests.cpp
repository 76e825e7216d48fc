// Chain on a real LevelDB database in a temporary directory: genesis,
// block assembly and connection, indexes, restart, rejection of bad blocks,
// network mismatch, account proofs and determinism of the state root.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chain/chain.h"
#include "chain/state_tree.h"
#include "consensus/params.h"
#include "consensus/state_proof.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "primitives/account.h"
#include "primitives/block.h"
#include "test/util/setup.h"

using namespace maillon;
namespace fs = std::filesystem;

namespace {

using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::MakeTransfer;
using maillon::test::TempDir;
using maillon::test::TestKey;

const Amount kGenesisBalance = 1'000'000 * kCoin;

XOnlyPubKey DevPub() {
    return DevKey().PubKey();
}

std::unique_ptr<Chain> OpenChain(const std::string& path, const ChainParams& params = Dev()) {
    auto chain = Chain::Open(path, params);
    BOOST_REQUIRE_MESSAGE(chain, (chain ? "" : chain.error().code + ": " + chain.error().message));
    return std::move(*chain);
}

// Assembles a block from candidates on the tip, signed by the dev validator.
Block Produce(const Chain& chain, const std::vector<Transaction>& candidates, uint64_t time_ms) {
    auto block = test::DevBlock(chain, candidates, time_ms);
    BOOST_REQUIRE_MESSAGE(block, test::ErrorText(block));
    return *block;
}

void Resign(Block& b) {
    b.header.proposer_sig = DevKey().Sign(b.header.Hash());
}

// After a change to the transactions: recomputes the tx root and re-signs.
void Reseal(Block& b) {
    b.header.tx_root = b.ComputeTxRoot();
    Resign(b);
}

Account Acct(const Chain& chain, const XOnlyPubKey& a) {
    auto r = chain.GetAccount(a);
    BOOST_REQUIRE(r);
    return *r;
}

// The state root of exactly these accounts, computed independently of Chain.
Hash256 ExpectedRoot(const std::map<XOnlyPubKey, Account>& accounts) {
    MemoryNodeStore store;
    StateTree tree(store, kEmptyStateHash);
    StateUpdates updates;
    for (const auto& [a, acct] : accounts)
        updates[AccountKey(a)] = SerializeAccount(acct);
    BOOST_REQUIRE(tree.Apply(updates));
    return tree.Root();
}

Account Bal(Amount balance, uint64_t nonce = 0) {
    Account a;
    a.balance = balance;
    a.nonce = nonce;
    return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chain_tests)

BOOST_AUTO_TEST_CASE(open_writes_genesis) {
    TempDir dir;
    auto chain = OpenChain(dir.File("chain"));
    const BlockHeader tip = chain->Tip();
    BOOST_CHECK_EQUAL(tip.height, 0U);
    BOOST_CHECK_EQUAL(tip.chain_id, Dev().chain_id);
    BOOST_CHECK_EQUAL(tip.time_ms, Dev().genesis_time_ms);
    BOOST_CHECK(tip.parent == Hash256{});
    BOOST_CHECK(tip.tx_root == Hash256{});
    // One funded account: the root is that account's leaf.
    const Account dev_acct = Bal(kGenesisBalance);
    BOOST_CHECK(tip.state_root ==
                StateLeafHash(AccountKey(DevPub()), Sha256(SerializeAccount(dev_acct))));
    BOOST_CHECK(tip.state_root == ExpectedRoot({{DevPub(), dev_acct}}));

    BOOST_CHECK(Acct(*chain, DevPub()) == dev_acct);
    BOOST_CHECK(Acct(*chain, TestKey(1).PubKey()).IsEmpty());

    auto h0 = chain->GetBlockHash(0);
    BOOST_REQUIRE(h0 && h0->has_value());
    BOOST_CHECK(**h0 == tip.Hash());
    auto genesis = chain->GetBlock(tip.Hash());
    BOOST_REQUIRE(genesis && genesis->has_value());
    BOOST_CHECK((*genesis)->txs.empty());
    BOOST_CHECK((*genesis)->header.Serialize() == tip.Serialize());

    auto h1 = chain->GetBlockHash(1);
    BOOST_REQUIRE(h1);
    BOOST_CHECK(!h1->has_value());
    auto missing = chain->GetBlock(Sha256(std::vector<uint8_t>{1}));
    BOOST_REQUIRE(missing);
    BOOST_CHECK(!missing->has_value());
}

BOOST_AUTO_TEST_CASE(connect_blocks_updates_state_and_indexes) {
    TempDir dir;
    auto chain = OpenChain(dir.File("chain"));
    const BlockHeader genesis = chain->Tip();
    const PrivKey dev = DevKey();
    const PrivKey r = TestKey(1);
    const XOnlyPubKey s = TestKey(2).PubKey();

    const Transaction t1 = MakeTransfer(dev, r.PubKey(), 5 * kCoin, 1000, 0);
    const Transaction t2 = MakeTransfer(dev, s, 3 * kCoin, 2000, 1);
    // Candidates that no longer apply are skipped: a nonce gap and an unfunded sender.
    const Transaction gap = MakeTransfer(dev, s, 1, 1000, 7);
    const Transaction broke = MakeTransfer(TestKey(3), s, 1, 1000, 0);
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const Block b1 = Produce(*chain, {t1, gap, broke, t2}, t);
    BOOST_REQUIRE_EQUAL(b1.txs.size(), 2U);
    BOOST_CHECK(b1.txs[0].Id() == t1.Id());
    BOOST_CHECK(b1.txs[1].Id() == t2.Id());
    BOOST_CHECK_EQUAL(b1.header.height, 1U);
    BOOST_CHECK(b1.header.parent == genesis.Hash());
    BOOST_CHECK_EQUAL(b1.header.time_ms, t);
    BOOST_CHECK(b1.header.tx_root == b1.ComputeTxRoot());

    BOOST_REQUIRE_EQUAL(Code(chain->ConnectBlock(b1, t)), "ok");
    BOOST_CHECK(chain->Tip().Hash() == b1.header.Hash());
    BOOST_CHECK_EQUAL(chain->Tip().height, 1U);

    // The dev key is also the proposer: its fees come back to it.
    const Account dev1 = Bal(kGenesisBalance - 8 * kCoin, 2);
    BOOST_CHECK(Acct(*chain, dev.PubKey()) == dev1);
    BOOST_CHECK(Acct(*chain, r.PubKey()) == Bal(5 * kCoin));
    BOOST_CHECK(Acct(*chain, s) == Bal(3 * kCoin));
    BOOST_CHECK(
        chain->Tip().state_root ==
        ExpectedRoot({{dev.PubKey(), dev1}, {r.PubKey(), Bal(5 * kCoin)}, {s, Bal(3 * kCoin)}}));

    auto loc1 = chain->FindTransaction(t1.Id());
    auto loc2 = chain->FindTransaction(t2.Id());
    BOOST_REQUIRE(loc1 && loc1->has_value());
    BOOST_REQUIRE(loc2 && loc2->has_value());
    BOOST_CHECK_EQUAL((*loc1)->height, 1U);
    BOOST_CHECK_EQUAL((*loc1)->index, 0U);
    BOOST_CHECK_EQUAL((*loc2)->height, 1U);
    BOOST_CHECK_EQUAL((*loc2)->index, 1U);
    auto none = chain->FindTransaction(gap.Id());
    BOOST_REQUIRE(none);
    BOOST_CHECK(!none->has_value());

    auto h1 = chain->GetBlockHash(1);
    BOOST_REQUIRE(h1 && h1->has_value());
    BOOST_CHECK(**h1 == b1.header.Hash());
    auto stored = chain->GetBlock(**h1);
    BOOST_REQUIRE(stored && stored->has_value());
    BOOST_CHECK((*stored)->Serialize() == b1.Serialize());

    // A second block spends the received funds; the fee goes to the proposer.
    const Transaction t3 = MakeTransfer(r, s, 1 * kCoin, 1500, 0);
    const Block b2 = Produce(*chain, {t3}, t);  // time is bumped past the parent
    BOOST_CHECK_EQUAL(b2.header.time_ms, t + 1);
    BOOST_REQUIRE_EQUAL(Code(chain->ConnectBlock(b2, t + 1)), "ok");
    BOOST_CHECK_EQUAL(chain->Tip().height, 2U);
    BOOST_CHECK(chain->Tip().parent == b1.header.Hash());
    BOOST_CHECK(Acct(*chain, r.PubKey()) == Bal(4 * kCoin - 1500, 1));
    BOOST_CHECK(Acct(*chain, s) == Bal(4 * kCoin));
    BOOST_CHECK(Acct(*chain, dev.PubKey()) == Bal(kGenesisBalance - 8 * kCoin + 1500, 2));
    auto loc3 = chain->FindTransaction(t3.Id());
    BOOST_REQUIRE(loc3 && loc3->has_value());
    BOOST_CHECK_EQUAL((*loc3)->height, 2U);
    BOOST_CHECK_EQUAL((*loc3)->index, 0U);

    // The same block again does not connect (its parent is no longer the tip).
    BOOST_CHECK_EQUAL(Code(chain->ConnectBlock(b2, t + 1)), "bad-height");

    // An empty block keeps the state root.
    const Hash256 root2 = chain->Tip().state_root;
    const Block b3 = Produce(*chain, {}, t + 2);
    BOOST_REQUIRE_EQUAL(Code(chain->ConnectBlock(b3, t + 2)), "ok");
    BOOST_CHECK(chain->Tip().state_root == root2);
    BOOST_CHECK(chain->Tip().tx_root == Hash256{});
}

BOOST_AUTO_TEST_CASE(reopen_resumes_at_tip) {
    TempDir dir;
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const XOnlyPubKey r = TestKey(1).PubKey();
    BlockHeader tip;
    {
        auto chain = OpenChain(dir.File("chain"));
        for (uint64_t i = 0; i < 3; ++i) {
            const Block b = Produce(*chain, {MakeTransfer(DevKey(), r, 10 + i, 1000, i)}, t + i);
            BOOST_REQUIRE_EQUAL(Code(chain->ConnectBlock(b, t + i)), "ok");
        }
        tip = chain->Tip();
        BOOST_REQUIRE_EQUAL(tip.height, 3U);
    }
    auto chain = OpenChain(dir.File("chain"));
    BOOST_CHECK(chain->Tip().Hash() == tip.Hash());
    BOOST_CHECK(chain->Tip().state_root == tip.state_root);
    BOOST_CHECK_EQUAL(chain->Tip().height, 3U);
    BOOST_CHECK(Acct(*chain, r) == Bal(10 + 11 + 12));
    BOOST_CHECK_EQUAL(Acct(*chain, DevPub()).nonce, 3U);
    for (uint64_t h = 0; h <= 3; ++h) {
        auto hash = chain->GetBlockHash(h);
        BOOST_REQUIRE(hash && hash->has_value());
    }
    // And it keeps going from there.
    const Block b = Produce(*chain, {MakeTransfer(DevKey(), r, 1, 1000, 3)}, t + 10);
    BOOST_CHECK(b.header.parent == tip.Hash());
    BOOST_REQUIRE_EQUAL(Code(chain->ConnectBlock(b, t + 10)), "ok");
    BOOST_CHECK_EQUAL(chain->Tip().height, 4U);
    BOOST_CHECK(Acct(*chain, r) == Bal(34));
}

BOOST_AUTO_TEST_CASE(connect_rejects_bad_blocks_and_keeps_tip) {
    TempDir dir;
    auto chain = OpenChain(dir.File("chain"));
    const BlockHeader genesis = chain->Tip();
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const XOnlyPubKey r = TestKey(1).PubKey();
    const Transaction tx = MakeTransfer(DevKey(), r, 5 * kCoin, 1000, 0);
    const Block good = Produce(*chain, {tx}, t);

    // Connecting `b` at `now` fails with `code` and leaves everything as it was.
    auto check_rejected = [&](const Block& block, uint64_t now, const std::string& code,
                              const std::string& what) {
        BOOST_TEST_CONTEXT(what) {
            BOOST_CHECK_EQUAL(Code(chain->ConnectBlock(block, now)), code);
        }
        BOOST_CHECK_MESSAGE(chain->Tip().Hash() == genesis.Hash(), what);
        BOOST_CHECK(Acct(*chain, DevPub()) == Bal(kGenesisBalance));
        BOOST_CHECK(Acct(*chain, r).IsEmpty());
        auto loc = chain->FindTransaction(tx.Id());
        BOOST_REQUIRE(loc);
        BOOST_CHECK_MESSAGE(!loc->has_value(), what << ": transaction indexed");
        auto h1 = chain->GetBlockHash(1);
        BOOST_REQUIRE(h1);
        BOOST_CHECK_MESSAGE(!h1->has_value(), what << ": height 1 indexed");
    };

    Block b = good;
    b.header.state_root[0] ^= 1;
    Resign(b);
    check_rejected(b, t, "bad-state-root", "state root");

    b = good;
    b.header.tx_root[0] ^= 1;
    Resign(b);
    check_rejected(b, t, "bad-tx-root", "tx root");

    b = good;
    b.header.proposer_sig[0] ^= 1;
    check_rejected(b, t, "bad-block-signature", "signature");

    b = good;
    b.header.parent[0] ^= 1;
    Resign(b);
    check_rejected(b, t, "bad-parent", "parent");

    // A transaction the state cannot pay for (header and tx root consistent).
    b = good;
    b.txs = {MakeTransfer(TestKey(5), r, 1, 1000, 0)};
    Reseal(b);
    check_rejected(b, t, "insufficient-funds", "unfunded transaction");

    // A block with a bad transaction signature.
    b = good;
    b.txs[0].signature[3] ^= 1;
    Reseal(b);
    check_rejected(b, t, "bad-signature", "transaction signature");

    // From too far in the future for the local clock.
    check_rejected(good, t - Dev().max_future_block_ms - 1, "time-too-new", "future");

    // The untouched block still connects.
    BOOST_REQUIRE_EQUAL(Code(chain->ConnectBlock(good, t)), "ok");
    BOOST_CHECK(chain->Tip().Hash() == good.header.Hash());
    BOOST_CHECK(Acct(*chain, r) == Bal(5 * kCoin));
}

BOOST_AUTO_TEST_CASE(wrong_network) {
    TempDir dir;
    BlockHeader tip;
    {
        auto chain = OpenChain(dir.File("chain"));
        tip = chain->Tip();
    }
    for (Network net : {Network::kTest, Network::kMain}) {
        auto other = Chain::Open(dir.File("chain"), GetParams(net));
        BOOST_REQUIRE(!other);
        BOOST_CHECK_EQUAL(other.error().code, "wrong-network");
        BOOST_CHECK_MESSAGE(other.error().message.find("chain id 3") != std::string::npos,
                            other.error().message);
    }
    // The database was not touched and is usable again.
    auto chain = OpenChain(dir.File("chain"));
    BOOST_CHECK(chain->Tip().Hash() == tip.Hash());
}

BOOST_AUTO_TEST_CASE(prove_account) {
    TempDir dir;
    auto chain = OpenChain(dir.File("chain"));
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const XOnlyPubKey r = TestKey(1).PubKey();
    const Block b1 = Produce(*chain, {MakeTransfer(DevKey(), r, 5 * kCoin, 1000, 0)}, t);
    BOOST_REQUIRE_EQUAL(Code(chain->ConnectBlock(b1, t)), "ok");

    // Funded, at the tip.
    auto p = chain->ProveAccount(r, 1);
    BOOST_REQUIRE_MESSAGE(p, (p ? "" : p.error().message));
    BOOST_CHECK(p->header.Hash() == b1.header.Hash());
    BOOST_REQUIRE(p->account);
    BOOST_CHECK(*p->account == Bal(5 * kCoin));
    auto v = VerifyStateProof(p->header.state_root, AccountKey(r), p->proof);
    BOOST_REQUIRE_MESSAGE(v, (v ? "" : v.error().message));
    BOOST_REQUIRE(v->has_value());
    BOOST_CHECK(**v == SerializeAccount(*p->account));
    // The proof survives its wire encoding.
    auto decoded = StateProof::Deserialize(p->proof.Serialize());
    BOOST_REQUIRE(decoded);
    BOOST_CHECK(*decoded == p->proof);

    // The same proof does not hold against another root or for another key.
    auto g = chain->ProveAccount(r, 0);
    BOOST_REQUIRE(g);
    BOOST_CHECK(!g->account);
    BOOST_CHECK(!VerifyStateProof(g->header.state_root, AccountKey(r), p->proof));
    BOOST_CHECK(!VerifyStateProof(p->header.state_root, AccountKey(DevPub()), p->proof));
    // At genesis r was absent, and the proof of that verifies.
    auto gv = VerifyStateProof(g->header.state_root, AccountKey(r), g->proof);
    BOOST_REQUIRE(gv);
    BOOST_CHECK(!gv->has_value());

    // The dev account at genesis and at height 1.
    auto d0 = chain->ProveAccount(DevPub(), 0);
    BOOST_REQUIRE(d0 && d0->account);
    BOOST_CHECK_EQUAL(d0->account->balance, kGenesisBalance);
    auto d1 = chain->ProveAccount(DevPub(), 1);
    BOOST_REQUIRE(d1 && d1->account);
    BOOST_CHECK_EQUAL(d1->account->balance, kGenesisBalance - 5 * kCoin);
    auto d1v = VerifyStateProof(d1->header.state_root, AccountKey(DevPub()), d1->proof);
    BOOST_REQUIRE(d1v && d1v->has_value());
    BOOST_CHECK(**d1v == SerializeAccount(*d1->account));

    // An address nobody has used: proven absent.
    const XOnlyPubKey unknown = TestKey(9).PubKey();
    auto u = chain->ProveAccount(unknown, 1);
    BOOST_REQUIRE(u);
    BOOST_CHECK(!u->account);
    auto uv = VerifyStateProof(u->header.state_root, AccountKey(unknown), u->proof);
    BOOST_REQUIRE_MESSAGE(uv, (uv ? "" : uv.error().message));
    BOOST_CHECK(!uv->has_value());

    auto beyond = chain->ProveAccount(r, 2);
    BOOST_REQUIRE(!beyond);
    BOOST_CHECK_EQUAL(beyond.error().code, "not-found");
}

BOOST_AUTO_TEST_CASE(state_root_is_deterministic) {
    TempDir dir_a, dir_b;
    auto a = OpenChain(dir_a.File("chain"));
    auto b = OpenChain(dir_b.File("chain"));
    BOOST_REQUIRE(a->Tip().Hash() == b->Tip().Hash());

    const PrivKey k1 = TestKey(1), k2 = TestKey(2);
    const uint64_t t = Dev().genesis_time_ms + 1000;
    struct Step {
        const PrivKey* from;
        const XOnlyPubKey to;
        Amount amount;
        uint64_t nonce;
    };
    const std::vector<std::vector<Step>> blocks = {
        {{nullptr, k1.PubKey(), 50 * kCoin, 0}, {nullptr, k2.PubKey(), 20 * kCoin, 1}},
        {{&k1, k2.PubKey(), 7 * kCoin, 0}, {&k2, TestKey(3).PubKey(), 1 * kCoin, 0}},
        {{&k1, DevPub(), 3 * kCoin, 1}},
    };
    const PrivKey dev = DevKey();
    Hash256 previous = a->Tip().state_root;
    for (size_t i = 0; i < blocks.size(); ++i) {
        // Each chain signs its own copies: different signatures, same effects.
        std::vector<Transaction> txs_a, txs_b;
        for (const Step& s : blocks[i]) {
            const PrivKey& from = s.from ? *s.from : dev;
            txs_a.push_back(MakeTransfer(from, s.to, s.amount, 1000, s.nonce));
            txs_b.push_back(MakeTransfer(from, s.to, s.amount, 1000, s.nonce));
        }
        const Block ba = Produce(*a, txs_a, t + i);
        const Block bb = Produce(*b, txs_b, t + i);
        BOOST_REQUIRE_EQUAL(ba.txs.size(), blocks[i].size());
        BOOST_REQUIRE_EQUAL(bb.txs.size(), blocks[i].size());
        BOOST_REQUIRE_EQUAL(Code(a->ConnectBlock(ba, t + i)), "ok");
        BOOST_REQUIRE_EQUAL(Code(b->ConnectBlock(bb, t + i)), "ok");
        BOOST_CHECK(a->Tip().state_root == b->Tip().state_root);
        BOOST_CHECK(a->Tip().state_root != previous);
        previous = a->Tip().state_root;
    }
    // Both equal the root of the expected accounts, computed from scratch.
    const Amount fees_k1 = 2000, fees_k2 = 1000;
    const std::map<XOnlyPubKey, Account> expect = {
        {DevPub(), Bal(kGenesisBalance - 70 * kCoin + 3 * kCoin + fees_k1 + fees_k2, 2)},
        {k1.PubKey(), Bal(50 * kCoin - 7 * kCoin - 3 * kCoin - fees_k1, 2)},
        {k2.PubKey(), Bal(20 * kCoin + 7 * kCoin - 1 * kCoin - fees_k2, 1)},
        {TestKey(3).PubKey(), Bal(1 * kCoin)},
    };
    for (const auto& [addr, acct] : expect)
        BOOST_CHECK(Acct(*a, addr) == acct);
    BOOST_CHECK(a->Tip().state_root == ExpectedRoot(expect));
}

BOOST_AUTO_TEST_SUITE_END()
