// `ratls-gateway demo`: a simulated enclave app with the gateway in front of it, nothing to
// configure. Everything it shows is marked SIMULATED.
#pragma once

#include <ostream>
#include <string>

namespace ratls::proxy {

struct DemoOptions {
  std::string listen = "127.0.0.1:7443";
  std::string state_dir;  // empty: $XDG_STATE_HOME/ratls-gateway/demo
  std::string log_level = "info";
};

// Exit status as `run`'s.
int run_demo(const DemoOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
