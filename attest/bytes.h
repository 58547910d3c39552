// Byte containers and hex helpers shared by every attest/ parser.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ratls::attest {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lowercase hex of every byte, in byte order.
std::string to_hex(ByteView bytes);
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& a) {
  return to_hex(ByteView(a.data(), N));
}

// `text` with its control characters written out: C0 and DEL as \xNN, C1 (UTF-8 C2 80..9F) as
// \u00NN. Names a peer chose go into messages, logs and terminals; this keeps them one inert line.
std::string escape_controls(std::string_view text);

// Strict hex: even length, [0-9a-fA-F] only, no whitespace. nullopt otherwise.
std::optional<Bytes> from_hex(std::string_view hex);

// Hex of exactly N bytes, or nullopt.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> from_hex_fixed(std::string_view hex) {
  auto b = from_hex(hex);
  if (!b || b->size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = (*b)[i];
  return out;
}

// Standard base64 (RFC 4648, padding optional, whitespace ignored). nullopt on any other character.
std::optional<Bytes> from_base64(std::string_view text);

}  // namespace ratls::attest
