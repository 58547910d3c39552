// `ratls-gateway run`: the daemon, from a configuration file.
#pragma once

#include <ostream>
#include <string>

namespace ratls::proxy {

struct RunOptions {
  std::string config_path;  // empty: the default path
  std::string log_level = "info";
  int threads = 0;  // event loops; 0: one per core, at most 4
};

// Exit status: 0 after a clean stop, 1 when it cannot start (one-line reason on `err`), 2 for a
// configuration error.
int run_gateway(const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
