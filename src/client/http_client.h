// Blocking HTTP/1.1 client for maillon-cli and tests, on libevent's evhttp.
// Each call creates its own event_base and connection, sends one request
// ("Connection: close") and runs the loop until the reply, an error or the
// timeout; nothing is shared between calls, so calls are thread-safe.
//
// Error codes: "http-resolve" (the host name does not resolve: "cannot
// resolve host 'X'"), "http-connect" (refused, unreachable: the message says
// "could not connect to HOST:PORT: is maillond running?"), "http-timeout",
// "http-failed" (connection dropped or reply malformed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace maillon {

struct HttpResponse {
    int status{0};
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    // First header of that name (case-insensitive), "" if absent.
    std::string Header(std::string_view name) const;
};

// The largest reply body read (the node's own -rpcmaxreply is at most 4 GiB,
// 16 MiB by default); a larger one fails with "http-too-large" before it is
// read into memory.
inline constexpr size_t kMaxHttpReplyBytes = size_t{1} << 30;

// POSTs `body` (Content-Type: application/json) to http://host:port/path.
// `authorization_header` is the full "Authorization" value (e.g. from
// MakeBasicAuthHeader in rpc/auth.h); empty sends none. timeout_seconds
// bounds the connect and each read/write.
Result<HttpResponse> HttpPost(const std::string& host, uint16_t port, const std::string& path,
                              const std::string& body, const std::string& authorization_header,
                              int timeout_seconds);

// "host:port", or "[ipv6]:port": how messages name a server.
std::string FormatHostPort(const std::string& host, uint16_t port);

// Same for GET (no body).
Result<HttpResponse> HttpGet(const std::string& host, uint16_t port, const std::string& path,
                             const std::string& authorization_header, int timeout_seconds);

}  // namespace maillon
