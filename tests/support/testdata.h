// Access to the real vectors in tests/data/real (provenance: tests/data/real/PROVENANCE.md) and
// small helpers shared by tests.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "attest/bytes.h"
#include "attest/time.h"

namespace ratls::test {

// Absolute path of a file under the real test data directory.
std::string real_path(std::string_view relative);
// Whole file content; fails the current test (and returns empty) if it cannot be read.
attest::Bytes read_bytes(const std::string& path);
std::string read_text(const std::string& path);
// parse_rfc3339 that fails the test on bad input.
attest::UnixTime at(std::string_view rfc3339);

// A 32-byte measurement (MRENCLAVE, MRSIGNER, report data half) with every byte `v`.
inline std::array<std::uint8_t, 32> filled(std::uint8_t v) {
  std::array<std::uint8_t, 32> a{};
  a.fill(v);
  return a;
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace ratls::test
