#include "proxy/http1/chunked.h"

namespace ratls::proxy::http1 {

namespace {

// A chunk-size line (size and extensions) longer than this is refused: extensions are not used
// by anything the gateway serves, and an unbounded line would be unbounded memory.
constexpr std::size_t kMaxSizeLine = 4096;
constexpr std::size_t kMaxSizeDigits = 15;  // below 2^60

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void skip_bws(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

std::string_view take_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_tchar(static_cast<unsigned char>(s[n]))) ++n;
  const std::string_view t = s.substr(0, n);
  s.remove_prefix(n);
  return t;
}

// quoted-string (RFC 9110 §5.6.4); false when malformed.
bool take_quoted(std::string_view& s) {
  if (s.empty() || s.front() != '"') return false;
  std::size_t i = 1;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      s.remove_prefix(i + 1);
      return true;
    }
    if (c == '\\') {
      if (i + 1 >= s.size() || !is_field_value_byte(static_cast<unsigned char>(s[i + 1])))
        return false;
      i += 2;
      continue;
    }
    if (!is_field_value_byte(c)) return false;
    ++i;
  }
  return false;
}

}  // namespace

ChunkedDecoder::Step ChunkedDecoder::fail(std::string reason) {
  state_ = State::kFailed;
  error_ = std::move(reason);
  return Step{Step::Kind::kError, 0, {}};
}

// chunk-size [ chunk-ext ], chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ).
bool ChunkedDecoder::parse_size_line(std::string_view line) {
  std::size_t digits = 0;
  std::uint64_t size = 0;
  bool significant = false;
  while (!line.empty() && hex_value(line.front()) >= 0) {
    const int v = hex_value(line.front());
    significant = significant || v != 0;
    if (significant && ++digits > kMaxSizeDigits) {
      error_ = "a chunk size is too large";
      return false;
    }
    size = size * 16 + static_cast<std::uint64_t>(v);
    line.remove_prefix(1);
  }
  remaining_ = size;
  while (!line.empty()) {
    skip_bws(line);
    if (line.empty() || line.front() != ';') {
      error_ = "a malformed chunk size or extension";
      return false;
    }
    line.remove_prefix(1);
    skip_bws(line);
    if (take_token(line).empty()) {
      error_ = "a chunk extension without a name";
      return false;
    }
    std::string_view look = line;
    skip_bws(look);
    if (!look.empty() && look.front() == '=') {
      look.remove_prefix(1);
      skip_bws(look);
      if (!look.empty() && look.front() == '"') {
        if (!take_quoted(look)) {
          error_ = "a malformed quoted chunk extension value";
          return false;
        }
      } else if (take_token(look).empty()) {
        error_ = "a chunk extension without a value after '='";
        return false;
      }
      line = look;
    }
  }
  return true;
}

ChunkedDecoder::Step ChunkedDecoder::next(std::string_view in) {
  std::size_t used = 0;
  for (;;) {
    const std::string_view rest = in.substr(used);
    switch (state_) {
      case State::kDone:
        return Step{Step::Kind::kDone, used, {}};
      case State::kFailed:
        return Step{Step::Kind::kError, used, {}};
      case State::kSizeLine:
      case State::kTrailer: {
        const bool trailer = state_ == State::kTrailer;
        const std::size_t bound = trailer ? limits_.max_bytes - trailer_bytes_ : kMaxSizeLine;
        const auto lf = rest.substr(0, bound).find('\n');
        if (lf == std::string_view::npos) {
          if (rest.size() >= bound) {
            return fail(trailer ? "the trailer section is too large"
                                : "a chunk size line is too long");
          }
          // A CR must be followed by LF: catch "5\rX" before more arrives.
          const auto cr = rest.find('\r');
          if (cr != std::string_view::npos && cr + 1 < rest.size())
            return fail("a bare CR in chunked framing");
          return Step{Step::Kind::kNeedMore, used, {}};
        }
        if (lf == 0 || rest[lf - 1] != '\r') return fail("a bare LF in chunked framing");
        const std::string_view line = rest.substr(0, lf - 1);
        if (line.find('\r') != std::string_view::npos) return fail("a bare CR in chunked framing");
        used += lf + 1;
        if (!trailer) {
          if (line.empty() || hex_value(line.front()) < 0)
            return fail("a chunk size is not hexadecimal");
          if (!parse_size_line(line)) return fail(error_);
          state_ = remaining_ == 0 ? State::kTrailer : State::kData;
          continue;
        }
        if (line.empty()) {
          state_ = State::kDone;
          return Step{Step::Kind::kDone, used, {}};
        }
        trailer_bytes_ += lf + 1;
        if (++trailer_fields_ > limits_.max_fields) return fail("too many trailer fields");
        if (line.front() == ' ' || line.front() == '\t') return fail("a folded trailer field");
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
          return fail("a malformed trailer field");
        }
        for (char c : line.substr(colon + 1)) {
          if (!is_field_value_byte(static_cast<unsigned char>(c)))
            return fail("a control character in a trailer field");
        }
        continue;
      }
      case State::kData: {
        if (rest.empty()) return Step{Step::Kind::kNeedMore, used, {}};
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataEnd;
        return Step{Step::Kind::kData, used + n, rest.substr(0, n)};
      }
      case State::kDataEnd: {
        if (rest.empty()) return Step{Step::Kind::kNeedMore, used, {}};
        if (rest.front() != '\r') return fail("chunk data is not followed by CRLF");
        if (rest.size() < 2) return Step{Step::Kind::kNeedMore, used, {}};
        if (rest[1] != '\n') return fail("chunk data is not followed by CRLF");
        used += 2;
        state_ = State::kSizeLine;
        continue;
      }
    }
  }
}

std::string chunk_size_line(std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string digits;
  do {
    digits.insert(digits.begin(), kHex[size % 16]);
    size /= 16;
  } while (size > 0);
  return digits + "\r\n";
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  out += chunk_size_line(data.size());
  out += data;
  out += "\r\n";
}

}  // namespace ratls::proxy::http1
