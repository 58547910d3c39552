// `https://HOST[:PORT][/path]` as users type it for `verify`: host (IPv6 in brackets), port.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ratls::proxy {

struct HttpsUrl {
  std::string host;  // without brackets
  std::uint16_t port = 443;
  std::string authority() const;  // host[:port] as written back (brackets for IPv6)
};

// nullopt unless the scheme is https and host/port are well-formed.
std::optional<HttpsUrl> parse_https_url(std::string_view url);

}  // namespace ratls::proxy
