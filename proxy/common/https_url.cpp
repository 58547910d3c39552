#include "proxy/common/https_url.h"

#include <boost/url/parse.hpp>

#include "proxy/common/host_syntax.h"
#include "proxy/common/text.h"

namespace ratls::proxy {

namespace {

// Boost.URL decides whether the text is a URI; when it is not, this names the most likely
// mistake in the authority ("host[:port]") in words a user acts on, instead of a grammar error.
std::string reason_for_malformed(std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) return "no user info allowed";
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return "unexpected text after ']'";
    if (!canonical_ipv6(authority.substr(1, close - 1))) {
      return "not an IPv6 address between the brackets";
    }
    return "port must be 1..65535";
  }
  const auto colon = authority.find(':');
  if (colon != std::string_view::npos) {
    if (authority.find(':', colon + 1) != std::string_view::npos) {
      return "IPv6 addresses go in brackets, as in \"https://[2001:db8::1]:8443\"";
    }
    if (!parse_port(authority.substr(colon + 1))) return "port must be 1..65535";
  }
  return "invalid host name";
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
  const std::string_view after_scheme = url.substr(kScheme.size());
  const std::string_view written_authority =
      after_scheme.substr(0, after_scheme.find_first_of("/?#"));
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    if (written_authority.empty()) {
      why = "missing host";
    } else if (boost::urls::parse_uri(std::string(kScheme) + std::string(written_authority))) {
      why =
          "the path or query is not valid URL syntax (spaces and other such characters must be "
          "percent-encoded)";
    } else {
      why = reason_for_malformed(written_authority);
    }
    return std::nullopt;
  }
  const boost::urls::url_view& u = *parsed;
  // The authority must be all the text up to the first '/', '?' or '#' ("[::1]x" is not one).
  if (u.encoded_authority() != written_authority) {
    why = reason_for_malformed(written_authority);
    return std::nullopt;
  }
  // The project's rules on top of the URI grammar.
  if (u.has_userinfo()) {
    why = "no user info allowed";
    return std::nullopt;
  }
  HttpsUrl out;
  switch (u.host_type()) {
    case boost::urls::host_type::ipv6: {
      const auto canonical = canonical_ipv6(u.encoded_host_address());
      if (!canonical) {
        why = "not an IPv6 address between the brackets";
        return std::nullopt;
      }
      out.host = *canonical;
      break;
    }
    case boost::urls::host_type::ipv4:
      out.host = std::string(u.encoded_host());  // dotted decimal, as the grammar requires
      break;
    case boost::urls::host_type::name: {
      const std::string_view name = u.encoded_host();
      if (name.empty()) {
        // "https://::1" parses as an empty host with port ":1".
        why = written_authority.find(':') != written_authority.rfind(':')
                  ? reason_for_malformed(written_authority)
                  : "missing host";
        return std::nullopt;
      }
      // Percent-encoding, "127.1"-style shorthands and other non-DNS names are refused here.
      if (!valid_dns_name(name)) {
        why = "invalid host name";
        return std::nullopt;
      }
      out.host = ascii_lower(name);
      break;
    }
    default:  // IPvFuture, or no host at all
      why = written_authority.empty() ? "missing host" : "invalid host name";
      return std::nullopt;
  }
  if (u.has_port()) {
    const auto p = parse_port(u.port());  // 1..65535, digits only, no leading zero
    if (!p) {
      why = "port must be 1..65535";
      return std::nullopt;
    }
    out.port = *p;
  }
  out.rest = std::string(after_scheme.substr(u.encoded_authority().size()));
  return out;
}

std::optional<HttpsUrl> parse_https_url(std::string_view url) {
  std::string why;
  return parse_https_url(url, why);
}

}  // namespace ratls::proxy
