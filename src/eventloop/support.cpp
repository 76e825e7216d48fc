#include "eventloop/support.h"

#include <arpa/inet.h>

#include <mutex>

#include <event2/thread.h>

namespace maillon {

void EnableLibeventThreads() {
    static std::once_flag once;
    std::call_once(once, [] { evthread_use_pthreads(); });
}

timeval ToTimeval(std::chrono::milliseconds ms) {
    return timeval{static_cast<time_t>(ms.count() / 1000),
                   static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

std::string AddressText(const sockaddr* sa) {
    char text[INET6_ADDRSTRLEN] = "(unknown)";
    if (sa != nullptr && sa->sa_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text,
                    sizeof(text));
    } else if (sa != nullptr && sa->sa_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text,
                    sizeof(text));
    }
    return text;
}

std::string PeerText(const sockaddr* sa) {
    uint16_t port = 0;
    if (sa != nullptr && sa->sa_family == AF_INET) {
        port = ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
    } else if (sa != nullptr && sa->sa_family == AF_INET6) {
        port = ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
    }
    return HostPortText(AddressText(sa), port);
}

std::string HostPortText(const std::string& host, uint16_t port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

std::optional<std::pair<sockaddr_storage, socklen_t>> SocketAddress(const std::string& address,
                                                                    uint16_t port) {
    sockaddr_storage ss{};
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    if (::inet_pton(AF_INET, address.c_str(), &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        return std::make_pair(ss, static_cast<socklen_t>(sizeof(sockaddr_in)));
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        return std::make_pair(ss, static_cast<socklen_t>(sizeof(sockaddr_in6)));
    }
    return std::nullopt;
}

}  // namespace maillon
