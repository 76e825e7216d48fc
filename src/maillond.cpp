// maillond: the Maillon full node.
#include <cstdio>
#include <iostream>

#include "common/options.h"
#include "node/node.h"
#include "util/log.h"
#include "util/strencodings.h"

int main(int argc, char* argv[]) {
    using namespace maillon;
    Args args = NodeArgs();
    Status st = args.Parse(argc, argv);
    if (!st) {
        std::fprintf(stderr, "Error: %s\n", st.error().message.c_str());
        return 1;
    }
    if (args.IsSet("help")) {
        std::cout << "Usage: maillond [options]\n\n" << args.Help();
        return 0;
    }
    if (!args.Positional().empty()) {
        std::fprintf(stderr, "Error: unexpected argument %s (options start with '-'; see -help)\n",
                     QuoteEcho(args.Positional()[0]).c_str());
        return 1;
    }
    Node::BlockShutdownSignals();
    auto node = Node::Start(args);
    if (!node) {
        LogPrint("init", "error: " + node.error().message);
        std::fprintf(stderr, "Error: %s\n", node.error().message.c_str());
        LogClose();
        return 1;
    }
    (*node)->WaitForShutdown();
    const int status = (*node)->Failed() ? 1 : 0;
    node->reset();
    LogClose();
    return status;
}
