// The process's signals, on the main loop: SIGINT and SIGTERM ask for a stop (the drain), SIGHUP
// for a reload, each time, until stop(). Registered by start(), not on construction, so that a
// server that is only constructed leaves the process's signal handling alone.
#pragma once

#include <functional>
#include <optional>

#include "proxy/net/asio_types.h"

namespace ratls::proxy {

class ProcessSignals {
 public:
  ProcessSignals(asio::io_context& main, std::function<void()> on_stop,
                 std::function<void()> on_reload)
      : io_(main), on_stop_(std::move(on_stop)), on_reload_(std::move(on_reload)) {}
  void start();
  // No more stops or reloads: the drain has begun.
  void stop();

 private:
  void wait_for_reload();

  asio::io_context& io_;
  std::function<void()> on_stop_;
  std::function<void()> on_reload_;
  std::optional<asio::signal_set> stop_signals_;
  std::optional<asio::signal_set> reload_signals_;
  bool stopped_ = false;
};

}  // namespace ratls::proxy
