// The client connections of one event loop that wait for a next request, so that a drain can
// close them at once. Each connection owns its entry for its whole life and only flips `idle`
// between requests: no allocation or tree update per request, as a std::set of pointers cost.
#pragma once

#include <boost/intrusive/list.hpp>

#include "proxy/net/asio_types.h"

namespace ratls::proxy {

class IdleClients {
 public:
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
    void set_idle(bool idle) { idle_ = idle; }

   private:
    friend class IdleClients;
    beast::tcp_stream& stream_;
    bool idle_ = false;
  };

  // Drain: closes the sockets of the idle connections (their pending read fails, so their
  // coroutines end).
  void close_idle() {
    for (Entry& e : entries_) {
      if (e.idle_) e.stream_.socket().close();
    }
  }

 private:
  boost::intrusive::list<Entry, boost::intrusive::constant_time_size<false>> entries_;
};

}  // namespace ratls::proxy
