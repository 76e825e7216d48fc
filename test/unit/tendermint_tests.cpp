// The Tendermint state machine (consensus/tendermint.h) without sockets or
// clocks: single steps of the algorithm's rules (a round decided at once,
// a silent proposer, locking, an equivocating voter reported, a jump to a
// later round), then randomized simulations of many heights over a
// simulated network that delays, reorders and partitions messages until a
// heal time (partial synchrony), with Byzantine validators that equivocate
// as proposers and as voters and propose invalid blocks. At every step the
// simulation checks agreement (no two honest validators decide differently
// at a height) and validity (only valid, proposed values are decided); at
// the end, termination (every honest validator decided every height).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <variant>
#include <vector>

#include "consensus/tendermint.h"
#include "crypto/hash_tags.h"
#include "serialize/codec.h"
#include "test/util/setup.h"

using namespace maillon;

namespace {

using maillon::test::TestKey;

std::vector<XOnlyPubKey> Keys(size_t n) {
    std::vector<XOnlyPubKey> keys;
    for (size_t i = 0; i < n; ++i)
        keys.push_back(TestKey(static_cast<uint32_t>(i + 1)).PubKey());
    return keys;
}

ValidatorSet SetOf(const std::vector<XOnlyPubKey>& keys, const std::vector<uint64_t>& powers) {
    std::vector<Validator> v;
    for (size_t i = 0; i < keys.size(); ++i)
        v.push_back({keys[i], powers.empty() ? 1 : powers[i]});
    return *ValidatorSet::Make(v);
}

Hash256 ValueOf(size_t node, uint64_t height, uint8_t salt = 0) {
    Hash256 h{};
    h[0] = static_cast<uint8_t>(node);
    h[1] = static_cast<uint8_t>(height);
    h[2] = static_cast<uint8_t>(height >> 8);
    h[3] = salt;
    h[31] = 1;
    return h;
}

std::vector<Action> Of(const std::vector<Action>& actions, Action::Kind kind) {
    std::vector<Action> out;
    for (const Action& a : actions) {
        if (a.kind == kind) out.push_back(a);
    }
    return out;
}

Vote VoteBy(const XOnlyPubKey& who, VoteKind kind, uint64_t h, uint32_t r,
            std::optional<Hash256> value) {
    return Vote{kind, h, r, value, who};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tendermint_tests)

BOOST_AUTO_TEST_CASE(the_proposer_is_picked_by_power) {
    const auto keys = Keys(3);
    const ValidatorSet set = SetOf(keys, {1, 2, 7});
    std::map<XOnlyPubKey, uint64_t> count;
    for (uint64_t h = 0; h < 10'000; ++h)
        count[ProposerOf(set, h, 0)] += 1;
    // About 10%, 20% and 70% of the heights (deterministic: these bounds hold).
    for (const Validator& v : set.Validators()) {
        BOOST_CHECK_MESSAGE(
            count[v.key] > v.power * 1'000 - 250 && count[v.key] < v.power * 1'000 + 250,
            "power " << v.power << ": " << count[v.key]);
    }
    const ValidatorSet one = SetOf({keys[0]}, {});
    BOOST_CHECK(ProposerOf(one, 123, 45) == keys[0]);
}

BOOST_AUTO_TEST_CASE(all_honest_decide_in_round_zero) {
    const auto keys = Keys(4);
    const ValidatorSet set = SetOf(keys, {});
    const XOnlyPubKey proposer = ProposerOf(set, 1, 0);
    Tendermint me(keys[0] == proposer ? keys[1] : keys[0], {});
    auto out = me.StartHeight(1, set, ValueOf(9, 1));
    BOOST_REQUIRE_EQUAL(Of(out, Action::Kind::kSchedule).size(), 1U);  // timeout propose
    const Hash256 v = ValueOf(0, 1);
    out = me.OnProposal(Proposal{1, 0, v, -1, proposer, true});
    auto votes = Of(out, Action::Kind::kVote);
    BOOST_REQUIRE_EQUAL(votes.size(), 1U);
    BOOST_CHECK(votes[0].vote.kind == VoteKind::kPrevote && votes[0].vote.value == v);
    std::vector<XOnlyPubKey> others;
    for (const auto& k : keys) {
        if (k != votes[0].vote.validator) others.push_back(k);
    }
    me.OnVote(VoteBy(others[0], VoteKind::kPrevote, 1, 0, v));
    out = me.OnVote(VoteBy(others[1], VoteKind::kPrevote, 1, 0, v));  // 3 of 4: a quorum
    votes = Of(out, Action::Kind::kVote);
    BOOST_REQUIRE_EQUAL(votes.size(), 1U);
    BOOST_CHECK(votes[0].vote.kind == VoteKind::kPrecommit && votes[0].vote.value == v);
    BOOST_CHECK(me.LockedValue() == v);
    me.OnVote(VoteBy(others[0], VoteKind::kPrecommit, 1, 0, v));
    out = me.OnVote(VoteBy(others[1], VoteKind::kPrecommit, 1, 0, v));
    const auto decided = Of(out, Action::Kind::kDecide);
    BOOST_REQUIRE_EQUAL(decided.size(), 1U);
    BOOST_CHECK(decided[0].decided == v);
    BOOST_CHECK(me.Decided() == v);
    // Nothing more happens at a decided height.
    BOOST_CHECK(me.OnVote(VoteBy(others[2], VoteKind::kPrecommit, 1, 0, std::nullopt)).empty());
}

BOOST_AUTO_TEST_CASE(a_silent_proposer_costs_a_round) {
    const auto keys = Keys(4);
    const ValidatorSet set = SetOf(keys, {});
    const XOnlyPubKey self = ProposerOf(set, 7, 0) == keys[0] ? keys[3] : keys[0];
    Tendermint me(self, {});
    me.StartHeight(7, set, ValueOf(0, 7));
    auto out = me.OnTimeout(Timeout{Step::kPropose, 7, 0});
    auto votes = Of(out, Action::Kind::kVote);
    BOOST_REQUIRE_EQUAL(votes.size(), 1U);
    BOOST_CHECK(!votes[0].vote.value);  // prevote nil
    std::vector<XOnlyPubKey> others;
    for (const auto& k : keys) {
        if (k != self) others.push_back(k);
    }
    me.OnVote(VoteBy(others[0], VoteKind::kPrevote, 7, 0, std::nullopt));
    out = me.OnVote(VoteBy(others[1], VoteKind::kPrevote, 7, 0, std::nullopt));
    votes = Of(out, Action::Kind::kVote);
    BOOST_REQUIRE_EQUAL(votes.size(), 1U);  // precommit nil on a nil quorum
    BOOST_CHECK(votes[0].vote.kind == VoteKind::kPrecommit && !votes[0].vote.value);
    me.OnVote(VoteBy(others[0], VoteKind::kPrecommit, 7, 0, std::nullopt));
    out = me.OnVote(VoteBy(others[1], VoteKind::kPrecommit, 7, 0, std::nullopt));
    BOOST_REQUIRE_EQUAL(Of(out, Action::Kind::kSchedule).size(), 1U);  // timeout precommit
    out = me.OnTimeout(Timeout{Step::kPrecommit, 7, 0});
    BOOST_CHECK_EQUAL(me.Round(), 1U);
    BOOST_CHECK(me.CurrentStep() == Step::kPropose);
    // A timeout of a round already left does nothing.
    BOOST_CHECK(me.OnTimeout(Timeout{Step::kPropose, 7, 0}).empty());
}

BOOST_AUTO_TEST_CASE(a_locked_validator_prevotes_nil_for_another_value) {
    const auto keys = Keys(4);
    const ValidatorSet set = SetOf(keys, {});
    const uint64_t h = 3;
    // Pick a key that does not propose rounds 0 and 1.
    XOnlyPubKey self = keys[0];
    for (const auto& k : keys) {
        if (ProposerOf(set, h, 0) != k && ProposerOf(set, h, 1) != k) self = k;
    }
    Tendermint me(self, {});
    me.StartHeight(h, set, ValueOf(9, h));
    const Hash256 v = ValueOf(1, h), w = ValueOf(2, h);
    me.OnProposal(Proposal{h, 0, v, -1, ProposerOf(set, h, 0), true});
    std::vector<XOnlyPubKey> others;
    for (const auto& k : keys) {
        if (k != self) others.push_back(k);
    }
    me.OnVote(VoteBy(others[0], VoteKind::kPrevote, h, 0, v));
    me.OnVote(VoteBy(others[1], VoteKind::kPrevote, h, 0, v));
    BOOST_REQUIRE(me.LockedValue() == v);
    BOOST_CHECK_EQUAL(me.LockedRound(), 0);
    // The others precommit nil; round 0's precommit timeout ends the round.
    for (const auto& k : others)
        me.OnVote(VoteBy(k, VoteKind::kPrecommit, h, 0, std::nullopt));
    me.OnTimeout(Timeout{Step::kPrecommit, h, 0});
    BOOST_REQUIRE_EQUAL(me.Round(), 1U);
    BOOST_CHECK(me.LockedValue() == v);  // still locked
    // Round 1 proposes another value with no valid round: locked on v, it prevotes nil.
    auto out = me.OnProposal(Proposal{h, 1, w, -1, ProposerOf(set, h, 1), true});
    auto votes = Of(out, Action::Kind::kVote);
    BOOST_REQUIRE_EQUAL(votes.size(), 1U);
    BOOST_CHECK(!votes[0].vote.value);
}

BOOST_AUTO_TEST_CASE(an_equivocating_voter_is_evidence_and_counted_once) {
    const auto keys = Keys(4);
    const ValidatorSet set = SetOf(keys, {});
    Tendermint me(keys[0], {});
    me.StartHeight(1, set, ValueOf(0, 1));
    me.OnVote(VoteBy(keys[1], VoteKind::kPrevote, 1, 0, ValueOf(1, 1)));
    auto out = me.OnVote(VoteBy(keys[1], VoteKind::kPrevote, 1, 0, ValueOf(2, 1)));
    const auto evidence = Of(out, Action::Kind::kEvidence);
    BOOST_REQUIRE_EQUAL(evidence.size(), 1U);
    BOOST_CHECK(evidence[0].vote.value == ValueOf(1, 1));
    BOOST_CHECK(evidence[0].conflicting.value == ValueOf(2, 1));
    // The same vote again is no evidence; a non-validator's vote is ignored.
    BOOST_CHECK(Of(me.OnVote(VoteBy(keys[1], VoteKind::kPrevote, 1, 0, ValueOf(1, 1))),
                   Action::Kind::kEvidence)
                    .empty());
    BOOST_CHECK(
        me.OnVote(VoteBy(TestKey(99).PubKey(), VoteKind::kPrevote, 1, 0, ValueOf(1, 1))).empty());
}

BOOST_AUTO_TEST_CASE(more_than_a_third_in_a_later_round_moves_on) {
    const auto keys = Keys(4);
    const ValidatorSet set = SetOf(keys, {});
    Tendermint me(keys[0], {});
    me.StartHeight(1, set, ValueOf(0, 1));
    me.OnVote(VoteBy(keys[1], VoteKind::kPrevote, 1, 5, std::nullopt));
    BOOST_CHECK_EQUAL(me.Round(), 0U);  // a quarter: not yet
    me.OnVote(VoteBy(keys[2], VoteKind::kPrecommit, 1, 5, std::nullopt));
    BOOST_CHECK_EQUAL(me.Round(), 5U);  // a half
    // Rounds too far ahead, and other heights, are ignored.
    me.OnVote(VoteBy(keys[1], VoteKind::kPrevote, 1, 5 + kMaxRoundsAhead + 1, std::nullopt));
    me.OnVote(VoteBy(keys[2], VoteKind::kPrevote, 1, 5 + kMaxRoundsAhead + 1, std::nullopt));
    BOOST_CHECK_EQUAL(me.Round(), 5U);
    BOOST_CHECK(me.OnVote(VoteBy(keys[1], VoteKind::kPrevote, 2, 0, std::nullopt)).empty());
}

// ---------------------------------------------------------------------------
// Simulation

namespace {

struct Message {
    std::variant<Proposal, Vote> body;
};

// What makes two messages the same one.
std::vector<uint8_t> IdOf(const Message& m) {
    Writer w;
    if (const auto* p = std::get_if<Proposal>(&m.body)) {
        w.U8(0);
        w.U64(p->height);
        w.U32(p->round);
        w.Raw(p->value);
        w.U64(static_cast<uint64_t>(p->valid_round + 1));
        w.Raw(p->proposer);
    } else {
        const Vote& v = std::get<Vote>(m.body);
        w.U8(static_cast<uint8_t>(v.kind));
        w.U64(v.height);
        w.U32(v.round);
        w.U8(v.value.has_value());
        w.Raw(v.value.value_or(Hash256{}));
        w.Raw(v.validator);
    }
    return w.Take();
}

struct Event {
    uint64_t time;
    uint64_t seq;
    size_t to;
    std::variant<Message, Timeout> what;
    bool operator>(const Event& o) const { return std::tie(time, seq) > std::tie(o.time, o.seq); }
};

struct SimConfig {
    size_t nodes = 4;
    std::vector<uint64_t> powers;  // empty: equal
    std::set<size_t> byzantine;    // equivocate as proposers and voters
    uint64_t heights = 10;
    uint64_t heal_ms = 20'000;  // before it: long delays, and a partition
    uint64_t seed = 1;
};

class Simulation {
public:
    explicit Simulation(SimConfig c) : m_c(std::move(c)), m_rng(m_c.seed) {
        m_keys = Keys(m_c.nodes);
        m_set = SetOf(m_keys, m_c.powers);
        for (size_t i = 0; i < m_c.nodes; ++i) {
            m_index[m_keys[i]] = i;
            m_nodes.emplace_back(m_keys[i], TimeoutConfig{300, 200, 200, 100});
            m_height.push_back(1);
        }
        for (size_t i = 0; i < m_c.nodes; ++i)
            Handle(i, m_nodes[i].StartHeight(1, m_set, Propose(i, 1)));
    }

    void Run() {
        while (!m_queue.empty() && !AllDone()) {
            Event e = m_queue.top();
            m_queue.pop();
            m_now = e.time;
            if (m_now >= 600'000) {
                for (size_t i = 0; i < m_c.nodes; ++i)
                    BOOST_TEST_MESSAGE(
                        "node " << i << " height " << m_height[i] << " round " << m_nodes[i].Round()
                                << " step " << int(m_nodes[i].CurrentStep()) << " decided "
                                << m_nodes[i].Decided().has_value() << " locked round "
                                << m_nodes[i].LockedRound() << " byz " << m_c.byzantine.count(i)
                                << " queue " << m_queue.size());
                BOOST_FAIL("no progress in 10 simulated minutes");
            }
            if (const auto* t = std::get_if<Timeout>(&e.what)) {
                Handle(e.to, m_nodes[e.to].OnTimeout(*t));
                continue;
            }
            const Message& m = std::get<Message>(e.what);
            if (!Gossip(e.to, m)) continue;  // seen already
            CatchUp(e.to, m);
            if (const auto* p = std::get_if<Proposal>(&m.body)) {
                Proposal got = *p;
                got.valid = m_valid.count(got.value) > 0;  // the receiver checks the block
                Handle(e.to, m_nodes[e.to].OnProposal(got));
            } else {
                Handle(e.to, m_nodes[e.to].OnVote(std::get<Vote>(m.body)));
            }
        }
    }

    bool AllDone() const {
        for (size_t i = 0; i < m_c.nodes; ++i) {
            if (!m_c.byzantine.count(i) && m_height[i] <= m_c.heights) return false;
        }
        return true;
    }
    size_t EvidenceSeen() const { return m_evidence; }
    uint64_t Now() const { return m_now; }

private:
    bool Honest(size_t i) const { return m_c.byzantine.count(i) == 0; }

    // The value node i proposes at `height` (valid), registered as proposed.
    Hash256 Propose(size_t i, uint64_t height) {
        const Hash256 v = ValueOf(i, height);
        m_valid.insert(v);
        return v;
    }

    void Send(size_t from, size_t to, Message m) {
        uint64_t delay = std::uniform_int_distribution<uint64_t>(1, 40)(m_rng);
        if (m_now < m_c.heal_ms) {
            // Before the heal: the honest validators are cut in two halves; a
            // Byzantine one reaches both, and any message may be held up.
            const bool cut =
                Honest(from) && Honest(to) && (from < m_c.nodes / 2) != (to < m_c.nodes / 2);
            if (cut || std::uniform_int_distribution<int>(0, 9)(m_rng) == 0)
                delay =
                    m_c.heal_ms - m_now + std::uniform_int_distribution<uint64_t>(1, 200)(m_rng);
        }
        m_queue.push(Event{m_now + delay, m_seq++, to, std::move(m)});
    }

    void Broadcast(size_t from, const std::function<Message(size_t to)>& make) {
        for (size_t to = 0; to < m_c.nodes; ++to) {
            if (to != from) Send(from, to, make(to));
        }
    }

    void Handle(size_t i, const std::vector<Action>& actions) {
        for (const Action& a : actions) {
            switch (a.kind) {
                case Action::Kind::kPropose:
                    BroadcastProposal(i, a.proposal);
                    break;
                case Action::Kind::kVote:
                    BroadcastVote(i, a.vote);
                    break;
                case Action::Kind::kSchedule:
                    m_queue.push(Event{m_now + a.delay_ms, m_seq++, i, a.timeout});
                    break;
                case Action::Kind::kDecide:
                    Decide(i, m_height[i], a.decided);
                    break;
                case Action::Kind::kEvidence:
                    BOOST_CHECK(m_c.byzantine.count(m_index.at(a.vote.validator)));
                    m_evidence += 1;
                    break;
            }
        }
    }

    void BroadcastProposal(size_t i, const Proposal& p) {
        if (Honest(i)) {
            Broadcast(i, [&](size_t) { return Message{p}; });
            return;
        }
        // Two different valid blocks to the two halves, and an invalid one to node 0.
        Proposal other = p;
        other.value = ValueOf(i, p.height, 7);
        m_valid.insert(other.value);
        Proposal invalid = p;
        invalid.value = ValueOf(i, p.height, 9);  // never in m_valid
        Broadcast(i, [&](size_t to) { return Message{to == 0 ? invalid : to % 2 ? p : other}; });
    }

    void BroadcastVote(size_t i, const Vote& v) {
        if (Honest(i)) {
            Broadcast(i, [&](size_t) { return Message{v}; });
            return;
        }
        // Its vote to some, a vote for another value (or nil) to the others.
        Vote twin = v;
        twin.value = v.value ? std::optional<Hash256>() : std::optional(ValueOf(i, v.height, 7));
        Broadcast(i, [&](size_t to) { return Message{to % 2 ? v : twin}; });
    }

    void Decide(size_t i, uint64_t height, const Hash256& v) {
        if (Honest(i)) {
            // Validity: only valid, proposed blocks. Agreement: one per height.
            BOOST_REQUIRE(m_valid.count(v));
            auto [it, first] = m_decided.emplace(height, v);
            BOOST_REQUIRE_MESSAGE(first || it->second == v,
                                  "two honest validators decided differently at height " << height);
        }
        NextHeight(i);
    }

    void NextHeight(size_t i) {
        m_height[i] += 1;
        if (m_height[i] <= m_c.heights || !Honest(i))
            Handle(i, m_nodes[i].StartHeight(m_height[i], m_set, Propose(i, m_height[i])));
    }

    // An honest node relays each message the first time it sees it, as
    // gossip does; false when it had seen it.
    bool Gossip(size_t i, const Message& m) {
        if (!m_seen[i].insert(IdOf(m)).second) return false;
        if (Honest(i)) Broadcast(i, [&](size_t) { return m; });
        return true;
    }

    // A node that receives a message of a later height than its own has
    // fallen behind: it takes the blocks decided meanwhile (as block sync,
    // with their certificates, would), then goes on at the message's height.
    void CatchUp(size_t i, const Message& m) {
        const uint64_t h = std::visit([](const auto& x) { return x.height; }, m.body);
        while (m_height[i] < h) {
            auto it = m_decided.find(m_height[i]);
            if (it == m_decided.end()) return;  // nothing certified to take yet
            NextHeight(i);
        }
    }

    SimConfig m_c;
    std::mt19937_64 m_rng;
    std::vector<XOnlyPubKey> m_keys;
    std::map<XOnlyPubKey, size_t> m_index;
    ValidatorSet m_set;
    std::vector<Tendermint> m_nodes;
    std::vector<uint64_t> m_height;
    std::set<Hash256> m_valid;
    std::map<size_t, std::set<std::vector<uint8_t>>> m_seen;  // per node
    std::map<uint64_t, Hash256> m_decided;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> m_queue;
    uint64_t m_now = 0, m_seq = 0;
    size_t m_evidence = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_healthy_network_decides_every_height) {
    SimConfig c;
    c.heal_ms = 0;
    c.heights = 30;
    Simulation sim(c);
    sim.Run();
    BOOST_CHECK(sim.AllDone());
    BOOST_CHECK_EQUAL(sim.EvidenceSeen(), 0U);
}

BOOST_AUTO_TEST_CASE(random_partitions_and_byzantine_validators_keep_safety_and_heal) {
    for (uint64_t seed = 1; seed <= 60; ++seed) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            SimConfig c;
            c.seed = seed;
            c.heights = 8;
            if (seed % 3 == 0) {
                c.nodes = 7;  // f = 2 of 7 by count; powers keep them under a third
                c.powers = {3, 3, 3, 3, 3, 2, 2};
                c.byzantine = {5, 6};
            } else {
                c.byzantine = {seed % 4};  // one of four
            }
            c.heal_ms = 2'000 + 250 * (seed % 40);
            Simulation sim(c);
            sim.Run();
            BOOST_CHECK(sim.AllDone());
            BOOST_CHECK_GT(sim.EvidenceSeen(), 0U);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
