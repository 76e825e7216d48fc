// "-option=HOST[:PORT]" values: a host name or numeric address, with an
// optional port, as maillon-cli's -rpcconnect and -agent and maillond's
// -addnode take them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/result.h"

namespace maillon {

struct HostAndPort {
    std::string host;  // without brackets
    std::optional<uint16_t> port;
};

// Parses a -rpcconnect value (or another option's, `option_name`, of the same
// form): HOST, HOST:PORT, an IPv6 address (two or more ':'), [IPV6] or
// [IPV6]:PORT. Errors ("bad-option") name the option, the value and what is
// wrong.
Result<HostAndPort> ParseHostPort(const std::string& spec,
                                  const std::string& option_name = "rpcconnect");

}  // namespace maillon
