// Chain on a real LevelDB database in a temporary directory: genesis, block
// assembly, validation and commit, indexes, restart, rejection of bad blocks
// and certificates, network mismatch, account proofs, determinism of the
// state root, and how storage failures are reported.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chain/chain.h"
#include "chain/state_tree.h"
#include "consensus/block_verify.h"
#include "consensus/commit.h"
#include "consensus/params.h"
#include "consensus/records.h"
#include "consensus/reward_records.h"
#include "consensus/state_proof.h"
#include "consensus/tx/heartbeat.h"
#include "consensus/tx/register_device.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "test/util/faulty_env.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using maillon::test::Code;
using maillon::test::Dev;
using maillon::test::DevCommit;
using maillon::test::MakeRegisterDevice;
using maillon::test::MakeTransfer;
using maillon::test::MapState;
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

// Stages a block from candidates on the tip, proposed by the dev validator.
StagedBlock Stage(const Chain& chain, const std::vector<Transaction>& candidates,
                  uint64_t time_ms) {
    auto staged = test::DevBlock(chain, candidates, time_ms);
    BOOST_REQUIRE_MESSAGE(staged, test::ErrorText(staged));
    return std::move(*staged);
}

// Stages and commits, as the dev producer does.
Block Produce(Chain& chain, const std::vector<Transaction>& candidates, uint64_t time_ms) {
    StagedBlock staged = Stage(chain, candidates, time_ms);
    BOOST_REQUIRE_EQUAL(Code(chain.CommitBlock(staged, DevCommit(staged))), "ok");
    return staged.block;
}

Account Acct(const Chain& chain, const XOnlyPubKey& a) {
    auto r = chain.GetAccount(a);
    BOOST_REQUIRE(r);
    return *r;
}

Account Bal(Amount balance, uint64_t nonce = 0) {
    Account a;
    a.balance = balance;
    a.nonce = nonce;
    return a;
}

// The state root of the dev genesis state with these accounts written over
// it, computed independently of Chain.
Hash256 ExpectedRoot(const std::map<XOnlyPubKey, Account>& accounts,
                     const std::function<void(StateOverlay&)>& more = {}) {
    MapState state = test::DevGenesisState();
    for (const auto& [a, acct] : accounts)
        state.SetAccount(a, acct);
    if (more) {
        StateOverlay overlay(state);
        more(overlay);
        state.Apply(overlay.Changes());
    }
    MemoryNodeStore store;
    StateTree tree(store, kEmptyStateHash);
    StateChanges updates;
    for (const auto& [key, value] : state.values)
        updates[key] = value;
    BOOST_REQUIRE(tree.Apply(updates));
    return tree.Root();
}

// Re-computes what a header commits to about the body after a test changed it.
void Reseal(Block& b) {
    b.header.tx_root = b.ComputeTxRoot();
    b.header.last_commit_hash = b.last_commit.Hash();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chain_tests)

BOOST_AUTO_TEST_CASE(open_writes_genesis) {
    TempDir dir;
    auto chain = OpenChain(dir.File("chain"));
    const BlockHeader tip = chain->Tip();
    BOOST_CHECK_EQUAL(tip.height, 0U);
    BOOST_CHECK(tip.Hash() == Dev().genesis_hash);
    BOOST_CHECK_EQUAL(tip.chain_id, Dev().chain_id);
    BOOST_CHECK_EQUAL(tip.time_ms, Dev().genesis_time_ms);
    BOOST_CHECK(tip.parent == Hash256{});
    BOOST_CHECK(tip.proposer == XOnlyPubKey{});
    BOOST_CHECK(tip.tx_root == Hash256{});
    auto set = ValidatorSet::Make(Dev().genesis_validators);
    BOOST_REQUIRE(set);
    BOOST_CHECK(tip.validators_hash == set->Hash());
    BOOST_CHECK(tip.next_validators_hash == set->Hash());
    BOOST_CHECK(tip.last_commit_hash == CommitCertificate{}.Hash());
    BOOST_CHECK(chain->TipCommit() == GenesisCommit(Dev().genesis_hash));

    BOOST_CHECK(tip.state_root == ExpectedRoot({}));
    BOOST_CHECK(Acct(*chain, DevPub()) == Bal(kGenesisBalance));
    BOOST_CHECK(Acct(*chain, TestKey(1).PubKey()).IsEmpty());
    auto supply = GetSupply(*chain);
    BOOST_REQUIRE(supply);
    BOOST_CHECK_EQUAL(supply->genesis, kGenesisBalance + set->TotalPower());
    BOOST_CHECK_EQUAL(supply->locked, set->TotalPower());
    BOOST_CHECK_EQUAL(supply->minted + supply->burned, 0U);
    auto current = GetValidatorSet(*chain, RecordTag::kValidators);
    BOOST_REQUIRE(current);
    BOOST_CHECK(*current == *set);

    auto h0 = chain->GetBlockHash(0);
    BOOST_REQUIRE(h0 && h0->has_value());
    BOOST_CHECK(**h0 == tip.Hash());
    auto genesis = chain->GetBlock(tip.Hash());
    BOOST_REQUIRE(genesis && genesis->has_value());
    BOOST_CHECK((*genesis)->txs.empty());
    BOOST_CHECK((*genesis)->header == tip);

    auto h1 = chain->GetBlockHash(1);
    BOOST_REQUIRE(h1);
    BOOST_CHECK(!h1->has_value());
    auto missing = chain->GetBlock(Sha256(std::vector<uint8_t>{1}));
    BOOST_REQUIRE(missing);
    BOOST_CHECK(!missing->has_value());
}

BOOST_AUTO_TEST_CASE(commit_blocks_updates_state_and_indexes) {
    TempDir dir;
    auto chain = OpenChain(dir.File("chain"));
    const BlockHeader genesis = chain->Tip();
    const PrivKey dev = DevKey();
    const PrivKey r = TestKey(1);
    const XOnlyPubKey s = TestKey(2).PubKey();

    const Transaction t1 = MakeTransfer(dev, r.PubKey(), 5 * kCoin, 1000, 0);
    const Transaction t2 = MakeTransfer(dev, s, 3 * kCoin, 2000, 1);
    // Candidates that do not apply are skipped: a nonce gap and an unfunded sender.
    const Transaction gap = MakeTransfer(dev, s, 1, 1000, 7);
    const Transaction broke = MakeTransfer(TestKey(3), s, 1, 1000, 0);
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const StagedBlock staged = Stage(*chain, {t1, gap, broke, t2}, t);
    const Block& b1 = staged.block;
    BOOST_REQUIRE_EQUAL(b1.txs.size(), 2U);
    BOOST_CHECK(b1.txs[0].Id() == t1.Id());
    BOOST_CHECK(b1.txs[1].Id() == t2.Id());
    BOOST_CHECK_EQUAL(b1.header.height, 1U);
    BOOST_CHECK(b1.header.parent == genesis.Hash());
    BOOST_CHECK_EQUAL(b1.header.time_ms, t);
    BOOST_CHECK(b1.header.proposer == DevPub());
    BOOST_CHECK(b1.header.tx_root == b1.ComputeTxRoot());
    BOOST_CHECK(b1.last_commit == GenesisCommit(genesis.Hash()));
    BOOST_CHECK(staged.hash == b1.header.Hash());
    BOOST_REQUIRE_EQUAL(staged.receipts.size(), 2U);
    BOOST_CHECK(staged.receipts[1] == (TxReceipt{t2.Id(), DevPub(), 1, 2000}));
    // Staging writes nothing.
    BOOST_CHECK(chain->Tip() == genesis);

    const CommitCertificate cert = DevCommit(staged);
    BOOST_REQUIRE_EQUAL(Code(chain->CommitBlock(staged, cert)), "ok");
    BOOST_CHECK(chain->Tip().Hash() == b1.header.Hash());
    BOOST_CHECK(chain->TipCommit() == cert);

    // The dev key is also the proposer: its fees come back to it.
    const Account dev1 = Bal(kGenesisBalance - 8 * kCoin, 2);
    BOOST_CHECK(Acct(*chain, dev.PubKey()) == dev1);
    BOOST_CHECK(Acct(*chain, r.PubKey()) == Bal(5 * kCoin));
    BOOST_CHECK(Acct(*chain, s) == Bal(3 * kCoin));
    BOOST_CHECK(
        chain->Tip().state_root ==
        ExpectedRoot({{DevPub(), dev1}, {r.PubKey(), Bal(5 * kCoin)}, {s, Bal(3 * kCoin)}}));

    auto loc1 = chain->FindTransaction(t1.Id());
    auto loc2 = chain->FindTransaction(t2.Id());
    BOOST_REQUIRE(loc1 && loc1->has_value());
    BOOST_REQUIRE(loc2 && loc2->has_value());
    BOOST_CHECK_EQUAL((*loc1)->height, 1U);
    BOOST_CHECK_EQUAL((*loc1)->index, 0U);
    BOOST_CHECK_EQUAL((*loc2)->index, 1U);
    auto none = chain->FindTransaction(gap.Id());
    BOOST_REQUIRE(none);
    BOOST_CHECK(!none->has_value());
    auto stored = chain->GetBlock(b1.header.Hash());
    BOOST_REQUIRE(stored && stored->has_value());
    BOOST_CHECK((*stored)->Serialize() == b1.Serialize());

    // The second block carries block 1's certificate; time moves past the parent.
    const Transaction t3 = MakeTransfer(r, s, 1 * kCoin, 1500, 0);
    const Block b2 = Produce(*chain, {t3}, t);
    BOOST_CHECK_EQUAL(b2.header.time_ms, t + 1);
    BOOST_CHECK(b2.last_commit == cert);
    BOOST_CHECK(b2.header.last_commit_hash == cert.Hash());
    BOOST_CHECK_EQUAL(chain->Tip().height, 2U);
    BOOST_CHECK(Acct(*chain, r.PubKey()) == Bal(4 * kCoin - 1500, 1));
    BOOST_CHECK(Acct(*chain, s) == Bal(4 * kCoin));
    BOOST_CHECK(Acct(*chain, dev.PubKey()) == Bal(kGenesisBalance - 8 * kCoin + 1500, 2));

    // A staged block whose tip has moved on is refused.
    BOOST_CHECK_EQUAL(Code(chain->CommitBlock(staged, cert)), "stale-block");

    // An empty block changes one record: its certificate is counted toward
    // the epoch's validator rewards.
    const auto signers = GetEpochSigners(*chain, 0);
    BOOST_REQUIRE(signers);
    Produce(*chain, {}, t + 2);
    const auto after = GetEpochSigners(*chain, 0);
    BOOST_REQUIRE(after);
    BOOST_CHECK_EQUAL(after->certificates, signers->certificates + 1);
    BOOST_CHECK(chain->Tip().tx_root == Hash256{});
}

BOOST_AUTO_TEST_CASE(assembly_leaves_out_what_exceeds_the_byte_limit_for_a_later_block) {
    const PrivKey dev = DevKey();
    const XOnlyPubKey r = TestKey(1).PubKey();
    std::vector<Transaction> pending;
    for (uint64_t n = 0; n < 6; ++n)
        pending.push_back(MakeTransfer(dev, r, 1 * kCoin, 1000, n));
    const uint64_t t = Dev().genesis_time_ms + 1000;

    // A limit with room for three of them and half of a fourth: the size of
    // a block of three as the dev network stages it after an empty block
    // (from then on every block carries a certificate of the same size).
    TempDir ref_dir;
    auto ref = OpenChain(ref_dir.File("chain"));
    Produce(*ref, {}, t);
    const StagedBlock three = Stage(*ref, {pending[0], pending[1], pending[2]}, t + 1);
    BOOST_REQUIRE_EQUAL(three.block.txs.size(), 3U);
    ChainParams tiny = Dev();
    tiny.max_block_bytes = three.block.Serialize().size() + pending[0].Size() / 2;
    tiny.max_block_attestation_bytes = 0;

    TempDir dir;
    auto chain = OpenChain(dir.File("chain"), tiny);
    Produce(*chain, {}, t);
    for (uint64_t height = 2; height <= 3; ++height) {
        BOOST_TEST_CONTEXT("block " << height) {
            std::vector<RejectedTx> invalid;
            auto staged = chain->AssembleBlock(pending, DevPub(), t + height, &invalid);
            BOOST_REQUIRE_MESSAGE(staged, test::ErrorText(staged));
            const Block& b = staged->block;
            BOOST_CHECK_LE(b.Serialize().size(), tiny.max_block_bytes);
            BOOST_CHECK_EQUAL(Code(CheckBlockBody(b, tiny)), "ok");
            // Left out for their size is not invalid: the producer keeps them
            // in its mempool for the next block.
            BOOST_CHECK(invalid.empty());
            // The first three, in order.
            BOOST_REQUIRE_EQUAL(b.txs.size(), 3U);
            for (size_t i = 0; i < b.txs.size(); ++i)
                BOOST_CHECK(b.txs[i].Id() == pending[i].Id());
            BOOST_REQUIRE_EQUAL(Code(chain->CommitBlock(*staged, DevCommit(*staged))), "ok");
            pending.erase(pending.begin(), pending.begin() + 3);
        }
    }
    BOOST_CHECK_EQUAL(Acct(*chain, r).balance, 6 * kCoin);
}

BOOST_AUTO_TEST_CASE(producer_and_validator_compute_the_same_staged_block) {
    // Chain a produces; chain b, another node with the same genesis, validates
    // each block a made and must stage exactly the same result.
    TempDir dir_a, dir_b;
    auto a = OpenChain(dir_a.File("chain"));
    auto b = OpenChain(dir_b.File("chain"));
    const PrivKey dev = DevKey(), k1 = TestKey(1), device = TestKey(2);
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const std::vector<std::vector<Transaction>> blocks = {
        {MakeTransfer(dev, k1.PubKey(), 50 * kCoin, 1000, 0)},
        {MakeRegisterDevice(k1, device, kDeviceUptime, 0),
         MakeTransfer(dev, device.PubKey(), 1 * kCoin, 1700, 1)},
        {},
        {MakeTransfer(k1, dev.PubKey(), 2 * kCoin, 1000, 1),
         MakeTransfer(device, k1.PubKey(), 1000, 1000, 0)},
    };
    for (size_t i = 0; i < blocks.size(); ++i) {
        BOOST_TEST_CONTEXT("block " << i + 1) {
            const StagedBlock produced = Stage(*a, blocks[i], t + i);
            BOOST_REQUIRE_EQUAL(produced.block.txs.size(), blocks[i].size());
            auto validated = b->ValidateBlock(produced.block);
            BOOST_REQUIRE_MESSAGE(validated, test::ErrorText(validated));
            BOOST_CHECK(validated->hash == produced.hash);
            BOOST_CHECK(validated->changes == produced.changes);
            BOOST_CHECK(validated->nodes == produced.nodes);
            BOOST_CHECK(validated->receipts == produced.receipts);
            BOOST_CHECK(validated->block.Serialize() == produced.block.Serialize());
            const CommitCertificate cert = DevCommit(produced);
            BOOST_REQUIRE_EQUAL(Code(a->CommitBlock(produced, cert)), "ok");
            BOOST_REQUIRE_EQUAL(Code(b->CommitBlock(*validated, cert)), "ok");
            BOOST_CHECK(a->Tip() == b->Tip());
        }
    }
    auto reg = GetDevice(*b, device.PubKey());
    BOOST_REQUIRE(reg && reg->has_value());
    BOOST_CHECK((*reg)->owner == k1.PubKey());
    BOOST_CHECK_EQUAL((*reg)->registered_height, 2U);
    auto supply = GetSupply(*b);
    BOOST_REQUIRE(supply);
    BOOST_CHECK_EQUAL(supply->locked, Dev().device_bond + Dev().genesis_validators.front().power);
}

BOOST_AUTO_TEST_CASE(validate_rejects_bad_blocks) {
    // Chain a makes good blocks; chain b is asked to validate broken copies,
    // and each is refused with its own reason.
    TempDir dir_a, dir_b;
    auto a = OpenChain(dir_a.File("chain"));
    auto b = OpenChain(dir_b.File("chain"));
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const XOnlyPubKey r = TestKey(1).PubKey();
    // Block 1 is committed on both, so block 2 carries a real certificate.
    const StagedBlock first = Stage(*a, {MakeTransfer(DevKey(), r, 5 * kCoin, 1000, 0)}, t);
    BOOST_REQUIRE_EQUAL(Code(a->CommitBlock(first, DevCommit(first))), "ok");
    auto first_b = b->ValidateBlock(first.block);
    BOOST_REQUIRE(first_b);
    BOOST_REQUIRE_EQUAL(Code(b->CommitBlock(*first_b, DevCommit(first))), "ok");

    const std::vector<Transaction> txs = {MakeTransfer(DevKey(), r, 1 * kCoin, 1000, 1),
                                          MakeTransfer(DevKey(), r, 2 * kCoin, 1000, 2)};
    const Block good = Stage(*a, txs, t + 1).block;
    BOOST_REQUIRE(b->ValidateBlock(good));

    auto rejected = [&](const std::function<void(Block&)>& change) {
        Block block = good;
        change(block);
        auto st = b->ValidateBlock(block);
        return st ? std::string("ok") : st.error().code + " | " + st.error().message;
    };
    auto expect = [&](const std::string& code, const std::function<void(Block&)>& change) {
        const std::string got = rejected(change);
        BOOST_CHECK_MESSAGE(got.rfind(code + " |", 0) == 0, "expected " << code << ", got " << got);
    };
    expect("bad-state-root", [](Block& x) { x.header.state_root[0] ^= 1; });
    expect("bad-tx-root", [](Block& x) { x.header.tx_root[0] ^= 1; });
    expect("bad-parent", [](Block& x) { x.header.parent[0] ^= 1; });
    expect("bad-height", [](Block& x) { x.header.height += 1; });
    expect("time-too-old", [&](Block& x) { x.header.time_ms = first.block.header.time_ms; });
    expect("bad-validators-hash", [](Block& x) { x.header.validators_hash[0] ^= 1; });
    expect("bad-next-validators-hash", [](Block& x) { x.header.next_validators_hash[0] ^= 1; });
    expect("bad-last-commit-hash", [](Block& x) { x.header.last_commit_hash[0] ^= 1; });
    expect("bad-proposer", [](Block& x) { x.header.proposer = TestKey(7).PubKey(); });
    // The last commit must be a quorum for the parent, with valid signatures.
    expect("bad-commit", [](Block& x) {
        x.last_commit.signatures.clear();
        Reseal(x);
    });
    expect("bad-commit", [](Block& x) {
        x.last_commit.block_hash[0] ^= 1;
        Reseal(x);
    });
    expect("bad-commit-signature", [](Block& x) {
        x.last_commit.signatures[0].sig[5] ^= 1;
        Reseal(x);
    });
    // A transaction the state cannot pay for.
    expect("insufficient-funds", [&](Block& x) {
        x.txs = {MakeTransfer(TestKey(5), r, 1, 1000, 0)};
        Reseal(x);
    });
    // Bad signatures in two transactions: the first one is named.
    const std::string sigs = rejected([](Block& x) {
        x.txs[0] = x.txs[0].Sign(0, TestKey(8));
        x.txs[1] = x.txs[1].Sign(0, TestKey(8));
        Reseal(x);
    });
    BOOST_CHECK_MESSAGE(sigs.rfind("bad-signature | transaction 0 ", 0) == 0, sigs);
    const std::string second = rejected([](Block& x) {
        x.txs[1] = x.txs[1].Sign(0, TestKey(8));
        Reseal(x);
    });
    BOOST_CHECK_MESSAGE(second.rfind("bad-signature | transaction 1 ", 0) == 0, second);

    // Committed-block validity never reads the local clock: a block stamped
    // a year ahead is valid.
    const Block future = Stage(*a, {}, t + 365ULL * 24 * 3600 * 1000).block;
    BOOST_CHECK(b->ValidateBlock(future));
    // Nothing above moved b's tip.
    BOOST_CHECK(b->Tip() == first.block.header);
}

BOOST_AUTO_TEST_CASE(commit_refuses_a_bad_certificate_and_keeps_tip) {
    TempDir dir;
    auto chain = OpenChain(dir.File("chain"));
    const BlockHeader genesis = chain->Tip();
    const XOnlyPubKey r = TestKey(1).PubKey();
    const Transaction tx = MakeTransfer(DevKey(), r, 5 * kCoin, 1000, 0);
    const StagedBlock staged = Stage(*chain, {tx}, Dev().genesis_time_ms + 1000);
    auto set = ValidatorSet::Make(Dev().genesis_validators);
    BOOST_REQUIRE(set);

    auto check_refused = [&](const CommitCertificate& cert, const std::string& code) {
        BOOST_CHECK_EQUAL(Code(chain->CommitBlock(staged, cert)), code);
        BOOST_CHECK(chain->Tip() == genesis);
        BOOST_CHECK(Acct(*chain, r).IsEmpty());
        auto loc = chain->FindTransaction(tx.Id());
        BOOST_REQUIRE(loc);
        BOOST_CHECK(!loc->has_value());
    };
    CommitCertificate cert = DevCommit(staged);
    cert.signatures.clear();
    check_refused(cert, "bad-commit");
    cert = DevCommit(staged);
    cert.round = 1;  // the precommit was for round 0
    check_refused(cert, "bad-commit-signature");
    cert = DevCommit(staged);
    cert.block_hash[0] ^= 1;
    check_refused(cert, "bad-commit");
    // A key outside the set cannot sign a certificate at all.
    const PrivKey outsider[] = {TestKey(9)};
    BOOST_CHECK_EQUAL(Code(SignCommit(*set, Dev().chain_id, 1, 0, staged.hash, outsider)),
                      "bad-commit");

    BOOST_REQUIRE_EQUAL(Code(chain->CommitBlock(staged, DevCommit(staged))), "ok");
    BOOST_CHECK(Acct(*chain, r) == Bal(5 * kCoin));
}

BOOST_AUTO_TEST_CASE(reopen_resumes_at_tip) {
    TempDir dir;
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const XOnlyPubKey r = TestKey(1).PubKey();
    BlockHeader tip;
    CommitCertificate commit;
    {
        auto chain = OpenChain(dir.File("chain"));
        for (uint64_t i = 0; i < 3; ++i)
            Produce(*chain, {MakeTransfer(DevKey(), r, 10 + i, 1000, i)}, t + i);
        tip = chain->Tip();
        commit = chain->TipCommit();
        BOOST_REQUIRE_EQUAL(tip.height, 3U);
    }
    auto chain = OpenChain(dir.File("chain"));
    BOOST_CHECK(chain->Tip() == tip);
    BOOST_CHECK(chain->TipCommit() == commit);
    BOOST_CHECK(Acct(*chain, r) == Bal(10 + 11 + 12));
    BOOST_CHECK_EQUAL(Acct(*chain, DevPub()).nonce, 3U);
    // And it keeps going from there, with the stored certificate in the next block.
    const Block b = Produce(*chain, {MakeTransfer(DevKey(), r, 1, 1000, 3)}, t + 10);
    BOOST_CHECK(b.header.parent == tip.Hash());
    BOOST_CHECK(b.last_commit == commit);
    BOOST_CHECK_EQUAL(chain->Tip().height, 4U);
    BOOST_CHECK(Acct(*chain, r) == Bal(34));
}

BOOST_AUTO_TEST_CASE(wrong_network_or_genesis) {
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
    // The same chain id with another genesis (say, other parameters).
    ChainParams changed = Dev();
    changed.genesis_hash[0] ^= 1;
    auto other = Chain::Open(dir.File("chain"), changed);
    BOOST_REQUIRE(!other);
    BOOST_CHECK_EQUAL(other.error().code, "wrong-genesis");
    // The database was not touched and is usable again.
    auto chain = OpenChain(dir.File("chain"));
    BOOST_CHECK(chain->Tip() == tip);
}

BOOST_AUTO_TEST_CASE(prove_account) {
    TempDir dir;
    auto chain = OpenChain(dir.File("chain"));
    const uint64_t t = Dev().genesis_time_ms + 1000;
    const XOnlyPubKey r = TestKey(1).PubKey();
    const Block b1 = Produce(*chain, {MakeTransfer(DevKey(), r, 5 * kCoin, 1000, 0)}, t);
    const Block b2 = Produce(*chain, {}, t + 1);
    auto set = ValidatorSet::Make(Dev().genesis_validators);
    BOOST_REQUIRE(set);

    // Funded, at height 1: the certificate is the one block 2 carries.
    auto p = chain->ProveAccount(r, 1);
    BOOST_REQUIRE_MESSAGE(p, (p ? "" : p.error().message));
    BOOST_CHECK(p->header == b1.header);
    BOOST_CHECK(p->certificate == b2.last_commit);
    BOOST_CHECK(p->validators == *set);
    BOOST_CHECK_EQUAL(
        Code(VerifyCommit(p->certificate, p->validators, Dev().chain_id, 1, b1.header.Hash())),
        "ok");
    BOOST_REQUIRE(p->account);
    BOOST_CHECK(*p->account == Bal(5 * kCoin));
    auto v = VerifyStateProof(p->header.state_root, AccountKey(r), p->proof);
    BOOST_REQUIRE_MESSAGE(v, (v ? "" : v.error().message));
    BOOST_REQUIRE(v->has_value());
    BOOST_CHECK(**v == p->account->Encode());
    auto decoded = StateProof::Deserialize(p->proof.Serialize());
    BOOST_REQUIRE(decoded);
    BOOST_CHECK(*decoded == p->proof);

    // At the tip the certificate is the stored one.
    auto tip = chain->ProveAccount(r, 2);
    BOOST_REQUIRE(tip);
    BOOST_CHECK(tip->certificate == chain->TipCommit());

    // The same proof does not hold against another root or for another key.
    auto g = chain->ProveAccount(r, 0);
    BOOST_REQUIRE(g);
    BOOST_CHECK(!g->account);
    BOOST_CHECK(g->certificate == b1.last_commit);
    BOOST_CHECK(!VerifyStateProof(g->header.state_root, AccountKey(r), p->proof));
    BOOST_CHECK(!VerifyStateProof(p->header.state_root, AccountKey(DevPub()), p->proof));
    auto gv = VerifyStateProof(g->header.state_root, AccountKey(r), g->proof);
    BOOST_REQUIRE(gv);
    BOOST_CHECK(!gv->has_value());

    // An address nobody has used: proven absent.
    const XOnlyPubKey unknown = TestKey(9).PubKey();
    auto u = chain->ProveAccount(unknown, 1);
    BOOST_REQUIRE(u);
    BOOST_CHECK(!u->account);
    auto uv = VerifyStateProof(u->header.state_root, AccountKey(unknown), u->proof);
    BOOST_REQUIRE_MESSAGE(uv, (uv ? "" : uv.error().message));
    BOOST_CHECK(!uv->has_value());

    auto beyond = chain->ProveAccount(r, 3);
    BOOST_REQUIRE(!beyond);
    BOOST_CHECK_EQUAL(beyond.error().code, "not-found");
    BOOST_CHECK(beyond.error().kind == ErrorKind::kNotFound);
}

BOOST_AUTO_TEST_CASE(state_root_is_deterministic) {
    TempDir dir_a, dir_b;
    auto a = OpenChain(dir_a.File("chain"));
    auto b = OpenChain(dir_b.File("chain"));
    BOOST_REQUIRE(a->Tip() == b->Tip());

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
    // Blocks 2 and 3 carried certificates the dev validator signed.
    BOOST_CHECK(a->Tip().state_root == ExpectedRoot(expect, [](StateOverlay& ov) {
                    BOOST_REQUIRE(PutEpochSigners(ov, 0, EpochSigners{2, {{DevPub(), 2}}}));
                }));
}

BOOST_AUTO_TEST_CASE(storage_failures_keep_their_kind) {
    // Reads that fail, reads that return damaged bytes and writes that fail
    // come back as kind I/O or corruption, never as a missing node or an
    // empty account; a failed commit leaves the tip where it was.
    TempDir dir;
    const std::string path = dir.File("chain");
    const XOnlyPubKey r = TestKey(1).PubKey();
    test::FaultyEnv env;
    {
        auto chain = OpenChain(path);
        for (uint64_t i = 0; i < 3; ++i)
            Produce(*chain, {MakeTransfer(DevKey(), r, 1 + i, 1000, i)},
                    Dev().genesis_time_ms + 1000 + i);
    }
    OpenChain(path);  // reopening turns the write-ahead log into a table file
    // No block cache, so every read reaches the (faulty) files.
    auto opened = Chain::Open(path, Dev(), /*cache_bytes=*/0, &env);
    BOOST_REQUIRE_MESSAGE(opened, test::ErrorText(opened));
    Chain& chain = **opened;
    BOOST_REQUIRE_EQUAL(Acct(chain, r).balance, 6U);

    env.mode = test::FaultyEnv::Mode::kFailReads;
    auto io = chain.GetAccount(r);
    BOOST_REQUIRE(!io);
    BOOST_CHECK(io.error().kind == ErrorKind::kIo);
    BOOST_CHECK_EQUAL(io.error().code, "db-io");
    BOOST_CHECK_MESSAGE(io.error().message.find(path) != std::string::npos, io.error().message);

    env.mode = test::FaultyEnv::Mode::kCorruptReads;
    auto corrupt = chain.ProveAccount(r, 3);
    BOOST_REQUIRE(!corrupt);
    BOOST_CHECK_MESSAGE(corrupt.error().kind == ErrorKind::kCorruption,
                        corrupt.error().code << ": " << corrupt.error().message);
    BOOST_CHECK_EQUAL(corrupt.error().code, "db-corrupt");

    env.mode = test::FaultyEnv::Mode::kNone;
    const BlockHeader tip = chain.Tip();
    const StagedBlock staged =
        Stage(chain, {MakeTransfer(DevKey(), r, 1, 1000, 3)}, Dev().genesis_time_ms + 2000);
    env.mode = test::FaultyEnv::Mode::kFailWrites;
    const Status st = chain.CommitBlock(staged, DevCommit(staged));
    BOOST_REQUIRE(!st);
    BOOST_CHECK(st.error().IsStorageFailure());
    BOOST_CHECK(chain.Tip() == tip);
}

BOOST_AUTO_TEST_CASE(storage_failures_reach_the_failure_handler_naming_the_file) {
    // Whichever caller meets a damaged table block, the handler hears of it,
    // and the message names the table file, which LevelDB itself leaves out.
    TempDir dir;
    const std::string path = dir.File("chain");
    {
        auto chain = OpenChain(path);
        Produce(*chain, {}, Dev().genesis_time_ms + 1000);
    }
    OpenChain(path);
    test::FaultyEnv env;
    auto opened = Chain::Open(path, Dev(), /*cache_bytes=*/0, &env);
    BOOST_REQUIRE_MESSAGE(opened, test::ErrorText(opened));
    std::vector<Error> seen;
    (*opened)->SetStorageFailureHandler([&seen](const Error& e) { seen.push_back(e); });
    env.mode = test::FaultyEnv::Mode::kCorruptReads;
    auto block = (*opened)->GetBlockHash(1);
    BOOST_REQUIRE(!block);
    BOOST_REQUIRE_EQUAL(seen.size(), 1U);
    BOOST_CHECK_EQUAL(seen[0].message, block.error().message);
    BOOST_CHECK_MESSAGE(block.error().message.find(".ldb") != std::string::npos &&
                            block.error().message.find("-reindex") != std::string::npos,
                        block.error().message);
}

BOOST_AUTO_TEST_CASE(reindex_rebuilds_the_state_from_the_blocks) {
    // Every record but the blocks is thrown away and rebuilt by executing the
    // blocks again: the same tip, root and accounts. An interrupted reindex
    // makes Open() ask for another.
    TempDir dir;
    const std::string path = dir.File("chain");
    const XOnlyPubKey r = TestKey(1).PubKey();
    BlockHeader tip;
    Hash256 third_txid{};
    {
        auto chain = OpenChain(path);
        for (uint64_t i = 0; i < 5; ++i) {
            const Block b = Produce(*chain, {MakeTransfer(DevKey(), r, 10 + i, 1000, i)},
                                    Dev().genesis_time_ms + 1000 + i);
            if (i == 2) third_txid = b.txs.at(0).Id();
        }
        tip = chain->Tip();
    }
    {
        auto db = ChainDb::Open(path, 0);
        BOOST_REQUIRE(db);
        // As a first reindex leaves it when interrupted: the tip's
        // certificate in the mark, "C" rewritten for a lower block.
        auto tip_commit = (*db)->Read(ChainDb::kTipCommitKey);
        BOOST_REQUIRE(tip_commit && tip_commit->has_value());
        leveldb::WriteBatch batch;
        batch.Delete(ChainDb::kTipKey);
        batch.Put(ChainDb::kReindexKey, **tip_commit);
        const std::vector<uint8_t> lower = GenesisCommit(Dev().genesis_hash).Encode();
        batch.Put(ChainDb::kTipCommitKey, std::string(lower.begin(), lower.end()));
        BOOST_REQUIRE((*db)->Write(batch));
    }
    auto refused = Chain::Open(path, Dev());
    BOOST_REQUIRE(!refused);
    BOOST_CHECK_EQUAL(refused.error().code, "reindex-interrupted");

    auto rebuilt = Chain::Reindex(path, Dev());
    BOOST_REQUIRE_MESSAGE(rebuilt, test::ErrorText(rebuilt));
    BOOST_CHECK((*rebuilt)->Tip() == tip);
    BOOST_CHECK_EQUAL(Acct(**rebuilt, r).balance, 60U);
    auto loc = (*rebuilt)->FindTransaction(third_txid);
    BOOST_REQUIRE(loc && loc->has_value());
    BOOST_CHECK_EQUAL((*loc)->height, 3U);
    rebuilt->reset();
    BOOST_CHECK(OpenChain(path)->Tip() == tip);
}

// A block may hold max_block_txs transactions and attestations besides: the
// node must read back every block it can make (it once decoded stored blocks
// with the first lane's bound alone, and called a full block corruption).
BOOST_AUTO_TEST_CASE(a_block_with_both_lanes_full_reads_back) {
    TempDir dir;
    ChainParams one = Dev();
    one.max_block_txs = 1;
    const std::string path = dir.File("chain");
    auto chain = OpenChain(path, one);
    const PrivKey device = TestKey(40);
    const uint64_t t = Dev().genesis_time_ms + 1000;
    Produce(*chain,
            {UnsignedRegisterDevice(Dev().chain_id, DevPub(), device.PubKey(), kDeviceUptime,
                                    Dev().device_bond, Dev().min_tx_fee, 0)
                 .Sign(0, DevKey())
                 .Sign(1, device)},
            t);
    const BlockHeader tip = chain->Tip();
    const Block full =
        Produce(*chain,
                {MakeTransfer(DevKey(), TestKey(41).PubKey(), kCoin, Dev().min_tx_fee, 1),
                 UnsignedHeartbeat(Dev().chain_id, device.PubKey(), tip.height, tip.Hash())
                     .Sign(0, device)},
                t + 1000);
    BOOST_REQUIRE_EQUAL(full.txs.size(), 2U);
    auto stored = chain->GetBlock(full.header.Hash());
    BOOST_REQUIRE_MESSAGE(stored, test::ErrorText(stored));
    BOOST_REQUIRE(stored->has_value());
    BOOST_CHECK((*stored)->Serialize() == full.Serialize());
    chain.reset();
    BOOST_CHECK_EQUAL(OpenChain(path, one)->Tip().height, 2U);
}

BOOST_AUTO_TEST_SUITE_END()
