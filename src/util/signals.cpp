#include "util/signals.h"

#include <pthread.h>
#include <signal.h>

#include "util/log.h"

namespace maillon {

namespace {

sigset_t ControlSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

}  // namespace

void BlockControlSignals() {
    const sigset_t set = ControlSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForStopSignal() {
    const sigset_t set = ControlSignals();
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
        Status st = LogReopen();
        LogPrint("init", st ? "reopened the log file (SIGHUP)" : "warning: " + st.error().message);
    }
    return sig;
}

}  // namespace maillon
