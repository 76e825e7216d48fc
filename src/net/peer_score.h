// Misbehaviour and bans. A peer that sends what the protocol forbids gets
// points for each offence (ScoreFor: a table, one line per reason code of
// net/messages.h and of the handshake); at kBanScore it is disconnected and
// its address banned for a while. Pure: the caller gives the time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace maillon {

inline constexpr int kBanScore = 100;
inline constexpr int64_t kDefaultBanSeconds = 24 * 60 * 60;

// Points for an offence, by its reason code; unknown codes score kBanScore
// (a peer that sent something this node cannot even name is not kept).
int ScoreFor(const std::string& reason);

// One peer's points, for the life of its connection.
class PeerScore {
public:
    // Adds the reason's points; true when the peer must now be banned.
    bool Misbehaved(const std::string& reason);
    int Points() const { return m_points; }

private:
    int m_points = 0;
};

struct BanEntry {
    std::string address;  // numeric host, no port
    int64_t banned_at = 0;
    int64_t until = 0;  // seconds, the caller's clock
    std::string reason;
};

// Banned addresses. Not thread-safe: its owner locks it.
class BanList {
public:
    void Ban(const std::string& address, int64_t now, int64_t seconds, const std::string& reason);
    bool IsBanned(const std::string& address, int64_t now) const;
    bool Unban(const std::string& address);
    // The bans still in force, by address; expired ones are dropped.
    std::vector<BanEntry> Entries(int64_t now);

private:
    std::map<std::string, BanEntry> m_bans;
};

}  // namespace maillon
