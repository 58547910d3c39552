// Typed, bounds-checked access to the members of Intel's signed JSON documents (TCB info, enclave
// identity). Every failure throws AttestError with the document's format status and the member's
// path ("tcbInfo.tcbLevels[2].tcbDate: not an RFC 3339 date").
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "attest/bytes.h"
#include "attest/status.h"
#include "attest/time.h"

namespace ratls::attest {

class JsonFields {
 public:
  using json = nlohmann::json;
  explicit constexpr JsonFields(Status on_error) : status_(on_error) {}

  [[noreturn]] void bad(const std::string& path, const std::string& what) const;
  const json& member(const json& obj, const std::string& path, const char* key) const;
  const json& object_member(const json& obj, const std::string& path, const char* key) const;
  const json& array_member(const json& obj, const std::string& path, const char* key) const;
  std::string string_member(const json& obj, const std::string& path, const char* key) const;
  // A JSON integer in 0..max (floats, negatives and larger values are refused).
  std::uint64_t uint_member(const json& obj, const std::string& path, const char* key,
                            std::uint64_t max) const;
  UnixTime date_member(const json& obj, const std::string& path, const char* key) const;
  // "advisoryIDs" when present: an array of strings.
  std::vector<std::string> advisories(const json& obj, const std::string& path) const;

  template <std::size_t N>
  std::array<std::uint8_t, N> hex_member(const json& obj, const std::string& path,
                                         const char* key) const {
    auto bytes = from_hex_fixed<N>(string_member(obj, path, key));
    if (!bytes) bad(path + "." + key, "not " + std::to_string(N * 2) + " hex digits");
    return *bytes;
  }

  // Document text echoed in a message: printable ASCII only, bounded, so messages stay one line.
  static std::string shown(std::string_view s);

 private:
  Status status_;
};

}  // namespace ratls::attest
