// `ratls-gateway status`: the running daemon's view of each app, read from its status.json.
#pragma once

#include <ostream>
#include <string>

namespace ratls::proxy {

struct StatusOptions {
  std::string config_path;
  std::string url;  // http://127.0.0.1:PORT (default: the configuration's first listen address)
  bool json = false;
};

// Exit status: 0 the daemon answered, 1 it did not (not running?), 2 unusable input.
int run_status(const StatusOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
