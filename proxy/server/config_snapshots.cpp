#include "proxy/server/config_snapshots.h"

#include <algorithm>

namespace ratls::proxy {

namespace {

std::shared_ptr<const std::vector<std::string>> app_names(const Config& c) {
  auto out = std::make_shared<std::vector<std::string>>();
  for (const auto& a : c.apps) out->push_back(a.name);
  return out;
}

}  // namespace

ConfigSnapshots::ConfigSnapshots(Config config, std::shared_ptr<UpstreamVerifier> verifier)
    : config_(std::make_shared<const Config>(std::move(config))),
      names_(app_names(*config_)),
      verifier_(std::move(verifier)) {}

ConfigSnapshot ConfigSnapshots::current() const {
  std::lock_guard lock(mutex_);
  return {config_, names_, verifier_, generation_.load()};
}

ConfigSnapshot ConfigSnapshots::replace(Config config, std::shared_ptr<UpstreamVerifier> verifier) {
  std::lock_guard lock(mutex_);
  std::erase_if(replaced_, [](const auto& weak) { return weak.expired(); });
  replaced_.push_back(verifier_);
  verifier_ = std::move(verifier);
  config_ = std::make_shared<const Config>(std::move(config));
  names_ = app_names(*config_);
  ++generation_;
  return {config_, names_, verifier_, generation_.load()};
}

void ConfigSnapshots::interrupt_verifications() {
  std::lock_guard lock(mutex_);
  if (verifier_) verifier_->interrupt();
  for (const auto& weak : replaced_) {
    if (auto v = weak.lock()) v->interrupt();
  }
}

const AppConfig* find_app(const Config& c, const std::string& name) {
  for (const auto& a : c.apps) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace ratls::proxy
