#include "proxy/server/dial_cooldown.h"

namespace ratls::proxy {

std::optional<std::string> DialCooldown::reason(const std::string& app) {
  std::lock_guard lock(mutex_);
  auto it = until_.find(app);
  if (it == until_.end() || std::chrono::steady_clock::now() >= it->second.first) {
    return std::nullopt;
  }
  return it->second.second;
}

void DialCooldown::start(const std::string& app, const std::string& error) {
  std::lock_guard lock(mutex_);
  until_[app] = {std::chrono::steady_clock::now() + kDuration, error};
}

void DialCooldown::clear() {
  std::lock_guard lock(mutex_);
  until_.clear();
}

}  // namespace ratls::proxy
