// The syntax of hosts and ports as users write them in URLs and listen addresses: port numbers,
// IP literals in canonical form, DNS names. Shared by the configuration and URL parsers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ratls::proxy {

// "1".."65535": digits only, no sign, no leading zero (config/schema.json has the same rule).
std::optional<std::uint16_t> parse_port(std::string_view text);

// Canonical text of an IP literal (inet_ntop), so "0:0:0:0:0:0:0:1" and "::1" compare equal;
// nullopt when `text` is not one. `loopback` (optional) tells whether it is a loopback address
// (127/8, ::1, ::ffff:127/104).
std::optional<std::string> canonical_ipv4(std::string_view text, bool* loopback = nullptr);
std::optional<std::string> canonical_ipv6(std::string_view text, bool* loopback = nullptr);

// A host name to look up: dot-separated labels of letters, digits, '-' and '_' (1..63 each, not
// starting or ending with '-'), 253 characters at most. A numeric last label makes it an IPv4
// literal, valid only as one ("1.2.3" or "256.0.0.1" is neither).
bool valid_dns_name(std::string_view host);

}  // namespace ratls::proxy
