#include "proxy/server/pins_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "proxy/common/log.h"

namespace ratls::proxy {

namespace {

// The file is replaced by rename (the store's atomic writes, editors), written in place, removed,
// or has its mode changed; the folder itself may go away.
constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                  IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

}  // namespace

PinsWatch::PinsWatch(asio::io_context& io, PinStore& pins) : pins_(pins), inotify_(io) {}

PinsWatch::~PinsWatch() {
  stop();
}

bool PinsWatch::start() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    give_up(std::string("inotify_init1: ") + std::strerror(errno));
    return false;
  }
  const std::string dir = std::filesystem::path(pins_.path()).parent_path().string();
  if (::inotify_add_watch(fd, dir.c_str(), kEvents) < 0) {
    const int err = errno;
    ::close(fd);
    give_up("watching " + dir + ": " + std::strerror(err));
    return false;
  }
  inotify_.assign(fd);
  // A change between the daemon's first load and the watch would otherwise go unnoticed.
  try {
    pins_.reload_if_changed();
  } catch (const std::exception& e) {
    log(LogLevel::kWarning, std::string("pins file problem (old pins kept): ") + e.what());
  }
  pins_.set_watched(true);
  read_events();
  return true;
}

void PinsWatch::stop() {
  pins_.set_watched(false);
  boost::system::error_code ignored;
  inotify_.close(ignored);
}

void PinsWatch::give_up(const std::string& why) {
  pins_.set_watched(false);
  log(LogLevel::kDebug, "pins.json is checked on every reuse of a connection (" + why + ")");
}

void PinsWatch::read_events() {
  inotify_.async_read_some(
      asio::buffer(events_), [this](boost::system::error_code ec, std::size_t n) {
        if (ec == asio::error::operation_aborted || !inotify_.is_open()) return;
        if (ec) {
          give_up("inotify: " + ec.message());
          return;
        }
        const std::string_view name = std::filesystem::path(pins_.path()).filename().native();
        bool relevant = false;
        bool folder_gone = false;
        for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
          inotify_event ev;
          std::memcpy(&ev, events_.data() + at, sizeof ev);
          const std::size_t size = sizeof(inotify_event) + ev.len;
          if (at + size > n) break;
          const std::string_view event_name =
              ev.len ? std::string_view(events_.data() + at + sizeof(inotify_event)) : "";
          if (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_Q_OVERFLOW)) {
            folder_gone = (ev.mask & IN_Q_OVERFLOW) == 0;
            relevant = true;
          } else if (event_name == name) {
            relevant = true;
          }
          at += size;
        }
        if (relevant) {
          try {
            pins_.reload_if_changed();
          } catch (const std::exception& e) {
            log(LogLevel::kWarning, std::string("pins file problem (old pins kept): ") + e.what());
          }
        }
        if (folder_gone) {
          // The watch is gone with the folder: back to checking on every reuse.
          stop();
          give_up("the state directory was moved or removed");
          return;
        }
        read_events();
      });
}

}  // namespace ratls::proxy
