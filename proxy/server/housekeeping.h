// The main loop's periodic chores: the systemd watchdog ping (when the unit asks for one) and the
// release of memory freed by closed connections. Started by run(), stopped by the drain.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "proxy/net/asio_types.h"
#include "proxy/server/memory_release.h"

namespace ratls::proxy {

class Housekeeping {
 public:
  static constexpr auto kMemoryReleaseInterval = std::chrono::seconds(2);

  Housekeeping(asio::io_context& io, MemoryRelease& memory) : io_(io), memory_(memory) {}
  // `watchdog_interval`: how often to ping systemd's watchdog; none when it does not watch.
  void start(std::optional<std::chrono::microseconds> watchdog_interval);
  void stop();

 private:
  void feed_watchdog(std::chrono::microseconds interval);
  void release_memory();

  asio::io_context& io_;
  MemoryRelease& memory_;
  std::unique_ptr<asio::steady_timer> watchdog_;
  std::unique_ptr<asio::steady_timer> memory_timer_;
  bool stopped_ = false;
};

}  // namespace ratls::proxy
