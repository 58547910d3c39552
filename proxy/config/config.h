// The daemon's configuration: JSON (default $XDG_CONFIG_HOME/ratls-gateway/config.json), validated
// completely before anything starts. Every error names the key path and what is wrong, e.g.
// "apps[1].policy.mrenclave[0]: expected 64 hex digits". Schema: config/schema.json.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "attest/policy.h"

#include "proxy/common/https_url.h"

namespace ratls::proxy {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Nothing at the configuration's path (not even a dangling link): `run` then serves no apps and
// `apps add` creates the file; every other problem with the file stays a plain ConfigError.
struct ConfigMissingError : ConfigError {
  using ConfigError::ConfigError;
};

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1" (no brackets), "localhost"
  std::uint16_t port = 0;
  std::string text;  // as written: "127.0.0.1:7443", "[::1]:7443"
  bool loopback = false;
};

enum class UpstreamMode { kRatls, kWebpki };

struct AppConfig {
  std::string name;           // DNS label: [a-z0-9_-]{1,63}, unique; served at <name>.localhost
  std::string upstream;       // "https://host[:port]" as written
  std::string upstream_host;  // for TCP, SNI and the Host header
  std::uint16_t upstream_port = 443;
  UpstreamMode mode = UpstreamMode::kRatls;
  std::optional<ListenAddress> listen;  // dedicated loopback listener for this app
  attest::Policy policy;                // signer_key already turned into an MRSIGNER entry
  bool measurement_policy = false;  // true when policy.mrenclave was given (no trust on first use)
};

struct CollateralConfig {
  std::string pccs;       // PCS/PCCS base URL; empty: Intel PCS
  std::string offline;    // directory of collateral files; non-empty forbids the network
  std::string cache_dir;  // default $XDG_CACHE_HOME/ratls-gateway/collateral
};

struct Config {
  std::vector<ListenAddress> listen;      // default 127.0.0.1:7443 and [::1]:7443
  std::vector<ListenAddress> tls_listen;  // optional https://<app>.localhost listeners (local CA)
  bool allow_non_loopback = false;
  std::vector<AppConfig> apps;
  CollateralConfig collateral;
  std::string root_ca = "intel";  // "intel" or a PEM file / simulated hierarchy directory
  std::string state_dir;          // default $XDG_STATE_HOME/ratls-gateway
  // Bounds on one request head (and on a response head from an upstream), whatever the reads.
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_header_fields = 100;
  // Seconds. A request head must arrive within header_timeout (slowloris); a keep-alive
  // connection or a body with no progress for idle_timeout ends; a WebSocket tunnel with no bytes
  // either way for tunnel_idle_timeout is closed; a new upstream connection gets connect_timeout
  // for its TCP connect and as much again for its TLS handshake.
  int header_timeout = 30;
  int idle_timeout = 60;
  int tunnel_idle_timeout = 3600;
  int connect_timeout = 10;
  // Upstream connections the gateway holds open to one app at most (in use or idle), shared out
  // among its event loops; requests beyond them wait for one (up to idle_timeout, then 503).
  std::size_t upstream_connections_per_app = 64;
  std::string source;         // the file it was read from, for messages
  bool file_missing = false;  // there was no file at `source`: the empty configuration
};

// Where defaults come from (passed in so tests do not depend on the environment).
struct ConfigEnvironment {
  std::string home;             // $HOME
  std::string xdg_config_home;  // empty: $HOME/.config
  std::string xdg_state_home;   // empty: $HOME/.local/state
  std::string xdg_cache_home;   // empty: $HOME/.cache
  std::string base_dir;         // relative paths in the file are relative to this (the file's dir)
  static ConfigEnvironment from_process(const std::string& config_path);
};

// Parses and validates. Throws ConfigError("<key path>: <problem>") on the first problem; unknown
// keys are errors too (a typo must not silently disable a policy).
Config parse_config(std::string_view json_text, const ConfigEnvironment& env);
// Reads `path` and parses it. A missing file is a ConfigMissingError that says how to create one.
Config load_config(const std::string& path);
// As load_config, but a missing file is the empty configuration (file_missing set): what `run`
// serves on a fresh account, before `apps add` has written anything.
Config load_config_or_empty(const std::string& path);
std::string default_config_path(const ConfigEnvironment& env);

// The configuration without apps that `run` serves when the file is missing and that `apps add`
// starts a new file from: one loopback listener, every other key at its default.
inline constexpr std::string_view kEmptyConfigJson =
    R"({"listen": ["127.0.0.1:7443"], "apps": []})";

// The hint shown wherever there is nothing to serve (status page, log, `status`, `apps list`).
inline constexpr std::string_view kNoAppsHint =
    "no apps yet: run ratls-gateway apps add NAME https://HOST:PORT";

// Why `name` cannot be an app's name (served at http://NAME.localhost, so a DNS label), or nullopt.
std::optional<std::string> app_name_problem(std::string_view name);

// "host:port" / "[v6]:port" -> ListenAddress; nullopt when malformed.
std::optional<ListenAddress> parse_listen_address(std::string_view text);
// An app's upstream: "https://host[:port]" (a lone trailing '/' allowed); nullopt when malformed
// (other schemes, paths, userinfo).
std::optional<HttpsUrl> parse_upstream_url(std::string_view text);

}  // namespace ratls::proxy
