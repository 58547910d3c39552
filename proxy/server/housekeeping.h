// The main loop's periodic chores: the systemd watchdog ping (when the unit asks for one), the
// sweep of connections that waited too long (clients between requests, pooled upstreams), and
// the release of memory freed by closed connections. Started by run(), stopped by the drain.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "proxy/net/asio_types.h"
#include "proxy/server/memory_release.h"

namespace ratls::proxy {

class Housekeeping {
 public:
  static constexpr auto kTickInterval = std::chrono::seconds(1);

  // `sweep`: runs every tick, before the memory release.
  Housekeeping(asio::io_context& io, MemoryRelease& memory, std::function<void()> sweep)
      : io_(io), memory_(memory), sweep_(std::move(sweep)) {}
  // `watchdog_interval`: how often to ping systemd's watchdog; none when it does not watch.
  void start(std::optional<std::chrono::microseconds> watchdog_interval);
  void stop();

 private:
  void feed_watchdog(std::chrono::microseconds interval);
  void tick();

  asio::io_context& io_;
  MemoryRelease& memory_;
  std::function<void()> sweep_;
  std::unique_ptr<asio::steady_timer> watchdog_;
  std::unique_ptr<asio::steady_timer> tick_timer_;
  bool stopped_ = false;
};

}  // namespace ratls::proxy
