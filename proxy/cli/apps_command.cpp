#include "proxy/cli/apps_command.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <vector>

#include "attest/bytes.h"
#include "attest/tcb_status.h"
#include "attest/x509.h"
#include "proxy/cli/daemon_startup.h"
#include "proxy/cli/peer_certificate.h"
#include "proxy/cli/running_gateway.h"
#include "proxy/cli/verify_report.h"
#include "proxy/common/file_io.h"
#include "proxy/common/https_url.h"
#include "proxy/config/config.h"
#include "proxy/pinning/pin_store.h"

namespace ratls::proxy {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
// The user's file keeps its key order (nlohmann::json would sort the keys).
using nlohmann::ordered_json;

// Input the user must fix: exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Refused: exit 1.
struct Refusal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string quoted(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string short_hex(const std::string& h) {
  return h.size() > 16 ? h.substr(0, 16) + "…" : h;
}

std::string config_path_for(const AppsOptions& o) {
  if (!o.config_path.empty()) return o.config_path;
  try {
    return default_config_path(ConfigEnvironment::from_process(""));
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
}

std::string text_of(const std::string& path) {
  try {
    const attest::Bytes bytes = read_file(path);
    return std::string(bytes.begin(), bytes.end());
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

// The configuration as it is now: its text (none when there is no file) and what it says.
struct ConfigFile {
  std::string path;
  std::optional<std::string> text;
  Config config;
};

// A broken file is refused as `run` refuses it; only a missing one is the empty configuration.
ConfigFile read_config_file(const std::string& path) {
  ConfigFile f;
  f.path = path;
  try {
    f.config = load_config_or_empty(path);
  } catch (const ConfigError& e) {
    throw UsageError(std::string(e.what()) + " (nothing was changed)");
  }
  if (!f.config.file_missing) f.text = text_of(path);
  return f;
}

bool same_path(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec) ||
         fs::absolute(a, ec).lexically_normal() == fs::absolute(b, ec).lexically_normal();
}

std::string absolute(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

// flock() on the file's directory serializes `apps` commands (as pins.json's writers are) without
// leaving a lock file next to the configuration.
class DirectoryLock {
 public:
  explicit DirectoryLock(const fs::path& dir)
      : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ < 0) return;
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_;
};

// Replaces the file read as `f` by `text`: atomically, mode 0600, through a symbolic link to the
// file it names (a dotfiles checkout stays a link). Refused when the file changed since it was
// read (an editor, another `apps` command): the verification in between takes a while.
void replace_config(const ConfigFile& f, const std::string& text) {
  fs::path target = f.path;
  std::error_code ec;
  if (fs::is_symlink(target, ec)) target = fs::canonical(target);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  try {
    create_private_directories(dir.string());  // 0700 for what it creates (~/.config included)
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  DirectoryLock lock(dir);
  std::optional<std::string> now;
  if (fs::exists(fs::symlink_status(target, ec))) now = text_of(target.string());
  if (now != f.text) {
    throw Refusal(f.path + " changed while this command ran; nothing was written: run it again");
  }
  try {
    write_file_atomic(target.string(), text, 0600);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

std::string dump(const ordered_json& doc) {
  return doc.dump(2, ' ', false, ordered_json::error_handler_t::strict) + "\n";
}

ordered_json parse_document(const std::string& text) {
  // Already validated by the configuration parser: this cannot fail on anything it accepted.
  return ordered_json::parse(text);
}

std::string app_url(const Config& c, const std::string& name) {
  return "http://" + name + ".localhost:" + std::to_string(c.listen.front().port) + "/";
}

bool serves(const json& status, const std::string& name, const std::string& upstream) {
  for (const auto& a : status["apps"]) {
    if (a.value("name", "") == name && (upstream.empty() || a.value("upstream", "") == upstream))
      return true;
  }
  return false;
}

int exit_status(ReloadResult r) {
  return r == ReloadResult::kNotApplied || r == ReloadResult::kOtherGateway ? 1 : 0;
}

// ---- add ---------------------------------------------------------------------------------------

void check_name(const std::string& name) {
  if (auto problem = app_name_problem(name)) {
    throw UsageError("app name " + quoted(name) + ": " + *problem +
                     " (the app is served at http://NAME.localhost:PORT/, so its name must be a "
                     "DNS label)");
  }
}

// The upstream as written to the file: "https://" and the normalized authority.
std::string check_upstream(const std::string& text) {
  std::string why;
  const auto url = parse_https_url(text, why);
  std::string lower = text.substr(0, 7);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!url && lower == "http://") {
    throw UsageError(text +
                     ": the upstream must be https:// — the gateway verifies the app's TLS "
                     "certificate (its RA-TLS attestation, or WebPKI with --mode webpki) on every "
                     "connection, and plain http has none");
  }
  if (!url) throw UsageError(text + ": expected https://HOST[:PORT] (" + why + ")");
  if (!url->rest.empty() && url->rest != "/") {
    throw UsageError(text +
                     ": expected https://HOST[:PORT] without a path, query or fragment (the "
                     "gateway serves the app at the root of http://NAME.localhost:PORT/)");
  }
  return "https://" + url->authority();
}

bool has_policy_flags(const VerifyOptions& v) {
  return !v.mrenclave.empty() || !v.mrsigner.empty() || !v.signer_key_files.empty() ||
         v.isv_prod_id || v.min_isv_svn || v.allow_debug || !v.accept_tcb.empty() ||
         !v.allow_advisories.empty();
}

// The app's entry: name, upstream, mode when given, and the policy the flags describe, in the
// configuration's own terms (policy.signer_key names the key file, as an absolute path because
// relative ones are relative to the configuration's directory).
ordered_json app_entry(const AppsOptions& o, const std::string& upstream) {
  const VerifyOptions& v = o.verify;
  ordered_json app = {{"name", o.name}, {"upstream", upstream}};
  if (!o.mode.empty()) app["mode"] = o.mode;
  if (v.signer_key_files.size() > 1) {
    throw UsageError(
        "--signer-key: give one key file (the configuration's policy.signer_key names one); "
        "allow other signers with --mrsigner HEX");
  }
  const attest::Policy p = policy_from_options(v);  // checks every flag's value
  ordered_json policy = ordered_json::object();
  if (!p.mrenclave.empty()) {
    policy["mrenclave"] = ordered_json::array();
    for (const auto& m : p.mrenclave) policy["mrenclave"].push_back(attest::to_hex(m));
  }
  if (!v.mrsigner.empty()) {
    policy["mrsigner"] = ordered_json::array();
    // --signer-key's MRSIGNER comes after the --mrsigner values: the key file is written instead.
    for (std::size_t i = 0; i < v.mrsigner.size(); ++i)
      policy["mrsigner"].push_back(attest::to_hex(p.mrsigner[i]));
  }
  if (!v.signer_key_files.empty()) policy["signer_key"] = absolute(v.signer_key_files.front());
  if (p.isv_prod_id) policy["isv_prod_id"] = *p.isv_prod_id;
  if (p.min_isv_svn) policy["min_isv_svn"] = *p.min_isv_svn;
  if (p.allow_debug) policy["allow_debug"] = true;
  if (!v.accept_tcb.empty()) {
    policy["accept_tcb"] = ordered_json::array();
    for (auto s : p.accept_tcb) policy["accept_tcb"].push_back(attest::tcb_status_name(s));
  }
  if (!p.allow_advisories.empty()) policy["allow_advisories"] = p.allow_advisories;
  if (!policy.empty()) app["policy"] = policy;
  return app;
}

void check_listen(const std::string& listen) {
  if (!parse_listen_address(listen)) {
    throw UsageError("--listen " + listen + ": expected HOST:PORT, such as 127.0.0.1:7443");
  }
}

// A new file: the empty configuration, with the set-up options in it.
ordered_json new_document(const AppsOptions& o) {
  ordered_json doc = ordered_json::parse(kEmptyConfigJson);
  if (!o.listen.empty()) {
    check_listen(o.listen);
    doc["listen"] = ordered_json::array({o.listen});
  }
  ordered_json apps = doc["apps"];
  doc.erase("apps");  // re-added last: the apps read best after the settings they depend on
  const std::string& root = o.verify.root_ca_file;
  if (!root.empty()) doc["trust"] = {{"root_ca", root == "intel" ? root : absolute(root)}};
  if (!o.verify.collateral_path.empty() || !o.verify.pccs.empty()) {
    ordered_json c = ordered_json::object();
    if (!o.verify.collateral_path.empty()) c["offline"] = absolute(o.verify.collateral_path);
    if (!o.verify.pccs.empty()) c["pccs"] = o.verify.pccs;
    doc["collateral"] = c;
  }
  doc["apps"] = apps;
  return doc;
}

// An existing file: the set-up options may repeat what it says, not change it (an app must not
// silently change how every other app is verified).
void check_setup_options_agree(const AppsOptions& o, const ConfigFile& f) {
  const Config& c = f.config;
  auto refuse = [&](const std::string& flag, const std::string& value, const std::string& key,
                    const std::string& configured) {
    throw UsageError(flag + " " + value + ": " + f.path + " already exists and has " + key + " " +
                     configured +
                     "; --listen, --root-ca, --collateral and --pccs only set up a new "
                     "configuration (edit the file to change them)");
  };
  if (!o.listen.empty()) {
    check_listen(o.listen);
    const auto l = parse_listen_address(o.listen);
    if (l->host != c.listen.front().host || l->port != c.listen.front().port)
      refuse("--listen", o.listen, "listen[0]", c.listen.front().text);
  }
  const std::string& root = o.verify.root_ca_file;
  if (!root.empty() && (root == "intel" ? c.root_ca != "intel"
                                        : c.root_ca == "intel" || !same_path(root, c.root_ca))) {
    refuse("--root-ca", root, "trust.root_ca", c.root_ca);
  }
  const std::string& offline = o.verify.collateral_path;
  if (!offline.empty() &&
      (c.collateral.offline.empty() || !same_path(offline, c.collateral.offline))) {
    refuse("--collateral", offline, "collateral.offline",
           c.collateral.offline.empty() ? "unset" : c.collateral.offline);
  }
  if (!o.verify.pccs.empty() && o.verify.pccs != c.collateral.pccs) {
    refuse("--pccs", o.verify.pccs, "collateral.pccs",
           c.collateral.pccs.empty() ? "unset (Intel PCS)" : c.collateral.pccs);
  }
}

// Under trust on first use the daemon refuses a measurement that differs from an old pin of the
// same name (left by `apps remove` without --forget-pin): say so now rather than at the first 502.
void note_stale_pin(const Config& c, const AppConfig& app, const VerifyOutcome& outcome,
                    std::ostream& out) {
  if (!app.policy.mrenclave.empty() || !outcome.verification.quote ||
      !outcome.verification.quote->enclave_report)
    return;
  try {
    PinStore pins((fs::path(c.state_dir) / "pins.json").string());
    pins.load();
    const auto entry = pins.get(app.name);
    const std::string presented =
        attest::to_hex(outcome.verification.quote->enclave_report->mrenclave);
    if (!entry || !entry->pin || entry->pin->mrenclave == presented) return;
    out << "note: " << pins.path() << " still pins " << app.name << " to MRENCLAVE "
        << short_hex(entry->pin->mrenclave) << " (an earlier app of that name); the gateway will "
        << "refuse this one's " << short_hex(presented)
        << " as a measurement change. If it is another app: ratls-gateway pins forget " << app.name
        << "\n";
  } catch (const std::exception&) {
    // A broken pins file is the daemon's to report (docs/configuration.md).
  }
}

// verify's checklist for the app as the daemon will see it: its upstream, its policy, the trust
// anchor and collateral of the configuration it will be in. Empty when accepted, else why not.
std::string verify_ratls(const AppsOptions& o, const Config& c, const AppConfig& app,
                         std::ostream& out, std::ostream& err) {
  VerifyOptions v;
  v.timeout_ms = o.verify.timeout_ms;
  v.url = "https://" + HttpsUrl{app.upstream_host, app.upstream_port, ""}.authority();
  use_configured_sources(c, v);
  VerifyOutcome outcome = verify_target(v, app.policy, err);
  outcome.subject = "app " + app.name + " at " + outcome.subject;
  print_outcome(outcome, out);
  if (!outcome.accepted()) {
    const auto errors = outcome.all_errors();
    return errors.empty() ? std::string("verification incomplete") : errors.front().message;
  }
  if (app.policy.mrenclave.empty() && outcome.verification.quote &&
      outcome.verification.quote->enclave_report) {
    out << "no --mrenclave: the gateway pins the first measurement it verifies (trust on first "
           "use); to name it instead: --mrenclave "
        << attest::to_hex(outcome.verification.quote->enclave_report->mrenclave) << "\n";
  }
  note_stale_pin(c, app, outcome, out);
  return {};
}

// Mode webpki: the checks the gateway's WebPKI validator makes (system CA store, host name).
std::string verify_webpki(const AppsOptions& o, const AppConfig& app, std::ostream& out) {
  const PeerCertificate peer =
      fetch_peer_certificate(app.upstream_host, app.upstream_port, o.verify.timeout_ms, true);
  const bool ok = peer.webpki_problem.empty();
  const std::string problem =
      "the certificate of " + app.upstream + " is not trusted (" + peer.webpki_problem + ")";
  out << (ok ? std::string("VERIFIED (mode webpki: ordinary certificate checks, NOT attested)")
             : "REJECTED: " + problem)
      << "\n";
  out << "  verified            app " << app.name << " at " << app.upstream << " ("
      << peer.peer_address << ", " << peer.tls_version << ")\n";
  out << "    certificate         " << peer.subject << "\n";
  out << "    SHA-256             " << attest::to_hex(attest::sha256(peer.der)) << "\n";
  out << "  " << (ok ? "\u2714" : "\u2718") << " system CA store     "
      << (ok ? "chain and name " + app.upstream_host + " check out" : peer.webpki_problem) << "\n";
  return ok ? std::string() : problem;
}

// ---- list --------------------------------------------------------------------------------------

std::string policy_summary(const AppConfig& a) {
  if (a.mode == UpstreamMode::kWebpki) return "system CA store (not attested)";
  const attest::Policy& p = a.policy;
  std::vector<std::string> parts;
  auto hexes = [](const char* label, const std::vector<std::array<std::uint8_t, 32>>& values) {
    std::string s = std::string(label) + " " + short_hex(attest::to_hex(values.front()));
    if (values.size() > 1) s += " +" + std::to_string(values.size() - 1);
    return s;
  };
  parts.push_back(p.mrenclave.empty() ? std::string("trust on first use")
                                      : hexes("MRENCLAVE", p.mrenclave));
  if (!p.mrsigner.empty()) parts.push_back(hexes("MRSIGNER", p.mrsigner));
  if (p.isv_prod_id) parts.push_back("ISVPRODID " + std::to_string(*p.isv_prod_id));
  if (p.min_isv_svn) parts.push_back("ISVSVN >= " + std::to_string(*p.min_isv_svn));
  if (p.allow_debug) parts.push_back("DEBUG allowed");
  std::string tcb = "TCB ";
  for (std::size_t i = 0; i < p.accept_tcb.size(); ++i) {
    if (i > 0) tcb += ',';
    tcb += attest::tcb_status_name(p.accept_tcb[i]);
  }
  parts.push_back(tcb);
  if (!p.allow_advisories.empty()) {
    std::string adv = "advisories";
    for (const auto& id : p.allow_advisories) adv += " " + id;
    parts.push_back(adv);
  }
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

json policy_json(const AppConfig& a) {
  if (a.mode == UpstreamMode::kWebpki) return nullptr;
  const attest::Policy& p = a.policy;
  json j;
  j["mrenclave"] = json::array();
  for (const auto& m : p.mrenclave) j["mrenclave"].push_back(attest::to_hex(m));
  j["mrsigner"] = json::array();  // signer_key included, as its MRSIGNER
  for (const auto& m : p.mrsigner) j["mrsigner"].push_back(attest::to_hex(m));
  j["isv_prod_id"] = p.isv_prod_id ? json(*p.isv_prod_id) : json(nullptr);
  j["min_isv_svn"] = p.min_isv_svn ? json(*p.min_isv_svn) : json(nullptr);
  j["allow_debug"] = p.allow_debug;
  j["accept_tcb"] = json::array();
  for (auto s : p.accept_tcb) j["accept_tcb"].push_back(attest::tcb_status_name(s));
  j["allow_advisories"] = p.allow_advisories;
  j["trust_on_first_use"] = p.mrenclave.empty();
  return j;
}

}  // namespace

int run_apps_add(const AppsOptions& o, std::ostream& out, std::ostream& err) {
  try {
    check_name(o.name);
    const std::string upstream = check_upstream(o.upstream);
    if (o.mode == "webpki" && has_policy_flags(o.verify)) {
      throw UsageError(
          "the policy options (--mrenclave, --signer-key, ...) apply to mode ratls only: a "
          "webpki app is not attested");
    }
    const std::string path = config_path_for(o);
    const ConfigFile file = read_config_file(path);
    for (const auto& a : file.config.apps) {
      if (a.name == o.name) {
        throw UsageError(o.name + " is already in " + path + " (upstream " + a.upstream +
                         "); to replace it: ratls-gateway apps remove " + o.name);
      }
    }
    ordered_json doc;
    if (file.text) {
      check_setup_options_agree(o, file);
      doc = parse_document(*file.text);
    } else {
      doc = new_document(o);
    }
    if (!doc.contains("apps")) doc["apps"] = ordered_json::array();
    doc["apps"].push_back(app_entry(o, upstream));
    const std::string text = dump(doc);
    // The new file is judged whole, as `run` will judge it, before anything is verified or written.
    Config next;
    try {
      next = parse_config(text, ConfigEnvironment::from_process(path));
    } catch (const ConfigError& e) {
      throw UsageError("with " + o.name + " added, " + path + " would not be valid: " + e.what());
    }
    next.source = path;
    const AppConfig& app = next.apps.back();

    std::string refused;
    try {
      refused = app.mode == UpstreamMode::kRatls ? verify_ratls(o, next, app, out, err)
                                                 : verify_webpki(o, app, out);
    } catch (const std::exception& e) {
      throw UsageError("cannot verify " + o.name + ": " + e.what() + " (" + path +
                       (file.text ? " is unchanged)" : " was not created)"));
    }
    if (!refused.empty()) {
      throw Refusal("not adding " + o.name + ": " + refused + " (" + path +
                    (file.text ? " is unchanged)" : " was not created)"));
    }

    replace_config(file, text);
    out << "added " << o.name << " to " << path
        << (file.text ? std::string() : std::string(" (new, mode 0600)")) << "\n";
    const ReloadResult reloaded = reload_gateway(
        next, [&](const json& s) { return serves(s, o.name, upstream); }, out, err);
    out << "open " << app_url(next, o.name) << "\n";
    return exit_status(reloaded);
  } catch (const Refusal& e) {
    err << "ratls-gateway apps add: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "ratls-gateway apps add: " << e.what() << "\n";
    return 2;
  }
}

int run_apps_list(const AppsOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const std::string path = config_path_for(o);
    const ConfigFile file = read_config_file(path);
    const Config& c = file.config;
    if (o.json) {
      json apps = json::array();
      for (const auto& a : c.apps) {
        apps.push_back({{"name", a.name},
                        {"url", app_url(c, a.name)},
                        {"upstream", a.upstream},
                        {"mode", a.mode == UpstreamMode::kRatls ? "ratls" : "webpki"},
                        {"listen", a.listen ? json(a.listen->text) : json(nullptr)},
                        {"policy", policy_json(a)}});
      }
      out << json{{"config", path}, {"exists", !c.file_missing}, {"apps", apps}}.dump(2) << "\n";
      return 0;
    }
    if (c.apps.empty()) {
      out << kNoAppsHint << " ("
          << (c.file_missing ? "there is no " + path + " yet" : path + " has none") << ")\n";
      return 0;
    }
    std::vector<std::array<std::string, 5>> rows = {{"NAME", "URL", "UPSTREAM", "MODE", "POLICY"}};
    for (const auto& a : c.apps) {
      rows.push_back({a.name, app_url(c, a.name), a.upstream,
                      a.mode == UpstreamMode::kRatls ? "ratls" : "webpki", policy_summary(a)});
    }
    std::array<std::size_t, 5> width{};
    for (const auto& r : rows) {
      for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    for (const auto& r : rows) {
      std::string line;
      for (std::size_t i = 0; i + 1 < r.size(); ++i)
        line += r[i] + std::string(width[i] - r[i].size() + 2, ' ');
      out << line << r.back() << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    err << "ratls-gateway apps list: " << e.what() << "\n";
    return 2;
  }
}

int run_apps_remove(const AppsOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const std::string path = config_path_for(o);
    const ConfigFile file = read_config_file(path);
    std::optional<PinStore> pins;
    auto pin_left = [&]() -> bool {
      if (!pins) {
        pins.emplace((fs::path(file.config.state_dir) / "pins.json").string());
        pins->load();  // a broken pins file: exit 2 before anything changes
      }
      const auto entry = pins->get(o.name);
      return entry && (entry->pin || entry->pending);
    };
    if (o.forget_pin) (void)pin_left();
    bool found = false;
    for (const auto& a : file.config.apps) found = found || a.name == o.name;
    if (!found) {
      std::string names;
      for (const auto& a : file.config.apps) names += (names.empty() ? "" : ", ") + a.name;
      std::string hint;
      try {
        if (pin_left()) hint = "; a pin for it remains: ratls-gateway pins forget " + o.name;
      } catch (const std::exception&) {
      }
      throw Refusal("no app " + quoted(o.name) + " in " + path +
                    (file.config.file_missing
                         ? " (the file does not exist)"
                         : " (apps: " + (names.empty() ? "none" : names) + ")") +
                    hint);
    }
    ordered_json doc = parse_document(*file.text);
    ordered_json& apps = doc["apps"];
    for (auto it = apps.begin(); it != apps.end(); ++it) {
      if ((*it)["name"] == o.name) {
        apps.erase(it);
        break;
      }
    }
    const std::string text = dump(doc);
    Config next;
    try {
      next = parse_config(text, ConfigEnvironment::from_process(path));
    } catch (const ConfigError& e) {
      throw UsageError("without " + o.name + ", " + path + " would not be valid: " + e.what());
    }
    next.source = path;
    replace_config(file, text);
    out << "removed " << o.name << " from " << path << "\n";
    const ReloadResult reloaded = reload_gateway(
        next, [&](const json& s) { return !serves(s, o.name, ""); }, out, err);
    if (o.forget_pin) {
      out << (pins->forget(o.name) ? "forgot the pin of " : "there was no pin for ") << o.name
          << " in " << pins->path() << "\n";
    } else {
      try {
        if (pin_left()) {
          out << "its pin stays in " << pins->path()
              << " (an app added again under this name is compared with it; ratls-gateway pins "
                 "forget "
              << o.name << " removes it)\n";
        }
      } catch (const std::exception&) {
      }
    }
    return exit_status(reloaded);
  } catch (const Refusal& e) {
    err << "ratls-gateway apps remove: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "ratls-gateway apps remove: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace ratls::proxy
