#include "proxy/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace ratls::proxy {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mutex;
}  // namespace

bool set_log_level(std::string_view name) {
  if (name == "debug") {
    g_level = LogLevel::kDebug;
  } else if (name == "info") {
    g_level = LogLevel::kInfo;
  } else if (name == "warning") {
    g_level = LogLevel::kWarning;
  } else if (name == "error") {
    g_level = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

void log(LogLevel level, const std::string& message) {
  if (level < g_level.load()) return;
  static const char* const kNames[] = {"debug", "info", "warning", "error"};
  std::lock_guard lock(g_mutex);
  std::fprintf(stderr, "%s: %s\n", kNames[static_cast<int>(level)], message.c_str());
  std::fflush(stderr);
}

}  // namespace ratls::proxy
