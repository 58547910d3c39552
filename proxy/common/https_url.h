// `https://HOST[:PORT][/path][?query]` as users write it (an app's upstream, a PCCS base URL,
// `verify https://...`) and as the PCS client requests it. One strict parser for all of them: the
// scheme must be https, no user info, the host a DNS name (lowercased) or an IP literal (canonical
// form; IPv6 in brackets), the port 1..65535.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ratls::proxy {

struct HttpsUrl {
  std::string host;  // lowercase name or canonical IP literal, without brackets
  std::uint16_t port = 443;
  std::string rest;  // from the first '/', '?' or '#' on, as written; empty when there is none
  std::string authority() const;  // host[:port] as written back (brackets for IPv6)
};

// nullopt when malformed, with `why` saying what is wrong ("only https:// is supported", "port
// must be 1..65535", ...).
std::optional<HttpsUrl> parse_https_url(std::string_view url, std::string& why);
std::optional<HttpsUrl> parse_https_url(std::string_view url);

}  // namespace ratls::proxy
