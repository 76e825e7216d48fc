#include "consensus/tendermint.h"

#include <algorithm>
#include <set>

#include "crypto/hash_tags.h"
#include "serialize/codec.h"

namespace maillon {

uint64_t TimeoutConfig::Of(Step step, uint32_t round) const {
    const uint64_t base = step == Step::kPropose   ? propose_ms
                          : step == Step::kPrevote ? prevote_ms
                                                   : precommit_ms;
    return base + per_round_ms * round;
}

const XOnlyPubKey& ProposerOf(const ValidatorSet& set, uint64_t height, uint32_t round) {
    Writer w;
    w.U64(height);
    w.U32(round);
    const Hash256 h = TaggedHash(Tag::kProposer, w.Data());
    uint64_t x = 0;
    for (int i = 7; i >= 0; --i)
        x = (x << 8) | h[i];
    x %= set.TotalPower();
    for (const Validator& v : set.Validators()) {
        if (x < v.power) return v.key;
        x -= v.power;
    }
    return set.Validators().back().key;  // unreachable: x < total power
}

std::vector<Action> Tendermint::StartHeight(uint64_t height, ValidatorSet set,
                                            const Hash256& own_value, uint32_t first_round) {
    m_set = std::move(set);
    m_height = height;
    m_own_value = own_value;
    m_locked_value.reset();
    m_locked_round = -1;
    m_valid_value.reset();
    m_valid_round = -1;
    m_decided.reset();
    m_rounds.clear();
    m_started = true;
    std::vector<Action> out;
    StartRound(first_round, out);
    Progress(out);
    return out;
}

std::vector<Action> Tendermint::OnProposal(const Proposal& p) {
    std::vector<Action> out;
    if (!m_started || m_decided || p.height != m_height || !Acceptable(p.round)) return out;
    if (p.proposer != ProposerOf(m_set, p.height, p.round)) return out;
    if (p.valid_round >= static_cast<int64_t>(p.round)) return out;  // not a valid message
    RoundState& rs = m_rounds[p.round];
    if (rs.by_value.count(p.value) || rs.by_value.size() >= kMaxProposalsPerRound) return out;
    rs.by_value.emplace(p.value, p);
    if (!rs.proposal) rs.proposal = p;
    Progress(out);
    return out;
}

std::vector<Action> Tendermint::OnVote(const Vote& v) {
    std::vector<Action> out;
    if (!m_started || m_decided || v.height != m_height || !Acceptable(v.round)) return out;
    Record(v, out);
    Progress(out);
    return out;
}

std::vector<Action> Tendermint::OnTimeout(const Timeout& t) {
    std::vector<Action> out;
    if (!m_started || m_decided || t.height != m_height || t.round != m_round) return out;
    if (t.step == Step::kPropose && m_step == Step::kPropose) {
        Cast(VoteKind::kPrevote, std::nullopt, out);
        m_step = Step::kPrevote;
    } else if (t.step == Step::kPrevote && m_step == Step::kPrevote) {
        Cast(VoteKind::kPrecommit, std::nullopt, out);
        m_step = Step::kPrecommit;
    } else if (t.step == Step::kPrecommit) {
        StartRound(m_round + 1, out);
    }
    Progress(out);
    return out;
}

uint64_t Tendermint::PowerOf(const XOnlyPubKey& key) const {
    const auto i = m_set.IndexOf(key);
    return i ? m_set.Validators()[*i].power : 0;
}

uint64_t Tendermint::PowerFor(const Tally& votes, const std::optional<Hash256>& value) const {
    uint64_t power = 0;
    for (const auto& [key, values] : votes) {
        if (std::find(values.begin(), values.end(), value) != values.end()) power += PowerOf(key);
    }
    return power;
}

uint64_t Tendermint::PowerOfAll(const Tally& votes) const {
    uint64_t power = 0;
    for (const auto& [key, v] : votes)
        power += PowerOf(key);
    return power;
}

void Tendermint::StartRound(uint32_t round, std::vector<Action>& out) {
    m_round = round;
    m_step = Step::kPropose;
    if (ProposerOf(m_set, m_height, round) != m_self) {
        Schedule(Step::kPropose, round, out);
        return;
    }
    Proposal p;
    p.height = m_height;
    p.round = round;
    p.value = m_valid_value.value_or(m_own_value);
    p.valid_round = m_valid_value ? m_valid_round : -1;
    p.proposer = m_self;
    p.valid = true;  // its own block
    Action a;
    a.kind = Action::Kind::kPropose;
    a.proposal = p;
    out.push_back(a);
    RoundState& rs = m_rounds[round];
    if (!rs.proposal) rs.proposal = p;
    rs.by_value.emplace(p.value, p);
}

const Proposal* Tendermint::QuorumProposal(const RoundState& rs, const Tally& votes) const {
    for (const auto& [value, p] : rs.by_value) {
        if (p.valid && Quorum(PowerFor(votes, value))) return &p;
    }
    return nullptr;
}

void Tendermint::Cast(VoteKind kind, const std::optional<Hash256>& value,
                      std::vector<Action>& out) {
    if (!IsValidator(m_self)) return;
    Vote v{kind, m_height, m_round, value, m_self};
    Action a;
    a.kind = Action::Kind::kVote;
    a.vote = v;
    out.push_back(a);
    Record(v, out);
}

void Tendermint::Schedule(Step step, uint32_t round, std::vector<Action>& out) {
    Action a;
    a.kind = Action::Kind::kSchedule;
    a.timeout = Timeout{step, m_height, round};
    a.delay_ms = m_timeouts.Of(step, round);
    out.push_back(a);
}

void Tendermint::Record(const Vote& v, std::vector<Action>& out) {
    if (!IsValidator(v.validator)) return;
    RoundState& rs = m_rounds[v.round];
    Tally& tally = v.kind == VoteKind::kPrevote ? rs.prevotes : rs.precommits;
    std::vector<std::optional<Hash256>>& values = tally[v.validator];
    if (std::find(values.begin(), values.end(), v.value) != values.end()) return;
    if (values.size() >= kMaxVotesPerValidator) return;
    values.push_back(v.value);
    if (values.size() == 1) return;
    Action a;
    a.kind = Action::Kind::kEvidence;
    a.vote = Vote{v.kind, v.height, v.round, values.front(), v.validator};
    a.conflicting = v;
    out.push_back(a);
}

void Tendermint::Progress(std::vector<Action>& out) {
    while (!m_decided && (DecideRule(out) || SkipRule(out) || ProposeStepRules(out) ||
                          PrevoteStepRules(out) || RoundRules(out))) {
    }
}

// Lines 22 and 28: the proposal of this round, in the propose step.
bool Tendermint::ProposeStepRules(std::vector<Action>& out) {
    if (m_step != Step::kPropose) return false;
    const RoundState& rs = m_rounds[m_round];
    if (!rs.proposal) return false;
    const Proposal& p = *rs.proposal;
    bool vote_value;
    if (p.valid_round < 0) {
        vote_value = p.valid && (m_locked_round == -1 || m_locked_value == p.value);
    } else {
        const auto vr = static_cast<uint32_t>(p.valid_round);
        const auto past = m_rounds.find(vr);
        if (past == m_rounds.end() || !Quorum(PowerFor(past->second.prevotes, p.value)))
            return false;
        vote_value = p.valid && (m_locked_round <= p.valid_round || m_locked_value == p.value);
    }
    Cast(VoteKind::kPrevote, vote_value ? std::optional(p.value) : std::nullopt, out);
    m_step = Step::kPrevote;
    return true;
}

// Lines 34, 36 and 44: prevotes of this round.
bool Tendermint::PrevoteStepRules(std::vector<Action>& out) {
    RoundState& rs = m_rounds[m_round];
    if (m_step == Step::kPrevote && !rs.prevote_timeout_set && Quorum(PowerOfAll(rs.prevotes))) {
        rs.prevote_timeout_set = true;
        Schedule(Step::kPrevote, m_round, out);
        return true;
    }
    const Proposal* locked = m_step != Step::kPropose && !rs.prevote_quorum_seen
                                 ? QuorumProposal(rs, rs.prevotes)
                                 : nullptr;
    if (locked) {
        rs.prevote_quorum_seen = true;
        const Hash256 v = locked->value;
        if (m_step == Step::kPrevote) {
            m_locked_value = v;
            m_locked_round = m_round;
            Cast(VoteKind::kPrecommit, v, out);
            m_step = Step::kPrecommit;
        }
        m_valid_value = v;
        m_valid_round = m_round;
        return true;
    }
    if (m_step == Step::kPrevote && Quorum(PowerFor(rs.prevotes, std::nullopt))) {
        Cast(VoteKind::kPrecommit, std::nullopt, out);
        m_step = Step::kPrecommit;
        return true;
    }
    return false;
}

// Line 47: precommits of this round, whatever they are for.
bool Tendermint::RoundRules(std::vector<Action>& out) {
    RoundState& rs = m_rounds[m_round];
    if (rs.precommit_timeout_set || !Quorum(PowerOfAll(rs.precommits))) return false;
    rs.precommit_timeout_set = true;
    Schedule(Step::kPrecommit, m_round, out);
    return true;
}

// Line 49: a value precommitted by a quorum in any round, with its proposal.
bool Tendermint::DecideRule(std::vector<Action>& out) {
    for (const auto& [round, rs] : m_rounds) {
        const Proposal* p = QuorumProposal(rs, rs.precommits);
        if (p == nullptr) continue;
        m_decided = p->value;
        Action a;
        a.kind = Action::Kind::kDecide;
        a.decided = p->value;
        a.decided_round = round;
        out.push_back(a);
        return true;
    }
    return false;
}

// Line 55: more than a third of the power is already in a later round.
bool Tendermint::SkipRule(std::vector<Action>& out) {
    for (auto it = m_rounds.upper_bound(m_round); it != m_rounds.end(); ++it) {
        const RoundState& rs = it->second;
        std::set<XOnlyPubKey> senders;
        if (rs.proposal) senders.insert(rs.proposal->proposer);
        for (const auto& [key, v] : rs.prevotes)
            senders.insert(key);
        for (const auto& [key, v] : rs.precommits)
            senders.insert(key);
        uint64_t power = 0;
        for (const XOnlyPubKey& key : senders)
            power += PowerOf(key);
        if (MoreThanThird(power)) {
            StartRound(it->first, out);
            return true;
        }
    }
    return false;
}

}  // namespace maillon
