// ServiceClient: maillon-cli's connection to a device agent's service port
// (client/service_protocol.h; doc/agent.md, "The device service protocol").
// Blocking: each send and each receive waits at most timeout_seconds. Frames
// from the agent are checked as the agent checks the client's: the header
// first, so that no reply longer than its type's bound is read.
//
// Error codes: "service-resolve", "service-connect" (the message names the
// address and says to check -agent), "service-timeout", "service-closed"
// (the agent closed the connection), "service-io", a decoding error of
// client/service_protocol.h, "unexpected-reply"; an ERROR reply is an Error
// with the agent's code and message.
//
// Not thread-safe; movable, closes its socket when destroyed.
#pragma once

#include <cstdint>
#include <string>

#include "client/service_protocol.h"
#include "util/result.h"

namespace maillon {

class ServiceClient {
public:
    static Result<ServiceClient> Connect(const std::string& host, uint16_t port,
                                         int timeout_seconds);
    ServiceClient(ServiceClient&& other) noexcept;
    ServiceClient& operator=(ServiceClient&&) = delete;
    ~ServiceClient();

    Status Send(const ServiceMessage& message);
    // The next frame from the agent, whatever its type (an ERROR included).
    Result<ServiceMessage> Receive();
    // Sends `request` and receives the reply, which must be of type `reply`.
    Result<ServiceMessage> Call(const ServiceMessage& request, ServiceMsg reply);

private:
    ServiceClient(int fd, std::string where) : m_fd(fd), m_where(std::move(where)) {}
    Status ReadExactly(uint8_t* out, size_t n);

    int m_fd = -1;
    std::string m_where;  // "host:port", for messages
};

// An ERROR reply as an Error: its code and message, said to be the agent's.
Error AgentError(const ErrorReply& reply);

}  // namespace maillon
