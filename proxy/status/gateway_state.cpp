#include "proxy/status/gateway_state.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "attest/time.h"

namespace ratls::proxy {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxEvents = 20;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A field value as the status page and status.json may show it: printable ASCII, at most 64 bytes
// (status.json must stay valid UTF-8 whatever bytes an app sends).
std::string displayable(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (out.size() == 64) break;
    out += c >= 0x20 && c < 0x7f ? c : '?';
  }
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

constexpr const char* kStyle = R"CSS(<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d2330;background:#f6f7f9}
h1{font-size:1.5rem}.app{background:#fff;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0;box-shadow:0 1px 3px #0002}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-size:.8rem;font-weight:600;margin-left:.4rem}
.ok{background:#d7f5df;color:#0b6b2b}.bad{background:#fde0e0;color:#9b1c1c}.sim{background:#fff0c2;color:#7a5800}
.neutral{background:#e6e9ef;color:#39414f}.wait{background:#dbe8ff;color:#1e429f}table{border-collapse:collapse;width:100%;font-size:.9rem}
td{padding:.2rem .5rem;vertical-align:top}td:first-child{color:#5b6475;white-space:nowrap;width:11rem}
code{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}a{color:#1a56db}
</style>)CSS";

// The checklist, the pending pin and relative times (issue 15): their own rules, so the page's
// base style above stays shared with the 502 page.
constexpr const char* kChecklistStyle = R"CSS(<style>
table.checks{margin:.5rem 0 .75rem}table.checks td{border-top:1px solid #eef0f4}
table.checks td.mark{width:1.5rem;font-size:1.05rem;font-weight:700;text-align:center}
table.checks td.name{width:9rem;color:#1d2330;font-weight:600}
.pass .mark{color:#0b6b2b}.fail .mark{color:#b42318}.skip .mark,.skip .name,.skip code{color:#8a93a3}
.expected{color:#5b6475;font-size:.82rem}.problem{color:#9b1c1c;font-size:.85rem}
.pending{background:#fff7e0;border-left:4px solid #e0a800;padding:.5rem .75rem;margin:.5rem 0}
</style>)CSS";

std::string render_checks(const json& checks) {
  if (!checks.is_array() || checks.empty()) return {};
  std::string h = "<table class=checks>";
  for (const json& c : checks) {
    const bool reached = c["ok"].is_boolean();
    const bool ok = reached && c["ok"].get<bool>();
    const std::string value = str(c, "value");
    h += std::string("<tr class=") +
         (!reached ? "skip"
          : ok     ? "pass"
                   : "fail") +
         "><td class=mark>" +
         (!reached ? "\u2013"
          : ok     ? "\u2714"
                   : "\u2718") +
         "</td><td class=name>" + html_escape(str(c, "name")) + "</td><td>";
    if (!value.empty()) h += "<code>" + html_escape(value) + "</code><br>";
    if (!reached) h += "not checked<br>";
    if (c["problem"].is_string())
      h += "<span class=problem>" + html_escape(str(c, "problem")) + "</span><br>";
    h += "<span class=expected>" + html_escape(str(c, "expected")) + "</span></td></tr>";
  }
  return h + "</table>";
}

std::string render_pending(const json& pending) {
  if (!pending.is_object()) return {};
  return "<div class=pending><b>Pending pin:</b> the gateway refused MRENCLAVE <code>" +
         html_escape(str(pending, "mrenclave")) + "</code> (" +
         html_escape(str(pending, "reason")) + ").<br>If this redeploy is expected, run <code>" +
         html_escape(str(pending, "accept_command")) + "</code></div>";
}

bool shell_safe(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._-+=:,@", c) != nullptr;
  });
}

}  // namespace

std::string app_status_text(const std::optional<std::string>& mse_status) {
  if (!mse_status) return {};
  // Cosmian's configuration server says `Mse-Status: Waiting` until its owner's POST arrives.
  if (iequals_ascii(*mse_status, "waiting")) return "waiting for configuration";
  return "Mse-Status: " + *mse_status;
}

std::string pins_accept_command(const std::string& app, const std::string& config_path,
                                bool config_is_default) {
  std::string command = "ratls-gateway pins accept " + app;
  if (config_path.empty() || config_is_default) return command;
  if (shell_safe(config_path)) return command + " --config " + config_path;
  std::string quoted = "'";
  for (char c : config_path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return command + " --config " + quoted + "'";
}

std::string relative_time(long long seconds) {
  if (seconds < 5) return "just now";
  auto ago = [](long long n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago";
  };
  if (seconds < 60) return ago(seconds, "second");
  if (seconds < 3600) return ago(seconds / 60, "minute");
  if (seconds < 86400) return ago(seconds / 3600, "hour");
  return ago(seconds / 86400, "day");
}

void GatewayState::configure(const Config& config, bool simulated_root) {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  config_path_ =
      config.source.empty() ? std::string() : std::filesystem::absolute(config.source, ec).string();
  config_exists_ = !config.source.empty() && !config.file_missing;
  config_is_default_ = true;
  if (!config_path_.empty()) {
    try {
      config_is_default_ =
          config_path_ == std::filesystem::absolute(
                              default_config_path(ConfigEnvironment::from_process(config.source)))
                              .string();
    } catch (const std::exception&) {
      config_is_default_ = false;  // no $HOME: there is no default, name the file
    }
  }
  root_label_ = root_label(config.root_ca, simulated_root);
  configs_.clear();
  std::map<std::string, AppStatus> next;
  order_.clear();
  for (const auto& app : config.apps) {
    AppStatus s;
    auto it = apps_.find(app.name);
    if (it != apps_.end() && it->second.upstream == app.upstream) s = it->second;
    s.name = app.name;
    s.upstream = app.upstream;
    s.mode = app.mode == UpstreamMode::kRatls ? "ratls" : "webpki";
    s.simulated = app.mode == UpstreamMode::kRatls && simulated_root;
    if (s.state.empty())
      s.state = app.mode == UpstreamMode::kRatls ? "not yet connected" : "not attested";
    next[app.name] = std::move(s);
    configs_[app.name] = app;
    order_.push_back(app.name);
  }
  apps_ = std::move(next);
  // An app whose upstream changed starts over: every loop looks at its next answer again.
  signal_epoch_.fetch_add(1, std::memory_order_acq_rel);
}

void GatewayState::record_app_signal(AppSignalCache& cache, const std::string& app,
                                     const std::string* mse_status, attest::UnixTime now) {
  std::lock_guard lock(mutex_);
  auto it = apps_.find(app);
  if (it != apps_.end()) {
    AppStatus& s = it->second;
    std::optional<std::string> next;
    if (mse_status) next = displayable(*mse_status);
    if (next != s.mse_status) {
      const std::string before = app_status_text(s.mse_status);
      s.mse_status = std::move(next);
      const std::string after = app_status_text(s.mse_status);
      std::string text = "the app answers without Mse-Status (it was: " + before + ")";
      if (s.mse_status) {
        text = "the app answers Mse-Status: " + *s.mse_status;
        if (after != "Mse-Status: " + *s.mse_status) text += " (" + after + ")";
      }
      event(s, text, now);
      signal_epoch_.fetch_add(1, std::memory_order_acq_rel);
    }
  }
  cache.remember(app, signal_epoch_.load(std::memory_order_relaxed), mse_status);
}

void GatewayState::record_reload(const std::string& error) {
  std::lock_guard lock(mutex_);
  reload_error_ = error;
}

void GatewayState::event(AppStatus& s, const std::string& text, attest::UnixTime now) {
  s.events.push_front(attest::format_rfc3339(now) + " " + text);
  if (s.events.size() > kMaxEvents) s.events.pop_back();
}

void GatewayState::record_decision(const std::string& app, const UpstreamDecision& d,
                                   attest::UnixTime now) {
  std::lock_guard lock(mutex_);
  auto it = apps_.find(app);
  if (it == apps_.end()) return;
  AppStatus& s = it->second;
  s.last_verification = now;
  if (d.observed) s.observed = d.observed;
  s.format = d.format;
  s.checks = ratls_checks(d, configs_[app], root_label_);
  if (d.accepted) {
    const bool was_refused = s.state == "refused";
    s.state = "verified";
    s.last_error.clear();
    s.advice.clear();
    if (d.pin_changed) {
      event(s,
            d.previous_pin ? "pin updated: certificate " + d.observed->cert_sha256.substr(0, 16) +
                                 "…, MRENCLAVE " + d.observed->mrenclave.substr(0, 16) + "…"
                           : "pinned on first verification: MRENCLAVE " +
                                 d.observed->mrenclave.substr(0, 16) + "…",
            now);
    } else if (was_refused) {
      event(s, "verified again", now);
    }
  } else {
    s.state = "refused";
    s.last_error = d.reason;
    s.advice = d.advice;
    event(s, "refused: " + d.reason, now);
  }
}

void GatewayState::record_webpki(const std::string& app, const std::string& cert_sha256,
                                 attest::UnixTime now) {
  std::lock_guard lock(mutex_);
  auto it = apps_.find(app);
  if (it == apps_.end()) return;
  it->second.state = "not attested";
  it->second.last_verification = now;
  Pin p;
  p.cert_sha256 = cert_sha256;
  p.verified_at = now;
  it->second.observed = p;
  it->second.last_error.clear();
  it->second.checks = webpki_checks(configs_[app].upstream_host, cert_sha256);
}

void GatewayState::record_failure(const std::string& app, const std::string& message,
                                  attest::UnixTime now) {
  std::lock_guard lock(mutex_);
  auto it = apps_.find(app);
  if (it == apps_.end()) return;
  it->second.state = "upstream unreachable";
  it->second.last_error = message;
  event(it->second, "upstream failure: " + message, now);
}

std::vector<AppStatus> GatewayState::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<AppStatus> out;
  for (const auto& name : order_) out.push_back(apps_.at(name));
  return out;
}

json GatewayState::to_json(const PinStore& pins, attest::UnixTime now) const {
  json apps = json::array();
  for (const AppStatus& s : snapshot()) {
    const auto entry = pins.get(s.name);
    json pending = pin_to_json(entry ? entry->pending : std::nullopt);
    if (pending.is_object()) {
      pending["reason"] = entry->pending_reason;
      std::lock_guard lock(mutex_);
      pending["accept_command"] = pins_accept_command(s.name, config_path_, config_is_default_);
    }
    apps.push_back(
        {{"name", s.name},
         {"upstream", s.upstream},
         {"mode", s.mode},
         {"state", s.state},
         {"verified", s.state == "verified"},
         {"simulated", s.simulated},
         {"format", s.format.empty() ? json(nullptr) : json(s.format)},
         {"last_verification",
          s.last_verification ? json(attest::format_rfc3339(s.last_verification)) : json(nullptr)},
         {"verified_ago_seconds", s.last_verification
                                      ? json(std::max<long long>(0, now - s.last_verification))
                                      : json(nullptr)},
         {"checks", checks_to_json(s.checks)},
         {"observed", pin_to_json(s.observed)},
         {"pin", pin_to_json(entry ? entry->pin : std::nullopt)},
         {"pending", pending},
         {"last_error", s.last_error.empty() ? json(nullptr) : json(s.last_error)},
         {"advice", s.advice.empty() ? json(nullptr) : json(s.advice)},
         {"app_status", s.mse_status ? json(app_status_text(s.mse_status)) : json(nullptr)},
         {"mse_status", s.mse_status ? json(*s.mse_status) : json(nullptr)},
         {"events", s.events}});
  }
  std::lock_guard lock(mutex_);
  return {{"service", "ratls-gateway"},
          {"time", attest::format_rfc3339(now)},
          {"pid", static_cast<long>(::getpid())},
          {"config", config_path_.empty() ? json(nullptr) : json(config_path_)},
          {"config_exists", config_exists_},
          {"reload_error", reload_error_.empty() ? json(nullptr) : json(reload_error_)},
          {"hint", apps.empty() ? json(std::string(kNoAppsHint)) : json(nullptr)},
          {"apps", apps}};
}

std::string render_status_html(const json& status, const std::string& scheme,
                               const std::string& port) {
  std::string h =
      "<!doctype html><html lang=en><head><meta charset=utf-8><title>ratls-gateway</title>";
  h += kStyle;
  h += kChecklistStyle;
  h += "</head><body><h1>ratls-gateway</h1>";
  const json& apps = status["apps"];
  if (apps.empty()) {
    // A fresh account lands here (socket activation with no configuration): say what to run.
    h += "<div class=app><p>No apps yet: run <code>ratls-gateway apps add NAME "
         "https://HOST:PORT</code>. It verifies the app, writes it to the configuration and "
         "reloads this gateway; the app is then at <code>http://NAME.localhost" +
         (port.empty() ? std::string() : ":" + html_escape(port)) + "/</code>.</p>";
    const std::string file = str(status, "config");
    if (!file.empty()) {
      h += status.value("config_exists", false)
               ? "<p>Configuration: <code>" + html_escape(file) + "</code></p>"
               : "<p>There is no configuration file yet; <code>apps add</code> creates <code>" +
                     html_escape(file) + "</code>.</p>";
    }
    h += "</div>";
  }
  for (const json& a : apps) {
    const std::string state = str(a, "state");
    const std::string cls = state == "verified"                                       ? "ok"
                            : state == "not attested" || state == "not yet connected" ? "neutral"
                                                                                      : "bad";
    const std::string name = str(a, "name");
    h += "<div class=app><h2><a href=\"" + scheme + "://" + html_escape(name) + ".localhost" +
         (port.empty() ? std::string() : ":" + html_escape(port)) + "/" + "\" data-app=\"" +
         html_escape(name) + "\">" + html_escape(name) + "</a>";
    h += "<span class=\"badge " + cls + "\">" + html_escape(state) + "</span>";
    if (a.value("simulated", false)) h += "<span class=\"badge sim\">SIMULATED</span>";
    const std::string app_status = str(a, "app_status");
    if (!app_status.empty())
      h += "<span class=\"badge wait\" data-app-status>" + html_escape(app_status) + "</span>";
    h += "</h2>" + render_checks(a["checks"]) + render_pending(a["pending"]);
    h += "<table><tr><td>upstream</td><td><code>" + html_escape(str(a, "upstream")) + "</code> (" +
         html_escape(str(a, "mode")) + ")</td></tr>";
    if (!app_status.empty()) {
      h +=
          "<tr><td>app status</td><td>" + html_escape(app_status) +
          " (its last answer to a GET said <code>Mse-Status: " + html_escape(str(a, "mse_status")) +
          "</code>)";
      if (iequals_ascii(str(a, "mse_status"), "waiting")) {
        h += ": the enclave runs its configuration server and waits for its owner to send the "
             "configuration (<code>POST /</code> with the code key and secrets); the app itself "
             "starts after that";
      }
      h += "</td></tr>";
    }
    const json& o = a["observed"];
    if (o.is_object()) {
      if (!str(o, "mrenclave").empty()) {
        h += "<tr><td>MRENCLAVE</td><td><code>" + html_escape(str(o, "mrenclave")) +
             "</code></td></tr>";
        h += "<tr><td>MRSIGNER</td><td><code>" + html_escape(str(o, "mrsigner")) +
             "</code></td></tr>";
        h += "<tr><td>ISVPRODID / ISVSVN</td><td>" + std::to_string(o.value("isv_prod_id", 0)) +
             " / " + std::to_string(o.value("isv_svn", 0)) + "</td></tr>";
        h += "<tr><td>TCB status</td><td>" + html_escape(str(o, "tcb_status")) + "</td></tr>";
        std::string adv;
        for (const auto& id : o["advisory_ids"]) {
          const std::string s = id.get<std::string>();
          std::string lowered = s;
          for (char& c : lowered)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          adv += "<a href=\"https://www.intel.com/content/www/us/en/security-center/advisory/" +
                 html_escape(lowered) + ".html\">" + html_escape(s) + "</a> ";
        }
        h += "<tr><td>advisories</td><td>" + (adv.empty() ? std::string("none") : adv) +
             "</td></tr>";
        if (o["collateral_expiry"].is_string()) {
          h += "<tr><td>collateral expires</td><td>" + html_escape(str(o, "collateral_expiry")) +
               "</td></tr>";
        }
      }
      h += "<tr><td>certificate SHA-256</td><td><code>" + html_escape(str(o, "cert_sha256")) +
           "</code></td></tr>";
    }
    if (a["last_verification"].is_string()) {
      // Relative to the time the page is rendered at; the exact UTC time on hover.
      const std::string when = a["verified_ago_seconds"].is_number()
                                   ? relative_time(a["verified_ago_seconds"].get<long long>())
                                   : str(a, "last_verification");
      h += "<tr><td>last verification</td><td><span title=\"" +
           html_escape(str(a, "last_verification")) + "\">" +
           (state == "verified" ? "verified " : "checked ") + html_escape(when) +
           "</span></td></tr>";
    }
    if (a["last_error"].is_string()) {
      h += "<tr><td>problem</td><td>" + html_escape(str(a, "last_error")) + "</td></tr>";
    }
    if (a["advice"].is_string())
      h += "<tr><td>what to do</td><td>" + html_escape(str(a, "advice")) + "</td></tr>";
    if (!a["events"].empty()) {
      h += "<tr><td>recent events</td><td>";
      for (const auto& e : a["events"]) h += html_escape(e.get<std::string>()) + "<br>";
      h += "</td></tr>";
    }
    h += "</table></div>";
  }
  h += "<p><a href=\"/.well-known/ratls-gateway/status.json\">status.json</a></p></body></html>\n";
  return h;
}

std::string render_refusal_html(const std::string& app, const std::string& reason,
                                const std::string& advice, const json& details) {
  std::string h =
      "<!doctype html><html lang=en><head><meta charset=utf-8><title>502 enclave not "
      "verified</title>";
  h += kStyle;
  h += "</head><body><h1>ratls-gateway refused to connect to <code>" + html_escape(app) +
       "</code></h1>";
  h += "<div class=app><p><span class=\"badge bad\">not verified</span> Nothing was sent to the "
       "app.</p>";
  h += "<table><tr><td>reason</td><td>" + html_escape(reason) + "</td></tr>";
  if (!advice.empty()) h += "<tr><td>what to do</td><td>" + html_escape(advice) + "</td></tr>";
  for (const auto& e : details.value("errors", json::array())) {
    h += "<tr><td><code>" + html_escape(e.value("code", "")) + "</code></td><td>" +
         html_escape(e.value("message", "")) + "</td></tr>";
  }
  if (details.contains("observed") && details["observed"].is_object()) {
    const json& o = details["observed"];
    h += "<tr><td>presented MRENCLAVE</td><td><code>" + html_escape(str(o, "mrenclave")) +
         "</code></td></tr>";
    h += "<tr><td>presented MRSIGNER</td><td><code>" + html_escape(str(o, "mrsigner")) +
         "</code></td></tr>";
    h += "<tr><td>certificate SHA-256</td><td><code>" + html_escape(str(o, "cert_sha256")) +
         "</code></td></tr>";
  }
  if (details.contains("pinned") && details["pinned"].is_object()) {
    h += "<tr><td>pinned MRENCLAVE</td><td><code>" +
         html_escape(str(details["pinned"], "mrenclave")) + "</code></td></tr>";
  }
  h += "</table></div><p><a href=\"http://localhost/\">gateway status</a></p></body></html>\n";
  return h;
}

}  // namespace ratls::proxy
