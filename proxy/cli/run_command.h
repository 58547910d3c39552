// `ratls-gateway run` (the daemon, from a configuration file) and `ratls-gateway demo` (a
// simulated enclave app with the gateway in front of it, nothing to configure).
#pragma once

#include <ostream>
#include <string>

namespace ratls::proxy {

struct RunOptions {
  std::string config_path;  // empty: the default path
  std::string log_level = "info";
  int threads = 0;  // event loops; 0: one per core, at most 4
};

struct DemoOptions {
  std::string listen = "127.0.0.1:7443";
  std::string state_dir;  // empty: $XDG_STATE_HOME/ratls-gateway/demo
  std::string log_level = "info";
};

// Exit status: 0 after a clean stop, 1 when it cannot start (one-line reason on `err`), 2 for a
// configuration error.
int run_gateway(const RunOptions& options, std::ostream& out, std::ostream& err);
int run_demo(const DemoOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
