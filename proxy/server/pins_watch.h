// Tells the pin store as soon as pins.json changes (the CLI's `pins accept`/`forget`, or an edit
// by hand), through inotify on the state directory. With the watch in place the per-request path
// only compares the store's version; without it (inotify unavailable) every reuse of a pooled
// connection re-checks the file with a stat, as before.
#pragma once

#include <array>
#include <memory>

#include "proxy/net/asio_types.h"
#include "proxy/pinning/pin_store.h"

namespace ratls::proxy {

class PinsWatch {
 public:
  PinsWatch(asio::io_context& io, PinStore& pins);
  ~PinsWatch();
  PinsWatch(const PinsWatch&) = delete;
  PinsWatch& operator=(const PinsWatch&) = delete;

  // Starts watching; false (and the store stays unwatched) when inotify cannot watch the folder.
  bool start();
  void stop();

 private:
  void read_events();
  void give_up(const std::string& why);

  PinStore& pins_;
  asio::posix::stream_descriptor inotify_;
  std::array<char, 4096> events_{};
};

}  // namespace ratls::proxy
