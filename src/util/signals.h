// The control signals of the long-running programs (maillond,
// maillon-agent): SIGINT and SIGTERM stop them, SIGHUP reopens the log file
// (after a rotation moved it away).
//
// The signals are received by one thread only, synchronously: main blocks
// them (BlockControlSignals) before it starts any thread, so every thread
// inherits the mask, then waits in WaitForStopSignal.
#pragma once

namespace maillon {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and those it starts.
void BlockControlSignals();

// Waits until SIGINT or SIGTERM arrives and returns it; a SIGHUP meanwhile
// reopens the log (LogReopen) and logs that it did.
int WaitForStopSignal();

}  // namespace maillon
