#include "client/service_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "client/http_client.h"
#include "util/strencodings.h"

namespace maillon {

namespace {

Error IoError(const std::string& where, const char* what) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return MakeError(ErrorKind::kIo, "service-timeout",
                         "the agent at " + where + " did not answer in time (-timeout)");
    }
    return MakeError(
        ErrorKind::kIo, "service-io",
        std::string("cannot ") + what + " the agent at " + where + ": " + std::strerror(errno));
}

// A connected socket whose sends and receives wait at most `timeout` seconds.
int ConnectTo(const addrinfo* ai, int timeout_seconds) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) return -1;
    const timeval tv{timeout_seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return fd;
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
}

}  // namespace

Error AgentError(const ErrorReply& reply) {
    return MakeError(reply.code, "the agent refused: " + reply.message + " (" + reply.code + ")");
}

Result<ServiceClient> ServiceClient::Connect(const std::string& host, uint16_t port,
                                             int timeout_seconds) {
    const std::string where = FormatHostPort(host, port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (gai != 0) {
        return MakeError("service-resolve", "cannot resolve host " + QuoteEcho(host) + " (" +
                                                ::gai_strerror(gai) + ")");
    }
    int fd = -1;
    for (const addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next)
        fd = ConnectTo(ai, timeout_seconds);
    const int err = errno;
    ::freeaddrinfo(found);
    if (fd < 0) {
        return MakeError("service-connect", "could not connect to the device agent at " + where +
                                                ": " + std::strerror(err) +
                                                " (is maillon-agent running with that "
                                                "-serviceport? check -agent)");
    }
    return ServiceClient(fd, where);
}

ServiceClient::ServiceClient(ServiceClient&& other) noexcept
    : m_fd(other.m_fd), m_where(std::move(other.m_where)) {
    other.m_fd = -1;
}

ServiceClient::~ServiceClient() {
    if (m_fd >= 0) ::close(m_fd);
}

Status ServiceClient::Send(const ServiceMessage& message) {
    const std::vector<uint8_t> frame = EncodeFrame(message);
    size_t done = 0;
    while (done < frame.size()) {
        const ssize_t n = ::send(m_fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return IoError(m_where, "send to");
        done += static_cast<size_t>(n);
    }
    return Status::Ok();
}

Status ServiceClient::ReadExactly(uint8_t* out, size_t n) {
    size_t done = 0;
    while (done < n) {
        const ssize_t got = ::recv(m_fd, out + done, n - done, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return IoError(m_where, "read from");
        if (got == 0) {
            return MakeError(ErrorKind::kIo, "service-closed",
                             "the agent at " + m_where + " closed the connection");
        }
        done += static_cast<size_t>(got);
    }
    return Status::Ok();
}

Result<ServiceMessage> ServiceClient::Receive() {
    std::array<uint8_t, kFrameHeaderSize> head;
    if (Status st = ReadExactly(head.data(), head.size()); !st) return st.error();
    auto header = ParseFrameHeader(head, ServicePeer::kAgent);
    if (!header) return header.error();
    std::vector<uint8_t> body(header->length);
    if (Status st = ReadExactly(body.data(), body.size()); !st) return st.error();
    return DecodeBody(header->type, body);
}

Result<ServiceMessage> ServiceClient::Call(const ServiceMessage& request, ServiceMsg reply) {
    if (Status st = Send(request); !st) return st.error();
    auto got = Receive();
    if (!got) return got;
    if (const auto* e = std::get_if<ErrorReply>(&*got)) return AgentError(*e);
    if (TypeOf(*got) != reply) {
        return MakeError("unexpected-reply",
                         "the agent answered " +
                             ServiceMsgName(static_cast<uint8_t>(TypeOf(*got))) + " to " +
                             ServiceMsgName(static_cast<uint8_t>(TypeOf(request))) + ", not " +
                             ServiceMsgName(static_cast<uint8_t>(reply)));
    }
    return got;
}

}  // namespace maillon
