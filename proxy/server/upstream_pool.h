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
  // Per loop: a browser opens about 6 connections per host. Each kept connection holds ~45 KiB
  // (TLS state and Asio's two 17 KiB record buffers), so a burst does not leave megabytes behind.
  static constexpr std::size_t kIdlePerApp = 16;
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
