#include "proxy/server/reload_limits.h"

#include <algorithm>

namespace ratls::proxy {

std::vector<std::string> changes_needing_restart(const Config& running, const Config& next,
                                                 bool socket_activated) {
  std::vector<std::string> out;
  const auto same_address = [](const ListenAddress& a, const ListenAddress& b) {
    return a.text == b.text;
  };
  if (!socket_activated &&
      (next.listen.size() != running.listen.size() ||
       !std::equal(next.listen.begin(), next.listen.end(), running.listen.begin(), same_address))) {
    out.push_back("listen addresses changed: restart the gateway to apply them");
  }
  if (next.state_dir != running.state_dir) {
    out.push_back("state_dir changed: restart the gateway to apply it");
  }
  if (next.header_timeout != running.header_timeout || next.idle_timeout != running.idle_timeout ||
      next.tunnel_idle_timeout != running.tunnel_idle_timeout ||
      next.connect_timeout != running.connect_timeout) {
    out.push_back("http timeouts changed: restart the gateway to apply them");
  }
  return out;
}

}  // namespace ratls::proxy
