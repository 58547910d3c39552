#include "proxy/server/service_notify.h"

#include <systemd/sd-daemon.h>

namespace ratls::proxy {

void notify_ready(const std::string& status) {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void notify_reloading() {
  sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
}

void notify_stopping() {
  sd_notify(0, "STOPPING=1\nSTATUS=stopping: finishing requests in flight");
}

void notify_status(const std::string& status) {
  sd_notify(0, ("STATUS=" + status).c_str());
}

void notify_watchdog() {
  sd_notify(0, "WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_ping_interval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

std::vector<int> activation_sockets() {
  std::vector<int> fds;
  const int n = sd_listen_fds(1);  // unset LISTEN_* so children do not inherit them
  for (int i = 0; i < n; ++i) fds.push_back(SD_LISTEN_FDS_START + i);
  return fds;
}

}  // namespace ratls::proxy
