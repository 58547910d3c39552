// The end of a run. Waiting client connections and pooled upstream connections are closed at
// once, each serving loop ends with its last connection, and what still runs after the drain
// limit is closed. It is the client sessions' tracker, so the drain ends as soon as the last
// connection does.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "proxy/net/asio_types.h"
#include "proxy/server/event_loops.h"
#include "proxy/server/memory_release.h"
#include "proxy/server/server_context.h"
#include "proxy/status/metrics.h"

namespace ratls::proxy {

class Drain : public SessionTracker {
 public:
  Drain(EventLoops& loops, Metrics& metrics, MemoryRelease& memory)
      : loops_(loops), metrics_(metrics), memory_(memory) {}

  // What connections read to stop taking requests.
  const std::atomic<bool>& flag() const { return draining_; }
  bool started() const { return draining_; }

  // Main loop. Marks the drain begun; false if it had begun already.
  bool begin() { return !draining_.exchange(true); }
  // Main loop, after begin(): closes what waits, lets the loops run out, and arms the limit.
  void close_connections(std::chrono::seconds limit);
  // Once the loops have stopped and before they are destroyed: sessions ended by their
  // destruction post nothing to the main loop, and the limit timer is released.
  void abandon();

  void session_opened() override;
  void session_closed() override;

 private:
  EventLoops& loops_;
  Metrics& metrics_;
  MemoryRelease& memory_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> abandoned_{false};
  std::atomic<int> active_{0};
  std::unique_ptr<asio::steady_timer> limit_timer_;  // main loop
};

}  // namespace ratls::proxy
