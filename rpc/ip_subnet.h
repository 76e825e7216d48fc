// IpSubnet: one entry of the RPC allow list (-rpcallowip), and the match of a
// peer address against it. Pure: no sockets are opened.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

struct sockaddr;

namespace maillon {

// One entry of the RPC allow list: an IPv4 or an IPv6 subnet.
class IpSubnet {
public:
    // Parses "ADDR" (one host: /32 or /128) or "ADDR/PREFIX": ADDR a numeric
    // IPv4 or IPv6 address (no host names, brackets or zone ids), PREFIX a
    // decimal length 0..32 (IPv4) or 0..128 (IPv6). Address bits past the prefix
    // are ignored ("192.168.1.7/24" is 192.168.1.0/24), as in Bitcoin Core's
    // -rpcallowip. An IPv4-mapped IPv6 entry ("::ffff:10.0.0.0/104") is stored
    // as the IPv4 subnet it denotes. Error code "rpc-config", naming the entry.
    static Result<IpSubnet> Parse(std::string_view text);

    // Whether a peer address (AF_INET or AF_INET6; anything else or nullptr
    // never matches) lies in the subnet. An IPv4-mapped IPv6 peer address is
    // matched as the IPv4 address it carries. IPv4 subnets never match IPv6
    // addresses and vice versa (so "::/0" allows all IPv6 peers, no IPv4 one).
    bool Contains(const sockaddr* addr) const;
    // Same for a numeric address text; false when it is not one.
    bool Contains(std::string_view numeric_address) const;

    bool IsIpv6() const { return m_ipv6; }
    unsigned PrefixLength() const { return m_prefix; }
    // Canonical "network/prefix", e.g. "192.168.1.0/24", "::1/128".
    std::string ToString() const;

private:
    bool m_ipv6{false};
    std::array<uint8_t, 16> m_network{};  // IPv4: the first 4 bytes; bits past m_prefix are 0
    unsigned m_prefix{0};
};

}  // namespace maillon
