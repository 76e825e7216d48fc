// evhttp-ceiling: what libevent's evhttp can answer on this machine, with and
// without the worker-thread handoff that rpc/http_server.cpp does. A
// profiling aid for doc/benchmarks.md, not part of the node.
//
// It answers every POST with the fixed body {"jsonrpc":"2.0","result":0,"id":1}
// (what getblockcount returns on a fresh dev chain), on 127.0.0.1:PORT.
//   inline   the reply is sent from the request callback, on the loop thread
//   handoff  like maillond's HttpServer: the body is copied onto a
//            mutex-guarded queue, a worker (condition variable) makes the reply,
//            pushes it onto a done-queue and wakes the loop with event_active;
//            the loop thread sends it. WORKERS threads (default 4).
//   auth     (either mode, "+auth") also checks "Authorization" the way
//            RpcAuthenticator does: base64-decode, SHA-256 of user and
//            password, constant-time compare.
//
// Build and run (nothing in the repository builds it):
//   g++ -O2 -std=c++20 -o /tmp/evhttp-ceiling contrib/bench/evhttp-ceiling.cpp
//       -levent -levent_pthreads -lcrypto -lpthread          (one command line)
//   /tmp/evhttp-ceiling inline 29970 &
//   export RPC_AUTH="Basic X19jb29raWVfXzp4"   # __cookie__:x
//   wrk -t2 -c16 -d10s --latency -s contrib/bench/maillon-getblockcount.lua http://127.0.0.1:29970/
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

const char kReply[] = "{\"jsonrpc\":\"2.0\",\"result\":0,\"id\":1}";
// The Authorization header wrk sends in the example above: __cookie__:x
const char kUser[] = "__cookie__";
const char kPassword[] = "x";

bool g_handoff = false;
bool g_auth = false;
event_base* g_base = nullptr;
event* g_wake = nullptr;
std::mutex g_mutex;
std::condition_variable g_cv;
std::deque<std::pair<evhttp_request*, std::string>> g_work;
std::deque<std::pair<evhttp_request*, std::string>> g_done;
unsigned char g_user_digest[32], g_pass_digest[32];

bool CheckAuth(const char* header) {
    if (header == nullptr || strncasecmp(header, "Basic ", 6) != 0) return false;
    const char* tok = header + 6;
    unsigned char decoded[256];
    const int n = EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(tok),
                                  static_cast<int>(strlen(tok)));
    if (n <= 0) return false;
    std::string pair(reinterpret_cast<char*>(decoded), static_cast<size_t>(n));
    while (!pair.empty() && pair.back() == '\0')
        pair.pop_back();  // base64 padding
    const size_t colon = pair.find(':');
    if (colon == std::string::npos) return false;
    unsigned char u[32], p[32];
    SHA256(reinterpret_cast<const unsigned char*>(pair.data()), colon, u);
    SHA256(reinterpret_cast<const unsigned char*>(pair.data() + colon + 1), pair.size() - colon - 1,
           p);
    unsigned char diff = 0;
    for (int i = 0; i < 32; ++i)
        diff |= (u[i] ^ g_user_digest[i]) | (p[i] ^ g_pass_digest[i]);
    return diff == 0;
}

void Send(evhttp_request* req, const std::string& body) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evbuffer_add(evhttp_request_get_output_buffer(req), body.data(), body.size());
    evhttp_send_reply(req, 200, nullptr, nullptr);
}

void OnRequest(evhttp_request* req, void*) {
    if (g_auth &&
        !CheckAuth(evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization"))) {
        evhttp_send_reply(req, 401, nullptr, nullptr);
        return;
    }
    evbuffer* in = evhttp_request_get_input_buffer(req);
    std::string body(evbuffer_get_length(in), '\0');
    if (!body.empty()) evbuffer_copyout(in, body.data(), body.size());
    if (!g_handoff) {
        Send(req, kReply);
        return;
    }
    {
        std::lock_guard lock(g_mutex);
        g_work.emplace_back(req, std::move(body));
    }
    g_cv.notify_one();
}

void OnWake(int, short, void*) {
    std::deque<std::pair<evhttp_request*, std::string>> done;
    {
        std::lock_guard lock(g_mutex);
        done.swap(g_done);
    }
    for (auto& [req, body] : done)
        Send(req, body);
}

void Worker() {
    for (;;) {
        std::pair<evhttp_request*, std::string> w;
        {
            std::unique_lock lock(g_mutex);
            g_cv.wait(lock, [] { return !g_work.empty(); });
            w = std::move(g_work.front());
            g_work.pop_front();
        }
        std::string reply = kReply;
        {
            std::lock_guard lock(g_mutex);
            g_done.emplace_back(w.first, std::move(reply));
        }
        event_active(g_wake, EV_TIMEOUT, 0);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s inline|handoff[+auth] PORT [WORKERS]\n", argv[0]);
        return 1;
    }
    const std::string mode = argv[1];
    g_handoff = mode.rfind("handoff", 0) == 0;
    g_auth = mode.find("+auth") != std::string::npos;
    const int port = std::atoi(argv[2]);
    const int workers = argc > 3 ? std::atoi(argv[3]) : 4;
    SHA256(reinterpret_cast<const unsigned char*>(kUser), strlen(kUser), g_user_digest);
    SHA256(reinterpret_cast<const unsigned char*>(kPassword), strlen(kPassword), g_pass_digest);

    evthread_use_pthreads();  // as maillond does (locks on every libevent call)
    g_base = event_base_new();
    evhttp* http = evhttp_new(g_base);
    g_wake = event_new(g_base, -1, 0, OnWake, nullptr);
    evhttp_set_timeout(http, 30);
    evhttp_set_gencb(http, OnRequest, nullptr);
    if (evhttp_bind_socket(http, "127.0.0.1", static_cast<uint16_t>(port)) != 0) {
        std::fprintf(stderr, "cannot bind 127.0.0.1:%d\n", port);
        return 1;
    }
    std::vector<std::thread> threads;
    if (g_handoff) {
        for (int i = 0; i < workers; ++i)
            threads.emplace_back(Worker);
    }
    std::fprintf(stderr, "evhttp-ceiling %s on 127.0.0.1:%d\n", mode.c_str(), port);
    event_base_loop(g_base, EVLOOP_NO_EXIT_ON_EMPTY);
    return 0;
}
