// The configuration in force and its verifier, replaced whole on reload. Each request takes a
// snapshot when it arrives and keeps it to its end, so a reload never changes a request midway;
// the generation tells connections verified under an older configuration apart.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "proxy/config/config.h"
#include "proxy/pinning/upstream_verifier.h"

namespace ratls::proxy {

// How the gateway names an app's upstream in the headers it rewrites, computed once per
// configuration rather than per request.
struct UpstreamAddress {
  std::string origin;     // "https://app.example:8443" (port omitted when 443)
  std::string authority;  // "app.example:8443": the Host header the upstream gets
};

struct ConfigSnapshot {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const std::vector<std::string>> names;          // the apps' names, for routing
  std::shared_ptr<const std::vector<UpstreamAddress>> addresses;  // parallel to config->apps
  std::shared_ptr<UpstreamVerifier> verifier;
  unsigned generation = 0;

  // `app` must be one of config->apps.
  const UpstreamAddress& address_of(const AppConfig& app) const {
    return (*addresses)[static_cast<std::size_t>(&app - config->apps.data())];
  }
};

class ConfigSnapshots {
 public:
  ConfigSnapshots(Config config, std::shared_ptr<UpstreamVerifier> verifier);

  ConfigSnapshot current() const;  // thread-safe
  unsigned generation() const { return generation_.load(); }
  // Installs a new configuration (main loop); returns it as a snapshot.
  ConfigSnapshot replace(Config config, std::shared_ptr<UpstreamVerifier> verifier);
  // Shutdown: verifications waiting for collateral, under this configuration or a replaced one
  // still in use, fail at once instead of holding the drain.
  void interrupt_verifications();

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Config> config_;
  std::shared_ptr<const std::vector<std::string>> names_;
  std::shared_ptr<const std::vector<UpstreamAddress>> addresses_;
  std::shared_ptr<UpstreamVerifier> verifier_;
  std::vector<std::weak_ptr<UpstreamVerifier>> replaced_;
  std::atomic<unsigned> generation_{0};
};

// An event loop's own copy of the current snapshot, shared by the requests on that loop: taking it
// costs an atomic load and a reference count that only the loop's thread touches. Going through
// ConfigSnapshots for every request meant a mutex and three reference counts shared by all loops,
// and the loops waited on each other (futex sleeps).
class LoopSnapshot {
 public:
  std::shared_ptr<const ConfigSnapshot> get(const ConfigSnapshots& all) {
    if (!cached_ || cached_->generation != all.generation()) {
      cached_ = std::make_shared<const ConfigSnapshot>(all.current());
    }
    return cached_;
  }

 private:
  std::shared_ptr<const ConfigSnapshot> cached_;
};

// "host[:port]" of an app's upstream as a Host header writes it (brackets for IPv6).
std::string authority_of(const AppConfig& app);

// The app of that name in `c`, or null.
const AppConfig* find_app(const Config& c, const std::string& name);

}  // namespace ratls::proxy
