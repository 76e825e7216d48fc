// What the libevent servers share (rpc/http_server.h, net/connman.h,
// agent/service_server.h): libevent's thread support, timeouts as timevals,
// and socket addresses as text and from text. Thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace maillon {

// Makes libevent thread-safe (evthread_use_pthreads), once per process.
void EnableLibeventThreads();

timeval ToTimeval(std::chrono::milliseconds ms);

// A peer's numeric address without its port ("(unknown)" if not IPv4/6).
std::string AddressText(const sockaddr* sa);
// With its port: "1.2.3.4:5", "[::1]:5".
std::string PeerText(const sockaddr* sa);
// "host:port", bracketing an IPv6 host.
std::string HostPortText(const std::string& host, uint16_t port);

// A numeric IPv4 or IPv6 address and a port as a socket address; nullopt
// when `address` is not numeric.
std::optional<std::pair<sockaddr_storage, socklen_t>> SocketAddress(const std::string& address,
                                                                    uint16_t port);

}  // namespace maillon
