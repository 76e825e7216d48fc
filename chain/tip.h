// The tip as rules see it, and where to get the current one.
//
// A TipView is frozen when taken: the tip's height, time and recent block
// hashes and a reader of its state. It gives the context of the block that
// would follow it, for checking transactions before they are in a block.
// Copies share what they hold; any thread may read one.
//
// A TipSource hands out the current tip (Chain is one). The mempool takes its
// view under its own lock, so the view is never older than the last block it
// was told about (lock order: mempool, then the source's).
#pragma once

#include <cstdint>
#include <memory>

#include "consensus/block_context.h"
#include "consensus/block_verify.h"
#include "consensus/params.h"
#include "consensus/state.h"

namespace maillon {

class TipView {
public:
    TipView(uint64_t height, uint64_t time_ms, std::shared_ptr<const RecentBlockHashes> recent,
            std::shared_ptr<const StateReader> state)
        : m_height(height),
          m_time_ms(time_ms),
          m_recent(std::move(recent)),
          m_state(std::move(state)) {}

    uint64_t Height() const { return m_height; }
    const StateReader& State() const { return *m_state; }
    // The context of the next block at now_ms, stamped as the producer
    // would (ProposalTime), with no proposer chosen yet. It refers to this
    // view, which must outlive it (hence no call on a temporary).
    BlockContext NextBlock(const ChainParams& params, uint64_t now_ms) const& {
        const uint64_t time = ProposalTime(m_time_ms, now_ms).value_or(m_time_ms);
        return BlockContext{params, m_height + 1, time, XOnlyPubKey{}, *m_recent};
    }
    BlockContext NextBlock(const ChainParams&, uint64_t) const&& = delete;

private:
    uint64_t m_height;
    uint64_t m_time_ms;
    std::shared_ptr<const RecentBlockHashes> m_recent;
    std::shared_ptr<const StateReader> m_state;
};

class TipSource {
public:
    virtual ~TipSource() = default;
    virtual TipView CurrentTip() const = 0;
};

}  // namespace maillon
