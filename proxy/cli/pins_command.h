// `ratls-gateway pins list|accept APP|forget APP`: managing trust decisions from the command line,
// while the daemon runs or not.
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

// Exit status: 0 done, 1 nothing to do (no such pin / pending candidate), 2 unusable input.
int run_pins(const PinsOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
