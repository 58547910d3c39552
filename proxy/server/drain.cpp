#include "proxy/server/drain.h"

#include "proxy/common/log.h"

namespace ratls::proxy {

void Drain::close_connections(std::chrono::seconds limit) {
  for (auto& w : loops_.all()) {
    asio::post(w->io, [&w = *w] {
      w.idle_clients.close_idle();
      w.pool.clear();
    });
    w->keep_running.reset();  // a serving loop ends once its last connection is done
  }
  limit_timer_ = std::make_unique<asio::steady_timer>(loops_.main().io, limit);
  limit_timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      log(LogLevel::kWarning, "drain timeout: closing the remaining connections");
      for (auto& w : loops_.all()) w->io.stop();
    }
  });
  if (active_ == 0) limit_timer_->cancel();
}

void Drain::abandon() {
  abandoned_ = true;
  limit_timer_.reset();
}

void Drain::session_opened() {
  ++active_;
  metrics_.connection_opened();
}

void Drain::session_closed() {
  metrics_.connection_closed();
  memory_.connection_closed();
  // The last connection of a drain ends it (the limit timer lives on the main loop).
  if (--active_ == 0 && draining_ && !abandoned_) {
    asio::post(loops_.main().io, [this] {
      if (limit_timer_) limit_timer_->cancel();
    });
  }
}

}  // namespace ratls::proxy
