#include "proxy/server/dial_cooldown.h"

namespace ratls::proxy {

std::optional<std::string> DialCooldown::reason(const std::string& app) {
  if (entries_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = until_.find(app);
  if (it == until_.end()) return std::nullopt;
  if (std::chrono::steady_clock::now() >= it->second.first) {
    until_.erase(it);
    entries_.store(until_.size(), std::memory_order_release);
    return std::nullopt;
  }
  return it->second.second;
}

void DialCooldown::start(const std::string& app, const std::string& error) {
  std::lock_guard lock(mutex_);
  until_[app] = {std::chrono::steady_clock::now() + kDuration, error};
  entries_.store(until_.size(), std::memory_order_release);
}

void DialCooldown::clear() {
  std::lock_guard lock(mutex_);
  until_.clear();
  entries_.store(0, std::memory_order_release);
}

}  // namespace ratls::proxy
