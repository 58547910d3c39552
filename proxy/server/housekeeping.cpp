#include "proxy/server/housekeeping.h"

#include "proxy/server/service_notify.h"

namespace ratls::proxy {

void Housekeeping::start(std::optional<std::chrono::microseconds> watchdog_interval) {
  if (watchdog_interval) {
    watchdog_ = std::make_unique<asio::steady_timer>(io_);
    notify_watchdog();
    feed_watchdog(*watchdog_interval);
  }
  tick_timer_ = std::make_unique<asio::steady_timer>(io_);
  tick();
}

void Housekeeping::stop() {
  stopped_ = true;
  if (watchdog_) watchdog_->cancel();
  if (tick_timer_) tick_timer_->cancel();
}

void Housekeeping::feed_watchdog(std::chrono::microseconds interval) {
  watchdog_->expires_after(interval);
  watchdog_->async_wait([this, interval](boost::system::error_code ec) {
    if (ec || stopped_) return;
    notify_watchdog();
    feed_watchdog(interval);
  });
}

void Housekeeping::tick() {
  tick_timer_->expires_after(kTickInterval);
  tick_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    sweep_loops();
    memory_.release_if_connections_closed();
    tick();
  });
}

// Each serving loop closes its own connections that waited too long: clients past their header or
// idle deadline, pooled upstream connections past the pool's limit.
void Housekeeping::sweep_loops() {
  for (std::size_t i = 1; i < loops_.all().size(); ++i) {
    asio::post(loops_.all()[i]->io, [this, &w = *loops_.all()[i]] {
      const auto now = std::chrono::steady_clock::now();
      w.idle_clients.close_expired(now);  // counted when their sessions end
      if (w.pool.close_expired(now) > 0) memory_.connection_closed();
    });
  }
}

}  // namespace ratls::proxy
