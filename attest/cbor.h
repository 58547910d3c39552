// A minimal bounds-checked CBOR (RFC 8949) reader for the TCG DICE tagged-evidence extension of
// Gramine RA-TLS certificates: definite lengths only, nesting bounded, no floats needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "attest/bytes.h"

namespace ratls::attest {

class CborReader {
 public:
  enum class Major : std::uint8_t {
    kUnsigned = 0,
    kNegative = 1,
    kBytes = 2,
    kText = 3,
    kArray = 4,
    kMap = 5,
    kTag = 6,
    kSimple = 7,
  };
  struct Head {
    Major major;
    std::uint64_t value;  // the integer, length, count or tag number
  };

  explicit CborReader(ByteView data) : data_(data) {}
  bool at_end() const { return pos_ == data_.size(); }
  std::size_t position() const { return pos_; }

  // Reads an item head; nullopt when truncated, indefinite-length or reserved.
  std::optional<Head> head();
  // A byte or text string's content (after its head); nullopt when truncated or of another type.
  std::optional<ByteView> bytes();
  std::optional<std::string_view> text();
  std::optional<std::uint64_t> unsigned_int();
  // Skips one whole item (nested up to `depth` levels); false when malformed.
  bool skip(int depth = 16);

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

}  // namespace ratls::attest
