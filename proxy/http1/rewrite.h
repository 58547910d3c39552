// Header rewriting between the browser's view (http://<app>.localhost:PORT) and the upstream's
// (https://host[:port]): proxy-notes §4. Works on the gateway's own header fields; no I/O.
#pragma once

#include "proxy/http1/fields.h"

#include <optional>
#include <string>
#include <string_view>

namespace ratls::proxy {

// Views: the caller keeps the strings (the upstream's are computed once per configuration).
struct Origins {
  std::string_view client;              // "http://demo.localhost:7443" (what the browser uses)
  std::string_view upstream;            // "https://app.example:8443" (port omitted when 443)
  std::string_view upstream_authority;  // "app.example:8443" (Host header and SNI name)
};

// Removes hop-by-hop fields (RFC 9110 §7.6.1: Connection and the fields it names, Keep-Alive,
// Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Upgrade, HTTP2-Settings)
// and the peer's framing fields (Content-Length, Transfer-Encoding): the gateway writes framing
// from its own decision. `keep_upgrade` keeps Upgrade (and "Connection: upgrade") for a WebSocket
// handshake.
void strip_hop_by_hop(http1::Fields& f, bool keep_upgrade);

// Request to the upstream: Host, Origin and Referer moved to the upstream's origin.
void rewrite_request_headers(http1::Fields& f, const Origins& o);

// Response to the browser: Location, Content-Location, Refresh and Access-Control-Allow-Origin
// pointing at the upstream moved back to the gateway; Set-Cookie Domain removed (the cookie then
// belongs to <app>.localhost); Strict-Transport-Security and Alt-Svc dropped (they would point
// browsers at https on localhost, or elsewhere).
void rewrite_response_headers(http1::Fields& f, const Origins& o);

// A URL with the upstream origin as prefix gets the client origin instead (others unchanged).
std::string map_upstream_url(std::string_view url, const Origins& o);
// Set-Cookie value without any Domain attribute.
std::string strip_cookie_domain(std::string_view set_cookie);

// True when the request asks for a WebSocket upgrade (Connection: upgrade, Upgrade: websocket).
bool is_websocket_upgrade(const http1::Fields& f);

}  // namespace ratls::proxy
