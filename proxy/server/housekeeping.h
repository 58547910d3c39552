// The main loop's periodic chores: the systemd watchdog ping (when the unit asks for one), the
// sweep of connections that waited too long (clients between requests, pooled upstreams), and
// the release of memory freed by closed connections. Started by run(), stopped by the drain.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "proxy/net/asio_types.h"
#include "proxy/server/event_loops.h"
#include "proxy/server/memory_release.h"

namespace ratls::proxy {

class Housekeeping {
 public:
  static constexpr auto kTickInterval = std::chrono::seconds(1);

  // Runs on the main loop of `loops`.
  Housekeeping(EventLoops& loops, MemoryRelease& memory)
      : io_(loops.main().io), loops_(loops), memory_(memory) {}
  // `watchdog_interval`: how often to ping systemd's watchdog; none when it does not watch.
  void start(std::optional<std::chrono::microseconds> watchdog_interval);
  void stop();

 private:
  void feed_watchdog(std::chrono::microseconds interval);
  void tick();
  void sweep_loops();

  asio::io_context& io_;
  EventLoops& loops_;
  MemoryRelease& memory_;
  std::unique_ptr<asio::steady_timer> watchdog_;
  std::unique_ptr<asio::steady_timer> tick_timer_;
  bool stopped_ = false;
};

}  // namespace ratls::proxy
