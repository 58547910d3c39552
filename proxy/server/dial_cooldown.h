// A failing upstream (connect or handshake error) is not dialled again for a moment; requests
// meanwhile get its last error at once. Shared by every event loop.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace ratls::proxy {

class DialCooldown {
 public:
  static constexpr auto kDuration = std::chrono::seconds(1);

  // The error that started a cooldown still running for `app`.
  std::optional<std::string> reason(const std::string& app);
  void start(const std::string& app, const std::string& error);
  void clear();

 private:
  std::mutex mutex_;
  // How many entries `until_` holds: nearly always 0, and then reason() takes no lock shared by
  // the loops (it runs on every request).
  std::atomic<std::size_t> entries_{0};
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, std::string>> until_;
};

}  // namespace ratls::proxy
