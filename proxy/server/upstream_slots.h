// How many connections one event loop holds open to each app's upstream, in use or pooled, and
// the requests waiting for one. A burst of clients then shares a bounded set of upstream
// connections instead of dialling (and verifying) one each: the enclave app is not flooded with
// handshakes, and the gateway's memory does not balloon with TLS buffers it frees a moment later
// (the fragmentation that outlived every burst).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "proxy/net/asio_types.h"

namespace ratls::proxy {

class UpstreamSlots {
 public:
  // Held by an open upstream connection (or a dial in progress); gives the slot back, and wakes a
  // waiting request, when destroyed.
  class Slot {
   public:
    Slot(UpstreamSlots& slots, std::string app) : slots_(&slots), app_(std::move(app)) {}
    ~Slot() {
      if (slots_) slots_->release(app_);
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    UpstreamSlots* slots_;
    std::string app_;
  };

  // `limit` 0: no limit.
  void set_limit(std::size_t limit) { limit_ = limit; }
  std::size_t limit() const { return limit_; }

  // A slot for a new connection to `app`, or null when the loop already holds `limit` for it.
  std::unique_ptr<Slot> try_acquire(const std::string& app);
  // Waits until a connection to `app` is given back to the pool or closed, or `deadline`; false
  // on the deadline. The caller then tries the pool and try_acquire again.
  asio::awaitable<bool> wait(const std::string& app,
                             std::chrono::steady_clock::time_point deadline);
  // A connection went back to the pool: one waiting request can take it.
  void wake_one(const std::string& app);

  std::size_t open(const std::string& app) const;

 private:
  struct App {
    std::size_t open = 0;
    std::deque<asio::steady_timer*> waiting;
  };
  void release(const std::string& app);

  std::size_t limit_ = 0;
  std::map<std::string, App, std::less<>> apps_;
};

}  // namespace ratls::proxy
