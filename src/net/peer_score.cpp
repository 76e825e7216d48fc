#include "net/peer_score.h"

#include <array>
#include <string_view>

namespace maillon {

namespace {

struct Offence {
    std::string_view reason;
    int points;
};

// Garbage and lies about the chain end the peer at once; what an honest but
// different node could send costs less (the connection closes either way).
constexpr std::array<Offence, 10> kOffences = {{
    {"decode-error", 100},
    {"p2p-wrong-chain", 100},
    {"p2p-oversized", 100},
    {"p2p-bad-checksum", 100},
    {"p2p-unknown-type", 20},
    {"p2p-truncated", 100},
    {"handshake-genesis", 100},
    {"handshake-version", 20},  // perhaps only newer: disconnected, not banned at once
    {"handshake-order", 50},
    {"p2p-bad-tx", 10},
}};

}  // namespace

int ScoreFor(const std::string& reason) {
    for (const Offence& o : kOffences) {
        if (o.reason == reason) return o.points;
    }
    return kBanScore;
}

bool PeerScore::Misbehaved(const std::string& reason) {
    m_points += ScoreFor(reason);
    return m_points >= kBanScore;
}

void BanList::Ban(const std::string& address, int64_t now, int64_t seconds,
                  const std::string& reason) {
    m_bans[address] = BanEntry{address, now, now + seconds, reason};
}

bool BanList::IsBanned(const std::string& address, int64_t now) const {
    auto it = m_bans.find(address);
    return it != m_bans.end() && it->second.until > now;
}

bool BanList::Unban(const std::string& address) {
    return m_bans.erase(address) > 0;
}

std::vector<BanEntry> BanList::Entries(int64_t now) {
    std::vector<BanEntry> out;
    for (auto it = m_bans.begin(); it != m_bans.end();) {
        if (it->second.until <= now) {
            it = m_bans.erase(it);
        } else {
            out.push_back(it->second);
            ++it;
        }
    }
    return out;
}

}  // namespace maillon
