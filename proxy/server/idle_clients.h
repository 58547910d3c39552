// The client connections of one event loop, so that waiting ones can be closed: all of them on a
// drain, and those waiting past their deadline on the loop's periodic sweep. The sweep replaces a
// timer per waiting connection: an idle keep-alive connection holds no timer operation and costs
// no timer update per request. Each connection owns its entry for its whole life and only
// changes its deadline between requests: no allocation or tree update per request.
#pragma once

#include <chrono>
#include <cstddef>

#include <boost/intrusive/list.hpp>

#include "proxy/net/asio_types.h"

namespace ratls::proxy {

class IdleClients {
 public:
  using Clock = std::chrono::steady_clock;
  using Hook =
      boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

  // Lives in the connection's coroutine frame; unlinks itself when the connection ends.
  class Entry : public Hook {
   public:
    Entry(IdleClients& list, beast::tcp_stream& stream) : stream_(stream) {
      list.entries_.push_back(*this);
    }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    // Waiting for a request, which must begin before `deadline`.
    void set_idle(Clock::time_point deadline) { deadline_ = deadline; }
    // Serving a request: its own timeouts apply.
    void set_busy() { deadline_ = kBusy; }

   private:
    friend class IdleClients;
    static constexpr Clock::time_point kBusy = Clock::time_point::max();
    beast::tcp_stream& stream_;
    Clock::time_point deadline_ = kBusy;
  };

  // Drain: closes the sockets of the waiting connections (their pending read fails, so their
  // coroutines end).
  void close_idle() {
    for (Entry& e : entries_) {
      if (e.deadline_ != Entry::kBusy) e.stream_.socket().close();
    }
  }

  // Closes the connections still waiting at their deadline; returns how many.
  std::size_t close_expired(Clock::time_point now) {
    std::size_t closed = 0;
    for (Entry& e : entries_) {
      if (e.deadline_ <= now && e.stream_.socket().is_open()) {
        e.stream_.socket().close();
        ++closed;
      }
    }
    return closed;
  }

 private:
  boost::intrusive::list<Entry, boost::intrusive::constant_time_size<false>> entries_;
};

}  // namespace ratls::proxy
