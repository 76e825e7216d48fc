// Node: owns and wires the parts of a running maillond — chain, mempool,
// dev block producer, RPC table and HTTP server — in start-up order, and
// tears them down in reverse. Created and destroyed by main's thread.
#pragma once

#include <memory>

#include "common/args.h"
#include "util/result.h"

namespace maillon {

class Node {
public:
    // Opens the data directory and starts every service. The returned node
    // runs until Shutdown(); errors say what the operator should change.
    static Result<std::unique_ptr<Node>> Start(const Args& args);
    ~Node();

    // Blocks until SIGINT, SIGTERM or the `stop` RPC; a SIGHUP meanwhile
    // reopens debug.log. The caller must have blocked those signals in every
    // thread (BlockShutdownSignals) before Start(), so that only this wait
    // receives them.
    void WaitForShutdown();
    // True when the node stopped because of a fatal error (logged as such);
    // maillond then exits with status 1.
    bool Failed() const;

    // Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and those it starts.
    static void BlockShutdownSignals();

private:
    Node();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace maillon
