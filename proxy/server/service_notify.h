// systemd integration (libsystemd): readiness, reload and stop notifications, watchdog pings,
// a one-line STATUS, and listeners passed by socket activation. All calls are no-ops when the
// daemon was not started by systemd (no NOTIFY_SOCKET / LISTEN_FDS).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ratls::proxy {

void notify_ready(const std::string& status);
void notify_reloading();
void notify_stopping();
void notify_status(const std::string& status);
void notify_watchdog();
// Half the watchdog interval systemd asked for (WATCHDOG_USEC), or nullopt when none.
std::optional<std::chrono::microseconds> watchdog_ping_interval();
// File descriptors of listening sockets passed by systemd (sd_listen_fds), consumed once.
std::vector<int> activation_sockets();

}  // namespace ratls::proxy
