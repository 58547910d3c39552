#include "proxy/server/routing.h"
#include "proxy/common/text.h"

#include <algorithm>
#include <cctype>

namespace ratls::proxy {

namespace {

bool is_loopback_name(std::string_view name) {
  return name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

}  // namespace

Route route_request(std::string_view host_header, const std::vector<std::string>& app_names,
                    const std::optional<std::string>& dedicated_app) {
  Route r;
  r.host = ascii_lower(host_header);
  std::string_view host = r.host;
  if (host.empty() || host.size() > 255 || host.find_first_of(" \t/@\\") != std::string_view::npos)
    return r;
  // Split off ":port" (IPv6 literals are bracketed).
  std::string_view name = host;
  const auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit))
      return r;
    name = host.substr(0, colon);
  }
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);  // "localhost." is the same name
  if (name.empty()) return r;
  if (is_loopback_name(name)) {
    if (dedicated_app) {
      r.kind = Route::Kind::kApp;
      r.app = *dedicated_app;
    } else {
      r.kind = Route::Kind::kStatus;
    }
    return r;
  }
  constexpr std::string_view kSuffix = ".localhost";
  if (name.size() > kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix) {
    const std::string label(name.substr(0, name.size() - kSuffix.size()));
    const bool known = std::find(app_names.begin(), app_names.end(), label) != app_names.end();
    if (known && (!dedicated_app || *dedicated_app == label)) {
      r.kind = Route::Kind::kApp;
      r.app = label;
    } else {
      r.kind = Route::Kind::kUnknownApp;
      r.app = label;
    }
    return r;
  }
  r.kind = Route::Kind::kForeignHost;
  return r;
}

std::string cross_site_refusal(std::string_view method, bool websocket,
                               std::string_view origin_header, std::string_view sec_fetch_site,
                               const std::string& host) {
  const bool safe = (method == "GET" || method == "HEAD") && !websocket;
  if (safe) return {};
  if (ascii_lower(sec_fetch_site) == "cross-site") {
    return "the browser marked this " + std::string(method) +
           " request as cross-site (Sec-Fetch-Site)";
  }
  if (origin_header.empty()) return {};  // not sent by a browser on behalf of another site
  if (ascii_lower(origin_header) != "http://" + host &&
      ascii_lower(origin_header) != "https://" + host) {
    return "a " + std::string(websocket ? "WebSocket" : std::string(method)) +
           " request from origin " + std::string(origin_header) + " may not reach this app";
  }
  return {};
}

}  // namespace ratls::proxy
