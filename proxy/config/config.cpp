#include "proxy/config/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>

#include "attest/bytes.h"
#include "attest/status.h"
#include "attest/tcb_status.h"
#include "proxy/common/file_io.h"
#include "proxy/common/host_syntax.h"

namespace ratls::proxy {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::string_view kAppName = "ratls-gateway";
constexpr std::string_view kNameRule =
    "1 to 63 characters of a-z, 0-9, '_' and '-', not starting or ending with '-'";

[[noreturn]] void fail(const std::string& key_path, const std::string& problem) {
  throw ConfigError(key_path + ": " + problem);
}

// User text inside messages, JSON-quoted so control characters cannot garble a log line.
std::string json_quoted(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string member(const std::string& path, std::string_view key) {
  std::string out = path;
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// nlohmann::json keeps the last of duplicate keys silently; a second "policy" block must not
// quietly replace the first, so the parser callback tracks the key path and refuses duplicates.
class DuplicateKeyCheck {
 public:
  bool operator()(json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames_.push_back(Frame{false, 0, {}, {}});
        break;
      case json::parse_event_t::array_start:
        frames_.push_back(Frame{true, 0, {}, {}});
        break;
      case json::parse_event_t::key: {
        Frame& top = frames_.back();
        std::string key = parsed.get<std::string>();
        if (!top.keys.insert(key).second) fail(member(container_path(), key), "duplicate key");
        top.key = std::move(key);
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        [[fallthrough]];
      case json::parse_event_t::value:
        if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;  // next element, for arrays
    std::string key;    // current member, for objects
    std::set<std::string> keys;
  };
  // Key path of the innermost open container.
  std::string container_path() const {
    std::string path;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
      path = frames_[i].array ? element(path, frames_[i].index) : member(path, frames_[i].key);
    }
    return path;
  }
  std::vector<Frame> frames_;
};

void check_keys(const json& object, const std::string& path,
                std::initializer_list<std::string_view> allowed) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
    std::string list;
    for (std::string_view name : allowed) {
      if (!list.empty()) list += ", ";
      list += name;
    }
    fail(member(path, it.key()), "unknown key (expected one of: " + list + ")");
  }
}

const json* find(const json& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const json& require(const json& object, const std::string& path, std::string_view key) {
  const json* v = find(object, key);
  if (v == nullptr) fail(member(path, key), "missing (required)");
  return *v;
}

const std::string& get_string(const json& v, const std::string& path, std::string_view expected) {
  if (!v.is_string()) fail(path, std::string("expected ") + std::string(expected));
  return v.get_ref<const std::string&>();
}

bool get_bool(const json& v, const std::string& path) {
  if (!v.is_boolean()) fail(path, "expected true or false");
  return v.get<bool>();
}

std::uint16_t get_u16(const json& v, const std::string& path) {
  // Non-negative integers parse as unsigned; negative ones and 1.0 are refused alike.
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 65535) {
    fail(path, "expected an integer 0..65535");
  }
  return static_cast<std::uint16_t>(v.get<std::uint64_t>());
}

const json& get_array(const json& v, const std::string& path, std::string_view expected) {
  if (!v.is_array()) fail(path, std::string("expected an array of ") + std::string(expected));
  return v;
}

const json& get_object(const json& v, const std::string& path) {
  if (!v.is_object()) fail(path, "expected an object");
  return v;
}

// ---- addresses -------------------------------------------------------------------------------

std::optional<ListenAddress> parse_listen(std::string_view text, std::string& why) {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      why = "missing ']' after the IPv6 address";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    const std::string_view after = text.substr(close + 1);
    if (after.empty() || after.front() != ':') {
      why = "missing \":port\"";
      return std::nullopt;
    }
    port = after.substr(1);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      why = "missing \":port\"";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      why = "IPv6 addresses go in brackets, as in \"[::1]:7443\"";
      return std::nullopt;
    }
  }
  ListenAddress out;
  out.text = std::string(text);
  std::optional<std::string> canonical;
  if (bracketed) {
    canonical = canonical_ipv6(host, &out.loopback);
    if (!canonical) {
      why = "not an IPv6 address between the brackets";
      return std::nullopt;
    }
  } else if (host == "localhost") {
    canonical = "localhost";
    out.loopback = true;
  } else {
    // Host names other than localhost would need resolving at bind time: refuse them.
    canonical = canonical_ipv4(host, &out.loopback);
    if (!canonical) {
      why = "the host must be an IP address or localhost";
      return std::nullopt;
    }
  }
  out.host = *canonical;
  const auto p = parse_port(port);
  if (!p) {
    why = "port must be 1..65535";
    return std::nullopt;
  }
  out.port = *p;
  return out;
}

std::optional<HttpsUrl> parse_upstream(std::string_view text, std::string& why) {
  auto url = parse_https_url(text, why);
  if (!url) return std::nullopt;
  // A lone trailing slash is what browsers show for an origin; anything more would be dropped.
  if (!url->rest.empty() && url->rest != "/") {
    why = "no path, query or fragment allowed";
    return std::nullopt;
  }
  return url;
}

// "localhost" binds both loopbacks; 0.0.0.0 every IPv4 address; :: every address (Linux sockets
// are dual-stack by default). Two listeners collide when what they bind overlaps on one port.
bool hosts_overlap(const std::string& a, const std::string& b) {
  if (a == b || a == "::" || b == "::") return true;
  const bool a4 = a.find(':') == std::string::npos;
  const bool b4 = b.find(':') == std::string::npos;
  return (a == "0.0.0.0" && b4) || (b == "0.0.0.0" && a4);
}

bool listeners_collide(const ListenAddress& a, const ListenAddress& b) {
  if (a.port != b.port) return false;
  auto targets = [](const ListenAddress& x) {
    return x.host == "localhost" ? std::vector<std::string>{"127.0.0.1", "::1"}
                                 : std::vector<std::string>{x.host};
  };
  for (const auto& ha : targets(a)) {
    for (const auto& hb : targets(b)) {
      if (hosts_overlap(ha, hb)) return true;
    }
  }
  return false;
}

struct NamedListener {
  ListenAddress address;
  std::string where;  // "listen[0]", "apps[2].listen", "listen (default)"
};

void check_collisions(const ListenAddress& address, const std::string& path,
                      const std::vector<NamedListener>& taken) {
  for (const auto& other : taken) {
    if (listeners_collide(address, other.address)) {
      fail(path, json_quoted(address.text) + " collides with " + other.where + " (" +
                     json_quoted(other.address.text) + ")");
    }
  }
}

ListenAddress parse_listen_value(const json& v, const std::string& path, bool allow_non_loopback) {
  const std::string& text = get_string(v, path, "\"host:port\"");
  std::string why;
  auto address = parse_listen(text, why);
  if (!address) fail(path, "expected \"host:port\" (" + why + ")");
  if (!address->loopback && !allow_non_loopback) {
    fail(path, json_quoted(text) +
                   " is not a loopback address; set \"allow_non_loopback\": true to accept "
                   "connections from other machines");
  }
  return *address;
}

// ---- paths -----------------------------------------------------------------------------------

// Relative paths are relative to the configuration file's directory; "~/" is the home directory
// (a JSON file is not a shell, but users write it anyway).
std::string resolve_path(const json& v, const std::string& path, const ConfigEnvironment& env) {
  const std::string& text = get_string(v, path, "a path");
  if (text.empty() || text.find('\0') != std::string::npos) fail(path, "expected a path");
  fs::path p;
  if (text == "~" || text.starts_with("~/")) {
    if (env.home.empty()) fail(path, "cannot expand \"~\": $HOME is not set");
    p = text == "~" ? fs::path(env.home) : fs::path(env.home) / text.substr(2);
  } else {
    p = text;
  }
  if (p.is_relative()) {
    std::error_code ec;
    const fs::path base = env.base_dir.empty() ? fs::current_path(ec) : fs::path(env.base_dir);
    p = fs::absolute(base / p, ec);
  }
  return p.lexically_normal().string();
}

// XDG base directories: a relative value is invalid per the specification and is ignored.
std::string xdg_dir(const std::string& value, const std::string& home, std::string_view fallback) {
  if (!value.empty() && fs::path(value).is_absolute()) return value;
  if (home.empty()) return {};
  return (fs::path(home) / fallback).string();
}

// ---- sections --------------------------------------------------------------------------------

std::array<std::uint8_t, 32> parse_measurement(const json& v, const std::string& path) {
  const auto m =
      v.is_string() ? attest::from_hex_fixed<32>(v.get_ref<const std::string&>()) : std::nullopt;
  if (!m) fail(path, "expected 64 hex digits");
  return *m;
}

void parse_measurements(const json& v, const std::string& path,
                        std::vector<std::array<std::uint8_t, 32>>& out) {
  get_array(v, path, "64-hex-digit strings");
  for (std::size_t i = 0; i < v.size(); ++i)
    out.push_back(parse_measurement(v[i], element(path, i)));
}

std::string known_tcb_statuses() {
  std::string list;
  for (int i = 0; i <= static_cast<int>(attest::TcbStatus::kTDRelaunchAdvisedConfigurationNeeded);
       ++i) {
    const auto status = static_cast<attest::TcbStatus>(i);
    if (status == attest::TcbStatus::kRevoked) continue;
    if (!list.empty()) list += ", ";
    list += attest::tcb_status_name(status);
  }
  return list;
}

attest::Policy parse_policy(const json& v, const std::string& path, const ConfigEnvironment& env) {
  get_object(v, path);
  check_keys(v, path,
             {"mrenclave", "mrsigner", "signer_key", "isv_prod_id", "min_isv_svn", "allow_debug",
              "accept_tcb", "allow_advisories"});
  attest::Policy policy;
  if (const json* m = find(v, "mrenclave")) {
    parse_measurements(*m, member(path, "mrenclave"), policy.mrenclave);
  }
  if (const json* m = find(v, "mrsigner")) {
    parse_measurements(*m, member(path, "mrsigner"), policy.mrsigner);
  }
  if (const json* k = find(v, "signer_key")) {
    const std::string key_path = member(path, "signer_key");
    const std::string file = resolve_path(*k, key_path, env);
    attest::Bytes pem;
    try {
      pem = read_file(file);
    } catch (const std::runtime_error& e) {
      fail(key_path, e.what());
    }
    try {
      policy.mrsigner.push_back(attest::mrsigner_from_signer_key_pem(attest::as_chars(pem)));
    } catch (const attest::AttestError& e) {
      fail(key_path, file + ": " + e.what());
    }
  }
  if (const json* n = find(v, "isv_prod_id")) {
    policy.isv_prod_id = get_u16(*n, member(path, "isv_prod_id"));
  }
  if (const json* n = find(v, "min_isv_svn")) {
    policy.min_isv_svn = get_u16(*n, member(path, "min_isv_svn"));
  }
  if (const json* b = find(v, "allow_debug")) {
    policy.allow_debug = get_bool(*b, member(path, "allow_debug"));
  }
  if (const json* a = find(v, "accept_tcb")) {
    const std::string list_path = member(path, "accept_tcb");
    get_array(*a, list_path, "TCB status names");
    // An empty list would refuse every enclave: surely a mistake, not a policy.
    if (a->empty()) fail(list_path, "must not be empty (omit it to accept only UpToDate)");
    policy.accept_tcb.clear();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string item_path = element(list_path, i);
      const std::string& name = get_string((*a)[i], item_path, "a TCB status name");
      const auto status = attest::parse_tcb_status(name);
      if (!status) {
        fail(item_path, std::string("unknown TCB status ") + json_quoted(name) +
                            " (expected one of: " + known_tcb_statuses() + ")");
      }
      if (*status == attest::TcbStatus::kRevoked) {
        fail(item_path, "\"Revoked\" can never be accepted");
      }
      if (std::find(policy.accept_tcb.begin(), policy.accept_tcb.end(), *status) ==
          policy.accept_tcb.end()) {
        policy.accept_tcb.push_back(*status);
      }
    }
  }
  if (const json* a = find(v, "allow_advisories")) {
    const std::string list_path = member(path, "allow_advisories");
    get_array(*a, list_path, "advisory IDs");
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string item_path = element(list_path, i);
      const std::string& id =
          get_string((*a)[i], item_path, "an advisory ID such as \"INTEL-SA-00615\" or \"*\"");
      if (id.empty())
        fail(item_path, "expected an advisory ID such as \"INTEL-SA-00615\" or \"*\"");
      policy.allow_advisories.push_back(id);
    }
  }
  return policy;
}

AppConfig parse_app(const json& v, const std::string& path, const ConfigEnvironment& env,
                    bool allow_non_loopback) {
  get_object(v, path);
  check_keys(v, path, {"name", "upstream", "mode", "listen", "policy"});
  AppConfig app;

  const std::string name_path = member(path, "name");
  app.name = get_string(require(v, path, "name"), name_path, kNameRule);
  if (auto problem = app_name_problem(app.name)) fail(name_path, *problem);

  const std::string upstream_path = member(path, "upstream");
  app.upstream = get_string(require(v, path, "upstream"), upstream_path, "\"https://host[:port]\"");
  std::string why;
  const auto url = parse_upstream(app.upstream, why);
  if (!url) fail(upstream_path, "expected \"https://host[:port]\" (" + why + ")");
  app.upstream_host = url->host;
  app.upstream_port = url->port;

  if (const json* m = find(v, "mode")) {
    const std::string mode_path = member(path, "mode");
    const std::string& mode = get_string(*m, mode_path, "\"ratls\" or \"webpki\"");
    if (mode == "ratls") {
      app.mode = UpstreamMode::kRatls;
    } else if (mode == "webpki") {
      app.mode = UpstreamMode::kWebpki;
    } else {
      fail(mode_path, "expected \"ratls\" or \"webpki\"");
    }
  }

  if (const json* l = find(v, "listen")) {
    app.listen = parse_listen_value(*l, member(path, "listen"), allow_non_loopback);
  }

  if (const json* p = find(v, "policy")) {
    const std::string policy_path = member(path, "policy");
    if (app.mode != UpstreamMode::kRatls) fail(policy_path, "policy only applies to mode ratls");
    app.policy = parse_policy(*p, policy_path, env);
  }
  app.measurement_policy = !app.policy.mrenclave.empty();
  return app;
}

void parse_collateral(const json& v, const ConfigEnvironment& env, CollateralConfig& out) {
  const std::string path = "collateral";
  get_object(v, path);
  check_keys(v, path, {"pccs", "offline", "cache_dir"});
  if (const json* p = find(v, "pccs")) {
    const std::string pccs_path = member(path, "pccs");
    constexpr std::string_view kExpected = "an https:// URL such as \"https://pccs.example.com\"";
    const std::string& url = get_string(*p, pccs_path, kExpected);
    std::string why;
    if (!parse_https_url(url, why)) {
      fail(pccs_path, std::string("expected ") + std::string(kExpected) + " (" + why + ")");
    }
    out.pccs = url;
  }
  if (const json* o = find(v, "offline")) {
    const std::string offline_path = member(path, "offline");
    out.offline = resolve_path(*o, offline_path, env);
    std::error_code ec;
    if (!fs::is_directory(out.offline, ec)) fail(offline_path, out.offline + ": not a directory");
    if (!out.pccs.empty()) {
      fail(offline_path,
           "cannot be combined with \"pccs\" (offline collateral never uses the network)");
    }
  }
  if (const json* c = find(v, "cache_dir")) {
    out.cache_dir = resolve_path(*c, member(path, "cache_dir"), env);
  }
}

}  // namespace

std::optional<std::string> app_name_problem(std::string_view name) {
  const bool label =
      !name.empty() && name.size() <= 63 && name.front() != '-' && name.back() != '-' &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      });
  if (!label) return std::string("expected ") + std::string(kNameRule);
  if (name == "localhost") {
    return "\"localhost\" is reserved (http://localhost:PORT/ is the status page)";
  }
  return std::nullopt;
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  std::string why;
  return parse_listen(text, why);
}

std::optional<HttpsUrl> parse_upstream_url(std::string_view text) {
  std::string why;
  return parse_upstream(text, why);
}

ConfigEnvironment ConfigEnvironment::from_process(const std::string& config_path) {
  auto var = [](const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
  };
  ConfigEnvironment env;
  env.home = var("HOME");
  env.xdg_config_home = var("XDG_CONFIG_HOME");
  env.xdg_state_home = var("XDG_STATE_HOME");
  env.xdg_cache_home = var("XDG_CACHE_HOME");
  std::error_code ec;
  const fs::path absolute =
      config_path.empty() ? fs::current_path(ec) : fs::absolute(config_path, ec);
  env.base_dir = (config_path.empty() ? absolute : absolute.parent_path()).string();
  return env;
}

std::string default_config_path(const ConfigEnvironment& env) {
  const std::string dir = xdg_dir(env.xdg_config_home, env.home, ".config");
  if (dir.empty()) {
    throw ConfigError(
        "no default configuration file: neither $XDG_CONFIG_HOME nor $HOME is set; use --config "
        "FILE");
  }
  return (fs::path(dir) / kAppName / "config.json").string();
}

Config parse_config(std::string_view json_text, const ConfigEnvironment& env) {
  json root;
  try {
    DuplicateKeyCheck duplicates;
    root = json::parse(json_text.begin(), json_text.end(),
                       [&duplicates](int, json::parse_event_t event, json& parsed) {
                         return duplicates(event, parsed);
                       });
  } catch (const json::exception& e) {
    // what() is "[json.exception.parse_error.101] parse error at line L, column C: ...", or
    // out_of_range.406 for a number beyond a double: any of them is a broken file, not a crash.
    std::string_view message = e.what();
    if (const auto close = message.find("] "); close != std::string_view::npos) {
      message.remove_prefix(close + 2);
    }
    throw ConfigError("invalid JSON: " + std::string(message));
  }
  if (!root.is_object()) throw ConfigError("top level: expected a JSON object");
  check_keys(root, "",
             {"listen", "tls_listen", "allow_non_loopback", "apps", "collateral", "trust",
              "state_dir", "http"});

  Config config;
  if (const json* h = find(root, "http")) {
    get_object(*h, "http");
    check_keys(
        *h, "http",
        {"max_header_bytes", "max_header_fields", "header_timeout_seconds", "idle_timeout_seconds",
         "tunnel_idle_timeout_seconds", "upstream_connections_per_app", "connect_timeout_seconds"});
    auto bounded = [](const json& v, const std::string& path, std::uint64_t lo, std::uint64_t hi) {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() < lo || v.get<std::uint64_t>() > hi) {
        fail(path, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
      }
      return static_cast<std::size_t>(v.get<std::uint64_t>());
    };
    if (const json* b = find(*h, "max_header_bytes")) {
      config.max_header_bytes = bounded(*b, "http.max_header_bytes", 1024, 1024 * 1024);
    }
    if (const json* f = find(*h, "max_header_fields")) {
      config.max_header_fields = bounded(*f, "http.max_header_fields", 8, 10000);
    }
    if (const json* t = find(*h, "header_timeout_seconds")) {
      config.header_timeout = static_cast<int>(bounded(*t, "http.header_timeout_seconds", 1, 3600));
    }
    if (const json* t = find(*h, "idle_timeout_seconds")) {
      config.idle_timeout = static_cast<int>(bounded(*t, "http.idle_timeout_seconds", 1, 86400));
    }
    if (const json* u = find(*h, "upstream_connections_per_app")) {
      config.upstream_connections_per_app =
          bounded(*u, "http.upstream_connections_per_app", 1, 10000);
    }
    if (const json* t = find(*h, "tunnel_idle_timeout_seconds")) {
      config.tunnel_idle_timeout =
          static_cast<int>(bounded(*t, "http.tunnel_idle_timeout_seconds", 1, 7 * 86400));
    }
    if (const json* t = find(*h, "connect_timeout_seconds")) {
      config.connect_timeout =
          static_cast<int>(bounded(*t, "http.connect_timeout_seconds", 1, 300));
    }
  }
  if (const json* a = find(root, "allow_non_loopback")) {
    config.allow_non_loopback = get_bool(*a, "allow_non_loopback");
  }

  std::vector<NamedListener> taken;
  if (const json* l = find(root, "listen")) {
    get_array(*l, "listen", "\"host:port\" strings");
    if (l->empty()) fail("listen", "expected at least one \"host:port\"");
    for (std::size_t i = 0; i < l->size(); ++i) {
      const std::string path = element("listen", i);
      ListenAddress address = parse_listen_value((*l)[i], path, config.allow_non_loopback);
      check_collisions(address, path, taken);
      taken.push_back({address, path});
      config.listen.push_back(std::move(address));
    }
  } else {
    for (const char* text : {"127.0.0.1:7443", "[::1]:7443"}) {
      config.listen.push_back(*parse_listen_address(text));
      taken.push_back({config.listen.back(), "listen (default)"});
    }
  }

  // The optional https listener: loopback only, whatever allow_non_loopback says, because its
  // certificates come from the local CA, which can only name loopback hosts.
  if (const json* l = find(root, "tls_listen")) {
    get_array(*l, "tls_listen", "\"host:port\" strings");
    for (std::size_t i = 0; i < l->size(); ++i) {
      const std::string path = element("tls_listen", i);
      ListenAddress address = parse_listen_value((*l)[i], path, true);
      if (!address.loopback) {
        fail(path, json_quoted(address.text) +
                       " is not a loopback address; tls_listen is loopback only (the local CA only "
                       "certifies localhost names)");
      }
      check_collisions(address, path, taken);
      taken.push_back({address, path});
      config.tls_listen.push_back(std::move(address));
    }
  }

  if (const json* apps = find(root, "apps")) {
    get_array(*apps, "apps", "objects");
    for (std::size_t i = 0; i < apps->size(); ++i) {
      const std::string path = element("apps", i);
      AppConfig app = parse_app((*apps)[i], path, env, config.allow_non_loopback);
      for (std::size_t j = 0; j < config.apps.size(); ++j) {
        if (config.apps[j].name == app.name) {
          fail(member(path, "name"),
               json_quoted(app.name) + " is already used by " + element("apps", j));
        }
      }
      if (app.listen) {
        const std::string listen_path = member(path, "listen");
        check_collisions(*app.listen, listen_path, taken);
        taken.push_back({*app.listen, listen_path});
      }
      config.apps.push_back(std::move(app));
    }
  }

  if (const json* c = find(root, "collateral")) parse_collateral(*c, env, config.collateral);
  if (config.collateral.cache_dir.empty()) {
    const std::string cache = xdg_dir(env.xdg_cache_home, env.home, ".cache");
    if (cache.empty()) {
      fail("collateral.cache_dir",
           "no default: neither $XDG_CACHE_HOME nor $HOME is set; set it explicitly");
    }
    config.collateral.cache_dir = (fs::path(cache) / kAppName / "collateral").string();
  }

  if (const json* t = find(root, "trust")) {
    get_object(*t, "trust");
    check_keys(*t, "trust", {"root_ca"});
    if (const json* r = find(*t, "root_ca")) {
      constexpr std::string_view kExpected =
          "\"intel\" or the path of a PEM file or simulated hierarchy directory";
      get_string(*r, "trust.root_ca", kExpected);
      if (r->get_ref<const std::string&>() != "intel") {
        config.root_ca = resolve_path(*r, "trust.root_ca", env);
        std::error_code ec;
        if (!fs::exists(config.root_ca, ec)) {
          fail("trust.root_ca", config.root_ca + ": no such file or directory (expected " +
                                    std::string(kExpected) + ")");
        }
      }
    }
  }

  if (const json* s = find(root, "state_dir")) {
    config.state_dir = resolve_path(*s, "state_dir", env);
  } else {
    const std::string state = xdg_dir(env.xdg_state_home, env.home, ".local/state");
    if (state.empty()) {
      fail("state_dir", "no default: neither $XDG_STATE_HOME nor $HOME is set; set it explicitly");
    }
    config.state_dir = (fs::path(state) / kAppName).string();
  }
  return config;
}

Config load_config(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    // A link to nowhere is a mistake to report (a dotfiles checkout not mounted), not "no apps".
    if (::lstat(path.c_str(), &st) == 0) {
      throw ConfigError(path + ": a symbolic link to a missing file");
    }
    throw ConfigMissingError(path +
                             ": no such file; `ratls-gateway apps add` creates it, or copy "
                             "/usr/share/ratls-gateway/example.json (installed) or "
                             "config/example.json (source tree) there and name your apps in it "
                             "(see docs/configuration.md)");
  }
  if (S_ISDIR(st.st_mode)) throw ConfigError(path + ": is a directory, expected a JSON file");
  attest::Bytes data;
  try {
    data = read_file(path);
  } catch (const std::runtime_error& e) {
    throw ConfigError(e.what());
  }
  Config config;
  try {
    config = parse_config(attest::as_chars(data), ConfigEnvironment::from_process(path));
  } catch (const ConfigError& e) {
    // The file name first, so the one line says where to look.
    throw ConfigError(path + ": " + e.what());
  }
  config.source = path;
  return config;
}

Config load_config_or_empty(const std::string& path) {
  try {
    return load_config(path);
  } catch (const ConfigMissingError&) {
    Config config = parse_config(kEmptyConfigJson, ConfigEnvironment::from_process(path));
    config.source = path;
    config.file_missing = true;
    return config;
  }
}

}  // namespace ratls::proxy
