// The gateway's event loops. A connection lives on one loop from accept to close, with everything
// it uses (its upstream connections, timers), so a request never crosses threads. Loop 0 is the
// main loop (run by the caller of GatewayServer::run): listeners, signals, reload, drain and the
// watchdog run there too.
#pragma once

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "proxy/net/asio_types.h"
#include "proxy/server/config_snapshots.h"
#include "proxy/server/idle_clients.h"
#include "proxy/server/upstream_pool.h"

namespace ratls::proxy {

struct EventLoop {
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  UpstreamPool pool;
  LoopSnapshot snapshot;
  IdleClients idle_clients;  // waiting for a next request: closed on drain
  std::thread thread;        // none for loop 0
};

class EventLoops {
 public:
  // `threads` 0: one per core, at most 4.
  explicit EventLoops(int threads);

  EventLoop& main() { return *loops_.front(); }
  // Round robin, for accepted connections (main loop only).
  EventLoop& next();
  std::vector<std::unique_ptr<EventLoop>>& all() { return loops_; }

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
