// Idle verified upstream connections of one event loop, per app. A connection is reused only
// while nothing it was verified against has changed: the same configuration generation, not idle
// too long, and (checked by the exchange's take_pooled) the app's current pin.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/server/upstream_connection.h"

namespace ratls::proxy {

class UpstreamPool {
 public:
  // No count of its own: every pooled connection holds one of its loop's upstream slots (the
  // loop's share of http.upstream_connections_per_app), which bounds them. Closing one below that
  // bound would only cost the next request a handshake and a full verification: a cap of 16 per
  // loop did that to most requests once more clients than that were active on a loop (64
  // keep-alive clients on two loops: 9.3 k requests/s at 148 µs of CPU each, against 50.7 k at
  // 16.5 µs without it). What a burst leaves behind goes with the sweep, after kMaxIdle.
  // Below the 5 s keep-alive of the ASGI servers Cosmian's apps run on (hypercorn, uvicorn): a
  // connection the server is about to close is not worth a retry, and a burst's connections are
  // not kept for long.
  static constexpr auto kMaxIdle = std::chrono::seconds(4);

  // The most recently pooled connection for `app` verified under `generation` and not idle too
  // long, or null; unusable ones met are closed. The caller checks the pin (take_pooled).
  std::unique_ptr<UpstreamConn> take(const std::string& app, unsigned generation);
  // Keeps a connection after a clean exchange (the caller checked that no bytes are left).
  void give_back(const std::string& app, std::unique_ptr<UpstreamConn> conn);
  // Closes the idle connections of apps not in `kept` (a reload removed them).
  void keep_only(const std::vector<std::string>& kept);
  // Closes the connections idle for kMaxIdle or longer at `now`; returns how many.
  std::size_t close_expired(std::chrono::steady_clock::time_point now);
  void clear() { idle_.clear(); }

 private:
  std::map<std::string, std::deque<std::unique_ptr<UpstreamConn>>> idle_;
};

}  // namespace ratls::proxy
