// The gateway's event loops. A connection lives on one serving loop from accept to close, with
// everything it uses (its upstream connections, timers), so a request never crosses threads.
// Loop 0 is the main loop (run by the caller of GatewayServer::run): listeners, signals, reload,
// drain and the watchdog, and no connection. Keeping connections off it keeps the objects Asio
// never frees (one per socket ever registered, allocated by the accepting thread) away from the
// connections' own memory, so more of it can go back to the system after a burst.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "proxy/net/asio_types.h"
#include "proxy/server/config_snapshots.h"
#include "proxy/server/idle_clients.h"
#include "proxy/server/upstream_pool.h"
#include "proxy/server/upstream_slots.h"
#include "proxy/status/gateway_state.h"

namespace ratls::proxy {

struct EventLoop {
  // Before io: connections destroyed with io's pending coroutines give their slots back here.
  UpstreamSlots upstream_slots;
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  UpstreamPool pool;
  LoopSnapshot snapshot;
  IdleClients idle_clients;    // waiting for a next request: closed on drain
  AppSignalCache app_signals;  // each app's Mse-Status as this loop last recorded it
  std::thread thread;          // none for loop 0
};

class EventLoops {
 public:
  // `threads` serving loops (0: one per core, at most 4), plus the main loop.
  explicit EventLoops(int threads);

  EventLoop& main() { return *loops_.front(); }
  // Round robin over the serving loops, for accepted connections (main loop only).
  EventLoop& next();
  std::vector<std::unique_ptr<EventLoop>>& all() { return loops_; }
  std::size_t serving() const { return loops_.size() - 1; }

  // Runs `fn` on every loop, main loop included, each on its own thread (posted).
  void post_to_all(const std::function<void(EventLoop&)>& fn);
  // Gives each loop its share of `per_app` upstream connections per app (at least one).
  void share_upstream_limit(std::size_t per_app);

  // Starts the threads of loops 1..n-1.
  void start();
  // Stops every loop and joins the threads.
  void stop();
  // Runs `io` until it has no more work; a failure escaping a connection's coroutine ends that
  // connection, never the daemon.
  static void run(asio::io_context& io);

 private:
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::size_t next_ = 0;
};

}  // namespace ratls::proxy
