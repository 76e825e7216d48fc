// The BFT consensus of one height, as a pure state machine: Tendermint's
// algorithm ("The latest gossip on BFT consensus", Buchman, Kwon and
// Milosevic, arXiv:1807.04938, Algorithm 1). Rounds of propose, prevote and
// precommit; a value is decided once more than 2/3 of the voting power
// precommitted it in one round; the locking and valid-value rules keep two
// rounds from deciding different values while fewer than 1/3 are faulty.
//
// It takes events (StartHeight, a proposal or a vote received, a timeout
// fired) and returns actions (propose, vote, schedule a timeout, decide,
// report evidence); it has no clock, no sockets and no disk. The driver
// signs and sends what it is told to (after persisting what it signs, so
// that a restart never signs a conflicting message), checks signatures and
// block validity before it hands a message over (Proposal::valid), and
// schedules the timeouts. The machine's own messages count as received by
// it. Not thread-safe; one per node.
//
// Bounds: messages of heights other than the current are ignored (the
// driver syncs or buffers them), rounds more than kMaxRoundsAhead above the
// current one are ignored, and a validator's first vote of each (round,
// type) is reported as evidence when a different one follows (both count,
// each for its value, up to kMaxVotesPerValidator of them). A round's
// first proposal is the one prevoted on; up to kMaxProposalsPerRound
// different ones of its proposer are kept, so that a value a quorum locks
// or decides on is found among them (an equivocating proposer's).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "consensus/validator_set.h"
#include "crypto/hash.h"
#include "crypto/key.h"

namespace maillon {

inline constexpr uint32_t kMaxRoundsAhead = 1'000;
inline constexpr size_t kMaxProposalsPerRound = 8;
inline constexpr size_t kMaxVotesPerValidator = 4;  // per round and kind

enum class Step : uint8_t { kPropose = 0, kPrevote = 1, kPrecommit = 2 };
enum class VoteKind : uint8_t { kPrevote = 1, kPrecommit = 2 };

struct Proposal {
    uint64_t height = 0;
    uint32_t round = 0;
    Hash256 value{};           // the proposed block's hash
    int64_t valid_round = -1;  // the round the proposer saw it valid in, or -1
    XOnlyPubKey proposer{};
    bool valid = false;  // the driver's verdict on the block (set on receipt)
    bool operator==(const Proposal&) const = default;
};

struct Vote {
    VoteKind kind = VoteKind::kPrevote;
    uint64_t height = 0;
    uint32_t round = 0;
    std::optional<Hash256> value;  // nullopt: nil
    XOnlyPubKey validator{};
    bool operator==(const Vote&) const = default;
};

struct Timeout {
    Step step = Step::kPropose;
    uint64_t height = 0;
    uint32_t round = 0;
    bool operator==(const Timeout&) const = default;
};

struct Action {
    enum class Kind { kPropose, kVote, kSchedule, kDecide, kEvidence };
    Kind kind = Kind::kVote;
    Proposal proposal;      // kPropose
    Vote vote;              // kVote; kEvidence: the vote counted
    Vote conflicting;       // kEvidence: the other one
    Timeout timeout;        // kSchedule
    uint64_t delay_ms = 0;  // kSchedule
    Hash256 decided{};      // kDecide
    uint32_t decided_round = 0;
};

// Timeouts grow with the round, so that after the network stabilises some
// round is long enough for every honest message to arrive.
struct TimeoutConfig {
    uint64_t propose_ms = 3'000;
    uint64_t prevote_ms = 1'000;
    uint64_t precommit_ms = 1'000;
    uint64_t per_round_ms = 500;  // added for each round
    uint64_t Of(Step step, uint32_t round) const;
};

// The proposer of (height, round): validator i is picked with probability
// power_i / total: x = LE64(first 8 bytes of TaggedHash("MaillonProposer",
// height u64 || round u32)) mod total_power, and the proposer is the
// validator whose range of the running power total (in key order) holds x.
const XOnlyPubKey& ProposerOf(const ValidatorSet& set, uint64_t height, uint32_t round);

class Tendermint {
public:
    // `self` votes and proposes only when it is in a height's set.
    Tendermint(XOnlyPubKey self, TimeoutConfig timeouts) : m_self(self), m_timeouts(timeouts) {}

    // Begins `height` with `set` at `first_round` (after a restart within a
    // height: a round after every one this node voted in); `own_value` is
    // the block this node proposes when it is a round's proposer and holds
    // no valid value.
    std::vector<Action> StartHeight(uint64_t height, ValidatorSet set, const Hash256& own_value,
                                    uint32_t first_round = 0);
    std::vector<Action> OnProposal(const Proposal& proposal);
    std::vector<Action> OnVote(const Vote& vote);
    std::vector<Action> OnTimeout(const Timeout& timeout);

    uint64_t Height() const { return m_height; }
    uint32_t Round() const { return m_round; }
    Step CurrentStep() const { return m_step; }
    const std::optional<Hash256>& Decided() const { return m_decided; }
    const std::optional<Hash256>& LockedValue() const { return m_locked_value; }
    int64_t LockedRound() const { return m_locked_round; }

private:
    // Each validator's votes of one (round, kind): an equivocator's are all
    // counted, each for its own value, as the algorithm counts messages (so
    // that a quorum one honest validator saw is one every honest validator
    // sees, whichever of an equivocator's votes reached it first).
    using Tally = std::map<XOnlyPubKey, std::vector<std::optional<Hash256>>>;
    struct RoundState {
        std::optional<Proposal> proposal;      // the first: the one prevoted on
        std::map<Hash256, Proposal> by_value;  // every one, for the quorum rules
        Tally prevotes, precommits;
        bool prevote_timeout_set = false;
        bool precommit_timeout_set = false;
        bool prevote_quorum_seen = false;  // line 36's "for the first time"
    };

    bool IsValidator(const XOnlyPubKey& key) const { return m_set.IndexOf(key).has_value(); }
    uint64_t PowerOf(const XOnlyPubKey& key) const;
    uint64_t PowerFor(const Tally& votes, const std::optional<Hash256>& value) const;
    uint64_t PowerOfAll(const Tally& votes) const;
    bool Quorum(uint64_t power) const { return m_set.IsQuorum(power); }
    bool MoreThanThird(uint64_t power) const { return 3 * power > m_set.TotalPower(); }
    bool Acceptable(uint32_t round) const { return round <= m_round + kMaxRoundsAhead; }
    // The value of the round's proposals that `votes` give a quorum, if any.
    const Proposal* QuorumProposal(const RoundState& rs, const Tally& votes) const;

    void StartRound(uint32_t round, std::vector<Action>& out);
    void Cast(VoteKind kind, const std::optional<Hash256>& value, std::vector<Action>& out);
    void Schedule(Step step, uint32_t round, std::vector<Action>& out);
    void Record(const Vote& vote, std::vector<Action>& out);
    // Applies every rule whose condition holds, until none does.
    void Progress(std::vector<Action>& out);
    bool ProposeStepRules(std::vector<Action>& out);
    bool PrevoteStepRules(std::vector<Action>& out);
    bool RoundRules(std::vector<Action>& out);
    bool DecideRule(std::vector<Action>& out);
    bool SkipRule(std::vector<Action>& out);

    const XOnlyPubKey m_self;
    const TimeoutConfig m_timeouts;
    ValidatorSet m_set;
    uint64_t m_height = 0;
    uint32_t m_round = 0;
    Step m_step = Step::kPropose;
    Hash256 m_own_value{};
    std::optional<Hash256> m_locked_value;
    int64_t m_locked_round = -1;
    std::optional<Hash256> m_valid_value;
    int64_t m_valid_round = -1;
    std::optional<Hash256> m_decided;
    bool m_started = false;
    std::map<uint32_t, RoundState> m_rounds;
};

}  // namespace maillon
