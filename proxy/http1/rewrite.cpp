#include "proxy/http1/rewrite.h"
#include "proxy/common/text.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace ratls::proxy {

namespace {

std::string_view trim(std::string_view s) {
  return http1::trim_ows(s);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         ascii_lower(s.substr(0, prefix.size())) == ascii_lower(prefix);
}

}  // namespace

bool is_websocket_upgrade(const http1::Fields& f) {
  return f.has_token("Connection", "upgrade") && f.has_token("Upgrade", "websocket");
}

void strip_hop_by_hop(http1::Fields& f, bool keep_upgrade) {
  for (const std::string& named : f.list("Connection")) {
    if (keep_upgrade && named == "upgrade") continue;
    // Host is rewritten, never removed: a "Connection: host" must not leave the request without.
    if (named == "host") continue;
    f.erase(named);
  }
  for (std::string_view h :
       {"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "HTTP2-Settings", "Content-Length", "Transfer-Encoding"}) {
    f.erase(h);
  }
  if (keep_upgrade) {
    f.set("Connection", "upgrade");
  } else {
    f.erase("Upgrade");
  }
}

std::string map_upstream_url(std::string_view url, const Origins& o) {
  if (!starts_with_ci(url, o.upstream)) return std::string(url);
  const std::string_view rest = url.substr(o.upstream.size());
  // Only the exact origin: "https://app.example:8443evil" is another host.
  if (!rest.empty() && rest.front() != '/' && rest.front() != '?' && rest.front() != '#')
    return std::string(url);
  return std::string(o.client).append(rest);
}

std::string strip_cookie_domain(std::string_view cookie) {
  std::string out;
  std::string_view rest = cookie;
  bool first = true;
  while (true) {
    const auto semi = rest.find(';');
    const std::string_view part = rest.substr(0, semi);
    const std::string_view attr = trim(part);
    if (first || !starts_with_ci(attr, "domain")) {
      if (!first) out += ";";
      out += std::string(first ? part : std::string_view(part));
    } else {
      // "Domain" alone or "Domain=..." only; "Domainx=..." is some other attribute.
      const std::string_view after = trim(attr.substr(6));
      if (!after.empty() && after.front() != '=') out += ";" + std::string(part);
    }
    first = false;
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return out;
}

void rewrite_request_headers(http1::Fields& f, const Origins& o) {
  f.set("Host", std::string(o.upstream_authority));
  if (const std::string* origin = f.find("Origin"); origin != nullptr && *origin != "null") {
    f.set("Origin", std::string(o.upstream));
  }
  if (const std::string* referer = f.find("Referer")) {
    const std::string ref = *referer;
    if (starts_with_ci(ref, o.client)) {
      f.set("Referer", std::string(o.upstream).append(ref.substr(o.client.size())));
    } else {
      f.erase("Referer");  // never leak other sites' URLs to the enclave app
    }
  }
  // Our own loopback identity is meaningless upstream.
  f.erase("Forwarded");
  f.erase("X-Forwarded-For");
}

void rewrite_response_headers(http1::Fields& f, const Origins& o) {
  for (std::string_view h : {"Location", "Content-Location"}) {
    if (const std::string* v = f.find(h)) f.set(h, map_upstream_url(*v, o));
  }
  if (const std::string* refresh = f.find("Refresh")) {
    // "5; url=https://upstream/next"
    std::string v(*refresh);
    const auto pos = ascii_lower(v).find("url=");
    if (pos != std::string::npos)
      v = v.substr(0, pos + 4) + map_upstream_url(std::string_view(v).substr(pos + 4), o);
    f.set("Refresh", v);
  }
  if (const std::string* acao = f.find("Access-Control-Allow-Origin")) {
    if (ascii_lower(*acao) == ascii_lower(o.upstream))
      f.set("Access-Control-Allow-Origin", std::string(o.client));
  }
  // In place: the order of fields (several Set-Cookie among them) is kept.
  for (http1::Field& field : f) {
    if (http1::iequals(field.name, "Set-Cookie")) field.value = strip_cookie_domain(field.value);
  }
  f.erase("Strict-Transport-Security");
  f.erase("Alt-Svc");
}

}  // namespace ratls::proxy
