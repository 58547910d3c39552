#include "proxy/server/upstream_slots.h"

#include <algorithm>

namespace ratls::proxy {

std::unique_ptr<UpstreamSlots::Slot> UpstreamSlots::try_acquire(const std::string& app) {
  App& a = apps_[app];
  if (limit_ != 0 && a.open >= limit_) return nullptr;
  ++a.open;
  return std::make_unique<Slot>(*this, app);
}

void UpstreamSlots::release(const std::string& app) {
  auto it = apps_.find(app);
  if (it == apps_.end()) return;
  if (it->second.open > 0) --it->second.open;
  wake_one(app);
}

void UpstreamSlots::wake_one(const std::string& app) {
  auto it = apps_.find(app);
  if (it == apps_.end() || it->second.waiting.empty()) return;
  asio::steady_timer* first = it->second.waiting.front();
  it->second.waiting.pop_front();
  first->cancel();
}

std::size_t UpstreamSlots::open(const std::string& app) const {
  auto it = apps_.find(app);
  return it == apps_.end() ? 0 : it->second.open;
}

asio::awaitable<bool> UpstreamSlots::wait(const std::string& app,
                                          std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  // Queued while this frame lives: a frame destroyed while waiting (shutdown) leaves no dangling
  // entry behind.
  struct Queued {
    std::deque<asio::steady_timer*>& waiting;
    asio::steady_timer* timer;
    ~Queued() { waiting.erase(std::remove(waiting.begin(), waiting.end(), timer), waiting.end()); }
  } queued{apps_[app].waiting, &timer};
  queued.waiting.push_back(&timer);
  auto [ec] = co_await timer.async_wait(nothrow);
  co_return ec == asio::error::operation_aborted;  // woken; otherwise the deadline passed
}

}  // namespace ratls::proxy
