#include "proxy/http_rewrite.h"
#include "proxy/text.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace ratls::proxy {

namespace http = boost::beast::http;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Comma-separated tokens of every instance of `field`, lowercased.
std::vector<std::string> tokens(const http::fields& f, http::field field) {
  std::vector<std::string> out;
  for (auto it = f.find(field); it != f.end() && it->name() == field; ++it) {
    std::string_view v = it->value();
    while (!v.empty()) {
      const auto comma = v.find(',');
      const std::string_view t = trim(v.substr(0, comma));
      if (!t.empty()) out.push_back(ascii_lower(t));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         ascii_lower(s.substr(0, prefix.size())) == ascii_lower(prefix);
}

}  // namespace

bool is_websocket_upgrade(const http::fields& f) {
  const auto conn = tokens(f, http::field::connection);
  const auto up = tokens(f, http::field::upgrade);
  return std::find(conn.begin(), conn.end(), "upgrade") != conn.end() &&
         std::find(up.begin(), up.end(), "websocket") != up.end();
}

void strip_hop_by_hop(http::fields& f, bool keep_upgrade) {
  for (const std::string& named : tokens(f, http::field::connection)) {
    if (keep_upgrade && named == "upgrade") continue;
    if (named == "content-length" || named == "transfer-encoding") continue;  // framing stays
    f.erase(named);
  }
  f.erase(http::field::connection);
  for (http::field h :
       {http::field::keep_alive, http::field::proxy_connection, http::field::proxy_authenticate,
        http::field::proxy_authorization, http::field::te, http::field::trailer}) {
    f.erase(h);
  }
  if (keep_upgrade) {
    f.set(http::field::connection, "upgrade");
  } else {
    f.erase(http::field::upgrade);
  }
}

std::string map_upstream_url(std::string_view url, const Origins& o) {
  if (!starts_with_ci(url, o.upstream)) return std::string(url);
  const std::string_view rest = url.substr(o.upstream.size());
  // Only the exact origin: "https://app.example:8443evil" is another host.
  if (!rest.empty() && rest.front() != '/' && rest.front() != '?' && rest.front() != '#')
    return std::string(url);
  return o.client + std::string(rest);
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

void rewrite_request_headers(http::fields& f, const Origins& o) {
  f.set(http::field::host, o.upstream_authority);
  if (auto it = f.find(http::field::origin); it != f.end() && it->value() != "null") {
    f.set(http::field::origin, o.upstream);
  }
  if (auto it = f.find(http::field::referer); it != f.end()) {
    const std::string_view ref = it->value();
    if (starts_with_ci(ref, o.client)) {
      f.set(http::field::referer, o.upstream + std::string(ref.substr(o.client.size())));
    } else {
      f.erase(http::field::referer);  // never leak other sites' URLs to the enclave app
    }
  }
  // Our own loopback identity is meaningless upstream.
  f.erase(http::field::forwarded);
  f.erase("X-Forwarded-For");
}

void rewrite_response_headers(http::fields& f, const Origins& o) {
  for (http::field h : {http::field::location, http::field::content_location}) {
    if (auto it = f.find(h); it != f.end()) f.set(h, map_upstream_url(it->value(), o));
  }
  if (auto it = f.find("Refresh"); it != f.end()) {
    // "5; url=https://upstream/next"
    std::string v(it->value());
    const auto pos = ascii_lower(v).find("url=");
    if (pos != std::string::npos)
      v = v.substr(0, pos + 4) + map_upstream_url(std::string_view(v).substr(pos + 4), o);
    f.set("Refresh", v);
  }
  if (auto it = f.find(http::field::access_control_allow_origin); it != f.end()) {
    if (ascii_lower(it->value()) == ascii_lower(o.upstream))
      f.set(http::field::access_control_allow_origin, o.client);
  }
  std::vector<std::string> cookies;
  for (auto it = f.find(http::field::set_cookie);
       it != f.end() && it->name() == http::field::set_cookie; ++it) {
    cookies.push_back(strip_cookie_domain(it->value()));
  }
  f.erase(http::field::set_cookie);
  for (const auto& c : cookies) f.insert(http::field::set_cookie, c);
  f.erase(http::field::strict_transport_security);
  f.erase("Alt-Svc");
}

}  // namespace ratls::proxy
