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
  std::string source;  // the file it was read from, for messages
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
// Reads `path` and parses it. A missing file is a ConfigError that says how to create one.
Config load_config(const std::string& path);
std::string default_config_path(const ConfigEnvironment& env);

// "host:port" / "[v6]:port" -> ListenAddress; nullopt when malformed.
std::optional<ListenAddress> parse_listen_address(std::string_view text);
// An app's upstream: "https://host[:port]" (a lone trailing '/' allowed); nullopt when malformed
// (other schemes, paths, userinfo).
std::optional<HttpsUrl> parse_upstream_url(std::string_view text);

}  // namespace ratls::proxy
