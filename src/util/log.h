// Logging to <datadir>/debug.log (and optionally the console).
//
// One process-wide Logger, opened by the program's main once the data
// directory is known; LogPrintf before Open() goes to stderr. Lines carry an
// ISO-8601 UTC timestamp and a category. Thread-safe. Never pass secrets
// (keys, passphrases, cookies) to it.
#pragma once

#include <string>

#include "util/result.h"

namespace maillon {

Status LogOpen(const std::string& path, bool print_to_console);
// Opens the log file again under its path (after a rotation moved it away);
// on failure the old file stays in use.
Status LogReopen();
void LogClose();
void LogPrint(const char* category, const std::string& message);

}  // namespace maillon
