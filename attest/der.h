// A minimal bounds-checked DER reader (definite lengths only), for the few ASN.1 structures OpenSSL
// has no typed API for: the PCK SGX extension and RA-TLS extensions.
#pragma once

#include <cstdint>
#include <optional>

#include "attest/bytes.h"

namespace ratls::attest {

struct DerElement {
  std::uint8_t tag = 0;  // single-byte tags only (high-tag-number form is rejected)
  ByteView content;      // the value bytes
  ByteView whole;        // tag + length + value
};

class DerReader {
 public:
  explicit DerReader(ByteView data) : data_(data) {}
  bool empty() const { return pos_ >= data_.size(); }
  // Next element, or nullopt when the encoding is malformed (truncated, indefinite or oversized
  // length, non-minimal long-form length). Does not advance on failure.
  std::optional<DerElement> next();

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

namespace der_tag {
inline constexpr std::uint8_t kBoolean = 0x01;
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kEnumerated = 0x0a;
inline constexpr std::uint8_t kSequence = 0x30;
}  // namespace der_tag

// Non-negative INTEGER/ENUMERATED content as uint64, nullopt when negative or larger than 64 bits.
std::optional<std::uint64_t> der_unsigned(ByteView content);

}  // namespace ratls::attest
