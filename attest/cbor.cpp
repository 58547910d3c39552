#include "attest/cbor.h"

namespace ratls::attest {

std::optional<CborReader::Head> CborReader::head() {
  if (pos_ >= data_.size()) return std::nullopt;
  const std::uint8_t initial = data_[pos_];
  const auto major = static_cast<Major>(initial >> 5);
  const std::uint8_t info = initial & 0x1f;
  std::size_t extra = 0;
  if (info < 24) {
    extra = 0;
  } else if (info == 24) {
    extra = 1;
  } else if (info == 25) {
    extra = 2;
  } else if (info == 26) {
    extra = 4;
  } else if (info == 27) {
    extra = 8;
  } else {
    return std::nullopt;  // 28-30 reserved, 31 indefinite length: not used by DICE evidence
  }
  if (data_.size() - pos_ - 1 < extra) return std::nullopt;
  std::uint64_t value = info < 24 ? info : 0;
  for (std::size_t i = 0; i < extra; ++i) value = (value << 8) | data_[pos_ + 1 + i];
  pos_ += 1 + extra;
  return Head{major, value};
}

std::optional<ByteView> CborReader::bytes() {
  const std::size_t start = pos_;
  auto h = head();
  if (!h || h->major != Major::kBytes || h->value > data_.size() - pos_) {
    pos_ = start;
    return std::nullopt;
  }
  ByteView out = data_.subspan(pos_, static_cast<std::size_t>(h->value));
  pos_ += static_cast<std::size_t>(h->value);
  return out;
}

std::optional<std::string_view> CborReader::text() {
  const std::size_t start = pos_;
  auto h = head();
  if (!h || h->major != Major::kText || h->value > data_.size() - pos_) {
    pos_ = start;
    return std::nullopt;
  }
  std::string_view out = as_chars(data_.subspan(pos_, static_cast<std::size_t>(h->value)));
  pos_ += static_cast<std::size_t>(h->value);
  return out;
}

std::optional<std::uint64_t> CborReader::unsigned_int() {
  const std::size_t start = pos_;
  auto h = head();
  if (!h || h->major != Major::kUnsigned) {
    pos_ = start;
    return std::nullopt;
  }
  return h->value;
}

bool CborReader::skip(int depth) {
  if (depth <= 0) return false;
  auto h = head();
  if (!h) return false;
  switch (h->major) {
    case Major::kUnsigned:
    case Major::kNegative:
    case Major::kSimple:
      return true;
    case Major::kBytes:
    case Major::kText:
      if (h->value > data_.size() - pos_) return false;
      pos_ += static_cast<std::size_t>(h->value);
      return true;
    case Major::kArray:
    case Major::kMap: {
      // Every item takes at least one byte: a count beyond the remaining bytes is malformed.
      std::uint64_t items = h->value;
      if (h->major == Major::kMap) {
        if (items > (data_.size() - pos_) / 2) return false;
        items *= 2;
      }
      if (items > data_.size() - pos_) return false;
      for (std::uint64_t i = 0; i < items; ++i) {
        if (!skip(depth - 1)) return false;
      }
      return true;
    }
    case Major::kTag:
      return skip(depth - 1);
  }
  return false;
}

}  // namespace ratls::attest
