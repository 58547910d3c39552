#include "proxy/common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "attest/bytes.h"

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
  // Under systemd, stderr goes to the journal (JOURNAL_STREAM is set): a "<N>" syslog priority
  // prefix lets journalctl filter by level. No colour codes either way.
  static const char* const kPriorities[] = {"<7>", "<6>", "<4>", "<3>"};
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  const int i = static_cast<int>(level);
  // One record, one line: a message quoting a peer's text cannot start a record of its own or
  // reach the terminal reading the log as a control sequence.
  const std::string line = attest::escape_controls(message);
  std::lock_guard lock(g_mutex);
  if (journal) {
    std::fprintf(stderr, "%s%s\n", kPriorities[i], line.c_str());
  } else {
    std::fprintf(stderr, "%s: %s\n", kNames[i], line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace ratls::proxy
