#include "proxy/server/event_loops.h"

#include <algorithm>

#include "proxy/common/log.h"

namespace ratls::proxy {

EventLoops::EventLoops(int threads) {
  const int n = threads > 0 ? threads : std::clamp<int>(std::thread::hardware_concurrency(), 1, 4);
  for (int i = 0; i <= n; ++i) loops_.push_back(std::make_unique<EventLoop>());
}

EventLoop& EventLoops::next() {
  next_ = next_ % (loops_.size() - 1) + 1;
  return *loops_[next_];
}

void EventLoops::post_to_all(const std::function<void(EventLoop&)>& fn) {
  for (auto& l : loops_) asio::post(l->io, [&l = *l, fn] { fn(l); });
}

void EventLoops::share_upstream_limit(std::size_t per_app) {
  const std::size_t n = serving();
  const std::size_t per_loop = std::max<std::size_t>(1, (per_app + n - 1) / n);
  post_to_all([per_loop](EventLoop& l) { l.upstream_slots.set_limit(per_loop); });
}

void EventLoops::start() {
  for (std::size_t i = 1; i < loops_.size(); ++i) {
    EventLoop& l = *loops_[i];
    l.keep_running.emplace(l.io.get_executor());
    l.thread = std::thread([&l] { run(l.io); });
  }
}

void EventLoops::stop() {
  for (auto& l : loops_) {
    l->keep_running.reset();
    l->io.stop();
  }
  for (auto& l : loops_) {
    if (l->thread.joinable()) l->thread.join();
  }
}

void EventLoops::run(asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      log(LogLevel::kError, std::string("internal error, connection dropped: ") + e.what());
    }
  }
}

}  // namespace ratls::proxy
