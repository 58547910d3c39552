// Small text helpers the gateway's parsers share (Host names, header tokens, URLs).
#pragma once

#include <string>
#include <string_view>

namespace ratls::proxy {

// ASCII lowercase; other bytes unchanged (header names and host names are ASCII).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace ratls::proxy
