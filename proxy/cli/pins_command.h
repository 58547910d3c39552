// `ratls-gateway pins list|accept APP|forget APP` and `ratls-gateway status`: managing trust
// decisions and reading the daemon's state from the command line while it runs.
#pragma once

#include <ostream>
#include <string>

namespace ratls::proxy {

struct PinsOptions {
  std::string action;  // list | accept | forget
  std::string app;
  std::string config_path;  // empty: the default configuration
  std::string state_dir;    // overrides the configuration's
  bool json = false;
};

struct StatusOptions {
  std::string config_path;
  std::string url;  // http://127.0.0.1:PORT (default: the configuration's first listen address)
  bool json = false;
};

// Exit status: 0 done, 1 nothing to do (no such pin / pending candidate), 2 unusable input.
int run_pins(const PinsOptions& options, std::ostream& out, std::ostream& err);
// Exit status: 0 the daemon answered, 1 it did not (not running?), 2 unusable input.
int run_status(const StatusOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
