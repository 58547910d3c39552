#include "proxy/server/config_snapshots.h"

#include <algorithm>

namespace ratls::proxy {

namespace {

std::shared_ptr<const std::vector<std::string>> app_names(const Config& c) {
  auto out = std::make_shared<std::vector<std::string>>();
  for (const auto& a : c.apps) out->push_back(a.name);
  return out;
}

std::shared_ptr<const std::vector<UpstreamAddress>> upstream_addresses(const Config& c) {
  auto out = std::make_shared<std::vector<UpstreamAddress>>();
  for (const auto& a : c.apps) out->push_back({"https://" + authority_of(a), authority_of(a)});
  return out;
}

}  // namespace

std::string authority_of(const AppConfig& app) {
  const bool v6 = app.upstream_host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + app.upstream_host + "]" : app.upstream_host;
  return app.upstream_port == 443 ? host : host + ":" + std::to_string(app.upstream_port);
}

ConfigSnapshots::ConfigSnapshots(Config config, std::shared_ptr<UpstreamVerifier> verifier)
    : config_(std::make_shared<const Config>(std::move(config))),
      names_(app_names(*config_)),
      addresses_(upstream_addresses(*config_)),
      verifier_(std::move(verifier)) {}

ConfigSnapshot ConfigSnapshots::current() const {
  std::lock_guard lock(mutex_);
  return {config_, names_, addresses_, verifier_, generation_.load()};
}

ConfigSnapshot ConfigSnapshots::replace(Config config, std::shared_ptr<UpstreamVerifier> verifier) {
  std::lock_guard lock(mutex_);
  std::erase_if(replaced_, [](const auto& weak) { return weak.expired(); });
  replaced_.push_back(verifier_);
  verifier_ = std::move(verifier);
  config_ = std::make_shared<const Config>(std::move(config));
  names_ = app_names(*config_);
  addresses_ = upstream_addresses(*config_);
  ++generation_;
  return {config_, names_, addresses_, verifier_, generation_.load()};
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
