#include "client/http_client.h"
#include "util/strencodings.h"

#include <chrono>
#include <memory>
#include <optional>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <netdb.h>

namespace maillon {

namespace {

using Clock = std::chrono::steady_clock;

struct CallState {
    bool done{false};
    bool failed{false};
    std::optional<evhttp_request_error> error;
    HttpResponse response;
};

void OnError(evhttp_request_error error, void* arg) {
    auto* state = static_cast<CallState*>(arg);
    state->error = error;
}

void OnDone(evhttp_request* req, void* arg) {
    auto* state = static_cast<CallState*>(arg);
    state->done = true;
    if (req == nullptr || evhttp_request_get_response_code(req) == 0) {
        state->failed = true;
        return;
    }
    state->response.status = evhttp_request_get_response_code(req);
    const evkeyvalq* headers = evhttp_request_get_input_headers(req);
    for (const evkeyval* h = headers->tqh_first; h != nullptr; h = h->next.tqe_next) {
        state->response.headers.emplace_back(h->key, h->value);
    }
    evbuffer* in = evhttp_request_get_input_buffer(req);
    state->response.body.resize(evbuffer_get_length(in));
    if (!state->response.body.empty()) {
        evbuffer_copyout(in, state->response.body.data(), state->response.body.size());
    }
}

Result<HttpResponse> Send(evhttp_cmd_type command, const std::string& host, uint16_t port,
                          const std::string& path, const std::string* body,
                          const std::string& authorization, int timeout_seconds) {
    const std::string where = FormatHostPort(host, port);
    // libevent resolves the name too, but reports a failure like a refused
    // connection; resolving first tells the user which one it is.
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int gai = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (gai != 0) {
        return MakeError("http-resolve", "cannot resolve host " + QuoteEcho(host) + " (" +
                                             ::gai_strerror(gai) + ")");
    }
    ::freeaddrinfo(found);
    std::unique_ptr<event_base, decltype(&event_base_free)> base(event_base_new(),
                                                                 &event_base_free);
    if (!base) return MakeError("http-failed", "cannot create a libevent event base");
    std::unique_ptr<evhttp_connection, decltype(&evhttp_connection_free)> conn(
        evhttp_connection_base_new(base.get(), nullptr, host.c_str(), port),
        &evhttp_connection_free);
    if (!conn) return MakeError("http-failed", "cannot create an HTTP connection to " + where);
    evhttp_connection_set_timeout(conn.get(), timeout_seconds > 0 ? timeout_seconds : 1);
    evhttp_connection_set_max_body_size(conn.get(), kMaxHttpReplyBytes);

    CallState state;
    const auto start = Clock::now();
    evhttp_request* req = evhttp_request_new(&OnDone, &state);
    if (req == nullptr) return MakeError("http-failed", "cannot create an HTTP request");
    evhttp_request_set_error_cb(req, &OnError);
    evkeyvalq* headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Host", where.c_str());
    evhttp_add_header(headers, "Connection", "close");
    if (!authorization.empty()) evhttp_add_header(headers, "Authorization", authorization.c_str());
    if (body != nullptr) {
        evhttp_add_header(headers, "Content-Type", "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(req), body->data(), body->size());
    }
    // From here the connection owns the request and frees it after OnDone.
    const std::string target = path.empty() ? "/" : path;
    if (evhttp_make_request(conn.get(), req, command, target.c_str()) != 0) {
        return MakeError("http-connect", "could not connect to " + where +
                                             ": is maillond running? (request not sent)");
    }
    event_base_dispatch(base.get());

    if (state.done && !state.failed) return std::move(state.response);
    // libevent reports a failed connect (refused, unreachable, connect
    // timeout) by completing the request without calling the error callback;
    // failures after the connection was up go through the error callback.
    if (!state.error) {
        const bool slow = Clock::now() - start >= std::chrono::seconds(timeout_seconds);
        return MakeError("http-connect",
                         "could not connect to " + where + ": is maillond running? (" +
                             (slow ? "no answer within " + std::to_string(timeout_seconds) + " s"
                                   : std::string("connection refused or host unreachable")) +
                             ")");
    }
    if (*state.error == EVREQ_HTTP_DATA_TOO_LONG) {
        return MakeError("http-too-large", "the reply from " + where + " is larger than " +
                                               std::to_string(kMaxHttpReplyBytes) +
                                               " bytes; ask for less");
    }
    if (*state.error == EVREQ_HTTP_TIMEOUT) {
        return MakeError("http-timeout", "no reply from " + where + " within " +
                                             std::to_string(timeout_seconds) +
                                             " s (is maillond busy or stuck?)");
    }
    return MakeError("http-failed",
                     "connection to " + where + " closed before a complete reply was received");
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() != name.size()) continue;
        bool equal = true;
        for (size_t i = 0; i < key.size() && equal; ++i) {
            auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
            equal = lower(key[i]) == lower(name[i]);
        }
        if (equal) return value;
    }
    return "";
}

Result<HttpResponse> HttpPost(const std::string& host, uint16_t port, const std::string& path,
                              const std::string& body, const std::string& authorization_header,
                              int timeout_seconds) {
    return Send(EVHTTP_REQ_POST, host, port, path, &body, authorization_header, timeout_seconds);
}

Result<HttpResponse> HttpGet(const std::string& host, uint16_t port, const std::string& path,
                             const std::string& authorization_header, int timeout_seconds) {
    return Send(EVHTTP_REQ_GET, host, port, path, nullptr, authorization_header, timeout_seconds);
}

std::string FormatHostPort(const std::string& host, uint16_t port) {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace maillon
