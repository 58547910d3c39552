#include "proxy/common/https_url.h"

#include "proxy/common/host_syntax.h"
#include "proxy/common/text.h"

namespace ratls::proxy {

namespace {

// "host[:port]" of a URL into `out`; IPv6 in brackets, stored without them.
bool parse_authority(std::string_view authority, HttpsUrl& out, std::string& why) {
  if (authority.find('@') != std::string_view::npos) {
    why = "no user info allowed";
    return false;
  }
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "missing ']' after the IPv6 address";
      return false;
    }
    const auto canonical = canonical_ipv6(authority.substr(1, close - 1));
    if (!canonical) {
      why = "not an IPv6 address between the brackets";
      return false;
    }
    out.host = *canonical;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        why = "unexpected text after ']'";
        return false;
      }
      port = after.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
      if (port.find(':') != std::string_view::npos) {
        why = "IPv6 addresses go in brackets, as in \"https://[2001:db8::1]:8443\"";
        return false;
      }
    }
    if (host.empty()) {
      why = "missing host";
      return false;
    }
    if (!valid_dns_name(host)) {
      why = "invalid host name";
      return false;
    }
    // "127.1"-style shorthands are not valid names (above); a valid IPv4 literal is canonical.
    out.host = ascii_lower(host);
  }
  if (has_port) {
    const auto p = parse_port(port);
    if (!p) {
      why = "port must be 1..65535";
      return false;
    }
    out.port = *p;
  }
  return true;
}

}  // namespace

std::string HttpsUrl::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == 443 ? h : h + ":" + std::to_string(port);
}

std::optional<HttpsUrl> parse_https_url(std::string_view url, std::string& why) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size() || ascii_lower(url.substr(0, kScheme.size())) != kScheme) {
    why = url.find("://") != std::string_view::npos ? "only https:// is supported"
                                                    : "missing \"https://\"";
    return std::nullopt;
  }
  const std::string_view after = url.substr(kScheme.size());
  const auto end = after.find_first_of("/?#");
  HttpsUrl out;
  if (!parse_authority(after.substr(0, end), out, why)) return std::nullopt;
  if (end != std::string_view::npos) out.rest = std::string(after.substr(end));
  return out;
}

std::optional<HttpsUrl> parse_https_url(std::string_view url) {
  std::string why;
  return parse_https_url(url, why);
}

}  // namespace ratls::proxy
