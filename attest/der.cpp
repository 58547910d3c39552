#include "attest/der.h"

namespace ratls::attest {

std::optional<DerElement> DerReader::next() {
  const std::size_t start = pos_;
  std::size_t p = pos_;
  if (p >= data_.size()) return std::nullopt;
  const std::uint8_t tag = data_[p++];
  if ((tag & 0x1f) == 0x1f) return std::nullopt;  // high-tag-number form: never used here
  if (p >= data_.size()) return std::nullopt;
  const std::uint8_t first = data_[p++];
  std::size_t length = 0;
  if (first < 0x80) {
    length = first;
  } else {
    const std::size_t count = first & 0x7f;
    // 0x80 is BER's indefinite form; more than 4 length bytes cannot describe anything we accept.
    if (count == 0 || count > 4) return std::nullopt;
    if (count > data_.size() - p) return std::nullopt;
    if (data_[p] == 0) return std::nullopt;  // non-minimal: leading zero byte
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | data_[p++];
    if (length < 0x80) return std::nullopt;  // non-minimal: short form would have done
  }
  if (length > data_.size() - p) return std::nullopt;
  DerElement e;
  e.tag = tag;
  e.content = data_.subspan(p, length);
  e.whole = data_.subspan(start, p + length - start);
  pos_ = p + length;
  return e;
}

std::optional<std::uint64_t> der_unsigned(ByteView content) {
  if (content.empty()) return std::nullopt;
  if (content[0] & 0x80) return std::nullopt;  // negative
  std::size_t i = 0;
  // One leading zero is allowed (and required) before a byte with its top bit set.
  if (content.size() > 1 && content[0] == 0) {
    if ((content[1] & 0x80) == 0) return std::nullopt;  // non-minimal
    i = 1;
  }
  if (content.size() - i > 8) return std::nullopt;
  std::uint64_t v = 0;
  for (; i < content.size(); ++i) v = (v << 8) | content[i];
  return v;
}

}  // namespace ratls::attest
