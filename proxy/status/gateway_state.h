// What the status page and status.json show: per app, the last verification outcome, the pin and
// recent events. Updated by the server, read by the status handlers; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/config/config.h"
#include "proxy/pinning/pin_json.h"
#include "proxy/pinning/pin_store.h"
#include "proxy/pinning/upstream_verifier.h"
#include "proxy/status/verification_checks.h"

namespace ratls::proxy {

struct AppStatus {
  std::string name;
  std::string upstream;
  std::string mode;  // "ratls" / "webpki"
  std::string
      state;  // "not yet connected", "verified", "refused", "upstream unreachable", "not attested"
  bool simulated = false;
  std::string format;
  std::optional<Pin> observed;  // last certificate seen
  std::string last_error;
  std::string advice;
  attest::UnixTime last_verification = 0;
  std::vector<Check> checks;       // of the last verification
  std::deque<std::string> events;  // newest first, bounded
  // The app's own word on its state: the Mse-Status field of its last answer to a GET or HEAD
  // (printable ASCII, bounded), none when that answer had no such field.
  std::optional<std::string> mse_status;
};

// "waiting for configuration" for Cosmian's configuration server (`Mse-Status: Waiting`, any case),
// else the field as it came; empty without one.
std::string app_status_text(const std::optional<std::string>& mse_status);

// What one event loop last recorded of each app's Mse-Status, and under which epoch of the state.
// Used by that loop's thread only: an answer like the last one costs a string compare and an
// atomic load, never GatewayState's lock (see GatewayState::app_signal_unchanged).
class AppSignalCache {
 public:
  struct Entry {
    std::uint64_t epoch = 0;
    bool present = false;
    std::string value;
  };
  const Entry* find(const std::string& app) const {
    auto it = seen_.find(app);
    return it == seen_.end() ? nullptr : &it->second;
  }
  void remember(const std::string& app, std::uint64_t epoch, const std::string* value) {
    Entry& e = seen_[app];
    e.epoch = epoch;
    e.present = value != nullptr;
    if (value) e.value = *value;
  }

 private:
  std::unordered_map<std::string, Entry> seen_;
};

class GatewayState {
 public:
  void configure(const Config& config, bool simulated_root);
  void record_decision(const std::string& app, const UpstreamDecision& d, attest::UnixTime now);
  void record_webpki(const std::string& app, const std::string& cert_sha256, attest::UnixTime now);
  void record_failure(const std::string& app, const std::string& message, attest::UnixTime now);
  // The outcome of the last SIGHUP: empty when it applied, else why the old configuration stays.
  void record_reload(const std::string& error);
  // An app's answer to a GET or HEAD carried `mse_status` (the field's value) or none (null).
  // True when that is what this loop last recorded and nothing changed since, anywhere: the
  // caller then skips record_app_signal. Lock-free.
  bool app_signal_unchanged(const AppSignalCache& cache, const std::string& app,
                            const std::string* mse_status) const {
    const AppSignalCache::Entry* e = cache.find(app);
    return e != nullptr && e->epoch == signal_epoch_.load(std::memory_order_acquire) &&
           e->present == (mse_status != nullptr) && (!e->present || e->value == *mse_status);
  }
  void record_app_signal(AppSignalCache& cache, const std::string& app,
                         const std::string* mse_status, attest::UnixTime now);
  std::vector<AppStatus> snapshot() const;
  // Besides the apps: the daemon's pid and configuration file, so that `apps add` can tell that
  // it serves the file just edited and signal it.
  nlohmann::json to_json(const PinStore& pins, attest::UnixTime now) const;

 private:
  void event(AppStatus& s, const std::string& text, attest::UnixTime now);
  mutable std::mutex mutex_;
  std::map<std::string, AppStatus> apps_;
  std::vector<std::string> order_;
  std::string config_path_;                   // absolute; empty for `demo` (no file)
  bool config_is_default_ = true;             // `pins accept` then needs no --config
  std::map<std::string, AppConfig> configs_;  // the policies the checklists are derived from
  std::string root_label_;
  bool config_exists_ = false;
  std::string reload_error_;
  // Moves whenever an app's Mse-Status changes (or the apps are reconfigured): a loop's cached
  // view is trusted only under the epoch it was recorded in, so what another loop recorded since
  // is never hidden behind it.
  std::atomic<std::uint64_t> signal_epoch_{1};
};

// What to run to accept an app's pending pin: `--config FILE` only when FILE is not the default.
std::string pins_accept_command(const std::string& app, const std::string& config_path,
                                bool config_is_default);

// "just now", "3 minutes ago", "2 days ago".
std::string relative_time(long long seconds);

// The page at http://localhost:PORT/ (HTML) from status.json's content.
// Links to apps use the request's scheme and port.
std::string render_status_html(const nlohmann::json& status, const std::string& scheme,
                               const std::string& port);
// The 502 page: which check failed, expected and actual values, what to do.
std::string render_refusal_html(const std::string& app, const std::string& reason,
                                const std::string& advice, const nlohmann::json& details);

}  // namespace ratls::proxy
