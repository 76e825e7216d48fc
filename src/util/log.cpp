#include "util/log.h"

#include <cstdio>
#include <mutex>

#include "util/strencodings.h"
#include "util/time.h"

namespace maillon {

namespace {

std::mutex g_log_mutex;
std::FILE* g_log_file = nullptr;  // guarded by g_log_mutex
std::string g_log_path;           // guarded by g_log_mutex
bool g_log_console = true;        // guarded by g_log_mutex

std::string Timestamp() {
    return FormatIsoTime(NowMs());
}

}  // namespace

Status LogOpen(const std::string& path, bool print_to_console) {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (!f) return MakeError("log-open", "cannot open log file " + path);
    std::setvbuf(f, nullptr, _IOLBF, 0);
    g_log_file = f;
    g_log_path = path;
    g_log_console = print_to_console;
    return Status::Ok();
}

Status LogReopen() {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    if (!g_log_file) return Status::Ok();
    std::FILE* f = std::fopen(g_log_path.c_str(), "a");
    // Keep writing to the old file rather than lose lines.
    if (!f) return MakeError("log-open", "cannot reopen log file " + g_log_path);
    std::setvbuf(f, nullptr, _IOLBF, 0);
    std::fclose(g_log_file);
    g_log_file = f;
    return Status::Ok();
}

void LogClose() {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    if (g_log_file) std::fclose(g_log_file);
    g_log_file = nullptr;
    g_log_path.clear();
    g_log_console = true;
}

void LogPrint(const char* category, const std::string& message) {
    const std::string line = Timestamp() + " [" + category + "] " + message + "\n";
    std::lock_guard<std::mutex> lock(g_log_mutex);
    if (g_log_file) std::fputs(line.c_str(), g_log_file);
    if (g_log_console) std::fputs(line.c_str(), stderr);
}

}  // namespace maillon
