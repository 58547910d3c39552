#include "proxy/server/upstream_pool.h"

#include <algorithm>

namespace ratls::proxy {

std::unique_ptr<UpstreamConn> UpstreamPool::take(const std::string& app, unsigned generation) {
  auto it = idle_.find(app);
  if (it == idle_.end()) return nullptr;
  auto& idle = it->second;
  while (!idle.empty()) {
    auto conn = std::move(idle.back());
    idle.pop_back();
    if (conn->generation != generation) continue;
    if (std::chrono::steady_clock::now() - conn->idle_since >= kMaxIdle) continue;
    return conn;
  }
  return nullptr;
}

void UpstreamPool::give_back(const std::string& app, std::unique_ptr<UpstreamConn> conn) {
  auto& idle = idle_[app];
  conn->idle_since = std::chrono::steady_clock::now();
  // Empty here. A head-sized buffer stays (no allocation on the next request; the pool is small),
  // a larger one from relaying a body does not.
  if (conn->buffer.capacity() > 4 * 1024) conn->buffer.shrink_to_fit();
  // Its deadline is left as it is: nothing waits on a pooled connection, the sweep closes it, and
  // the next exchange sets its own (clearing it would cost a timer update per request).
  idle.push_back(std::move(conn));
}

std::size_t UpstreamPool::close_expired(std::chrono::steady_clock::time_point now) {
  std::size_t closed = 0;
  for (auto& [app, idle] : idle_) {
    // Oldest first: given back in order, so the expired ones are at the front.
    while (!idle.empty() && now - idle.front()->idle_since >= kMaxIdle) {
      idle.pop_front();
      ++closed;
    }
  }
  return closed;
}

void UpstreamPool::keep_only(const std::vector<std::string>& kept) {
  std::erase_if(idle_, [&kept](const auto& entry) {
    return std::find(kept.begin(), kept.end(), entry.first) == kept.end();
  });
}

}  // namespace ratls::proxy
