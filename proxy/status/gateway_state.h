// What the status page and status.json show: per app, the last verification outcome, the pin and
// recent events. Updated by the server, read by the status handlers; thread-safe.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
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
};

class GatewayState {
 public:
  void configure(const Config& config, bool simulated_root);
  void record_decision(const std::string& app, const UpstreamDecision& d, attest::UnixTime now);
  void record_webpki(const std::string& app, const std::string& cert_sha256, attest::UnixTime now);
  void record_failure(const std::string& app, const std::string& message, attest::UnixTime now);
  // The outcome of the last SIGHUP: empty when it applied, else why the old configuration stays.
  void record_reload(const std::string& error);
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
