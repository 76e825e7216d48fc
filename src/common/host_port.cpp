#include "common/host_port.h"

#include "util/strencodings.h"

namespace maillon {

namespace {

Error ConnectError(const std::string& msg) {
    return MakeError("bad-option", msg);
}

Result<uint16_t> ParsePort(const std::string& text, const std::string& option) {
    const auto port = ParseUInt64(text);
    if (!port || *port < 1 || *port > 65535) {
        return ConnectError("invalid port " + QuoteEcho(text) + " in " + option +
                            ": the port must be 1..65535");
    }
    return static_cast<uint16_t>(*port);
}

}  // namespace

Result<HostAndPort> ParseHostPort(const std::string& spec, const std::string& option_name) {
    const std::string option = "-" + option_name + "=" + QuoteEcho(spec);
    HostAndPort out;
    if (!spec.empty() && spec[0] == '[') {
        const size_t close = spec.find(']');
        if (close == std::string::npos || close == 1) {
            return ConnectError("invalid " + option +
                                ": write an IPv6 address as [ADDRESS] or [ADDRESS]:PORT");
        }
        out.host = spec.substr(1, close - 1);
        const std::string rest = spec.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') {
                return ConnectError("invalid " + option + ": expected ':PORT' after ']'");
            }
            auto port = ParsePort(rest.substr(1), option);
            if (!port) return port.error();
            out.port = *port;
        }
        return out;
    }
    const size_t colon = spec.find(':');
    if (colon != std::string::npos && spec.find(':', colon + 1) == std::string::npos) {
        out.host = spec.substr(0, colon);
        auto port = ParsePort(spec.substr(colon + 1), option);
        if (!port) return port.error();
        out.port = *port;
    } else {
        out.host = spec;  // a name, an IPv4 address or an IPv6 address without a port
    }
    if (out.host.empty()) {
        return ConnectError("invalid " + option + ": no host name or address");
    }
    return out;
}

}  // namespace maillon
