// Which app a request is for, from its Host header, and the guards that protect loopback apps from
// other web sites: the Host allowlist (DNS rebinding) and the Origin check (cross-site requests).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ratls::proxy {

struct Route {
  enum class Kind {
    kStatus,      // localhost itself: the status page
    kApp,         // <app>.localhost, or any loopback name on an app's dedicated listener
    kUnknownApp,  // <name>.localhost with no such app (404)
    kBadHost,     // missing or malformed Host (400)
    kForeignHost  // a name that is not ours, e.g. after DNS rebinding (421)
  };
  Kind kind = Kind::kBadHost;
  std::string app;
  std::string host;  // the Host header as the client sent it, lowercased ("demo.localhost:7443")
};

Route route_request(std::string_view host_header, const std::vector<std::string>& app_names,
                    const std::optional<std::string>& dedicated_app);

// A request the gateway must refuse because another site sent it: any method but GET/HEAD, or a
// WebSocket handshake, whose Origin is not the gateway's own origin for `host` ("null" included),
// or that the browser labels Sec-Fetch-Site: cross-site. Empty when allowed, else a reason.
std::string cross_site_refusal(std::string_view method, bool websocket,
                               std::string_view origin_header, std::string_view sec_fetch_site,
                               const std::string& host);

}  // namespace ratls::proxy
