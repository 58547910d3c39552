// One line per event that matters, with a level, on stderr (journald adds its own timestamps).
#pragma once

#include <string>
#include <string_view>

namespace ratls::proxy {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "debug", "info", "warning", "error"; false for anything else.
bool set_log_level(std::string_view name);
void log(LogLevel level, const std::string& message);

}  // namespace ratls::proxy
