#include "rpc/ip_subnet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace maillon {

namespace {

bool PrefixEqual(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b,
                 unsigned prefix) {
    for (unsigned i = 0; i < prefix / 8; ++i) {
        if (a[i] != b[i]) return false;
    }
    if (prefix % 8 == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - prefix % 8));
    return (a[prefix / 8] & mask) == (b[prefix / 8] & mask);
}

bool IsV4Mapped(const uint8_t* a) {
    static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(a, kPrefix, sizeof(kPrefix)) == 0;
}

}  // namespace

Result<IpSubnet> IpSubnet::Parse(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return MakeError("rpc-config", "RPC allow-list entry \"" + std::string(text) + "\" " + why +
                                           " (expected an IPv4 or IPv6 address or subnet, "
                                           "e.g. 192.168.1.0/24, 10.0.0.5, fd00::/8, ::1)");
    };
    const size_t slash = text.find('/');
    const std::string addr(text.substr(0, slash));
    if (addr.find('\0') != std::string::npos) return bad("contains a NUL character");

    IpSubnet s;
    unsigned max_prefix = 0;
    in_addr v4{};
    in6_addr v6{};
    if (::inet_pton(AF_INET, addr.c_str(), &v4) == 1) {
        std::memcpy(s.m_network.data(), &v4, 4);
        max_prefix = 32;
    } else if (::inet_pton(AF_INET6, addr.c_str(), &v6) == 1) {
        s.m_ipv6 = true;
        std::memcpy(s.m_network.data(), &v6, 16);
        max_prefix = 128;
    } else {
        return bad("is not a numeric address");
    }
    s.m_prefix = max_prefix;
    if (slash != std::string_view::npos) {
        const std::string_view len = text.substr(slash + 1);
        const bool digits =
            !len.empty() && len.size() <= 3 &&
            std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; });
        unsigned value = 0;
        for (char c : len)
            value = value * 10 + static_cast<unsigned>(c - '0');
        if (!digits || value > max_prefix) {
            return bad("has a bad prefix length (after '/': 0 to " + std::to_string(max_prefix) +
                       ")");
        }
        s.m_prefix = value;
    }
    if (s.m_ipv6 && s.m_prefix >= 96 && IsV4Mapped(s.m_network.data())) {
        // "::ffff:a.b.c.d/n" denotes IPv4 peers, which are matched as IPv4.
        std::memmove(s.m_network.data(), s.m_network.data() + 12, 4);
        s.m_ipv6 = false;
        s.m_prefix -= 96;
    }
    const size_t used = s.m_ipv6 ? 16 : 4;
    for (size_t i = 0; i < s.m_network.size(); ++i) {
        const unsigned first_bit = static_cast<unsigned>(i) * 8;
        if (i >= used || first_bit >= s.m_prefix) {
            s.m_network[i] = 0;
        } else if (s.m_prefix - first_bit < 8) {
            s.m_network[i] &= static_cast<uint8_t>(0xff << (8 - (s.m_prefix - first_bit)));
        }
    }
    return s;
}

bool IpSubnet::Contains(const sockaddr* addr) const {
    if (addr == nullptr) return false;
    std::array<uint8_t, 16> bytes{};
    bool ipv6 = false;
    if (addr->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof(in));
        std::memcpy(bytes.data(), &in.sin_addr, 4);
    } else if (addr->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof(in6));
        const auto* raw = reinterpret_cast<const uint8_t*>(&in6.sin6_addr);
        if (IsV4Mapped(raw)) {
            std::memcpy(bytes.data(), raw + 12, 4);
        } else {
            std::memcpy(bytes.data(), raw, 16);
            ipv6 = true;
        }
    } else {
        return false;
    }
    return ipv6 == m_ipv6 && PrefixEqual(bytes, m_network, m_prefix);
}

bool IpSubnet::Contains(std::string_view numeric_address) const {
    const std::string text(numeric_address);
    if (text.find('\0') != std::string::npos) return false;
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    if (::inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        return Contains(reinterpret_cast<const sockaddr*>(&v4));
    }
    if (::inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        return Contains(reinterpret_cast<const sockaddr*>(&v6));
    }
    return false;
}

std::string IpSubnet::ToString() const {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(m_ipv6 ? AF_INET6 : AF_INET, m_network.data(), buf, sizeof(buf));
    return std::string(buf) + "/" + std::to_string(m_prefix);
}

}  // namespace maillon
