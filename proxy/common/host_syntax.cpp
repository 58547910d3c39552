#include "proxy/common/host_syntax.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace ratls::proxy {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || text.front() == '0') return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<std::string> canonical_ipv4(std::string_view text, bool* loopback) {
  in_addr a{};
  if (inet_pton(AF_INET, std::string(text).c_str(), &a) != 1) return std::nullopt;
  char buf[INET_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET, &a, buf, sizeof buf) == nullptr) return std::nullopt;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&a.s_addr);
  if (loopback != nullptr) *loopback = bytes[0] == 127;
  return std::string(buf);
}

std::optional<std::string> canonical_ipv6(std::string_view text, bool* loopback) {
  in6_addr a{};
  if (inet_pton(AF_INET6, std::string(text).c_str(), &a) != 1) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, &a, buf, sizeof buf) == nullptr) return std::nullopt;
  if (loopback != nullptr) {
    static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const bool is_one = std::memcmp(&a, &in6addr_loopback, sizeof a) == 0;
    const bool mapped_127 =
        std::memcmp(a.s6_addr, kMappedPrefix, sizeof kMappedPrefix) == 0 && a.s6_addr[12] == 127;
    *loopback = is_one || mapped_127;
  }
  return std::string(buf);
}

bool valid_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  std::string_view last;
  while (true) {
    const auto dot = host.find('.', start);
    const std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    }
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // WHATWG URL rule: a numeric last label makes it an IPv4 literal.
  const bool numeric =
      std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
  return !numeric || canonical_ipv4(host, nullptr).has_value();
}

}  // namespace ratls::proxy
