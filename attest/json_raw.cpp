#include "attest/json_raw.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ratls::attest {

namespace {

// Intel's documents nest about 6 deep; the bound keeps the recursive scanner's stack small.
constexpr std::size_t kMaxDepth = 64;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// RFC 8259 recogniser over a string_view. Every read is checked against the end; recursion depth
// is bounded by kMaxDepth.
class Scanner {
 public:
  explicit Scanner(std::string_view doc) : doc_(doc) {}

  std::size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= doc_.size(); }
  char peek() const { return at_end() ? '\0' : doc_[pos_]; }

  void skip_ws() {
    while (!at_end() && is_ws(doc_[pos_])) ++pos_;
  }

  bool consume(char c) {
    if (peek() != c || at_end()) return false;
    ++pos_;
    return true;
  }

  // A string starting at the current '"'. When `decoded` is given, the unescaped text goes there.
  bool string(std::string* decoded) {
    if (!consume('"')) return false;
    while (!at_end()) {
      const auto c = static_cast<unsigned char>(doc_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;  // control characters must be escaped
      if (c == '\\') {
        if (!escape(decoded)) return false;
      } else if (c < 0x80) {
        if (decoded) decoded->push_back(static_cast<char>(c));
        ++pos_;
      } else {
        const std::size_t start = pos_;
        if (!utf8_sequence()) return false;
        if (decoded) decoded->append(doc_.substr(start, pos_ - start));
      }
    }
    return false;  // unterminated
  }

  // Any value; `depth` is the number of containers already open around it.
  bool value(std::size_t depth, bool check_duplicates) {
    switch (peek()) {
      case '{':
        return depth < kMaxDepth && object(depth + 1, check_duplicates);
      case '[':
        return depth < kMaxDepth && array(depth + 1, check_duplicates);
      case '"':
        return string(nullptr);
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

 private:
  bool escape(std::string* decoded) {
    ++pos_;  // the backslash
    if (at_end()) return false;
    const char e = doc_[pos_++];
    char simple = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        simple = e;
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'u':
        return unicode_escape(decoded);
      default:
        return false;
    }
    if (decoded) decoded->push_back(simple);
    return true;
  }

  bool hex4(std::uint32_t& out) {
    if (doc_.size() - pos_ < 4) return false;
    out = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const int d = hex_digit(doc_[pos_ + i]);
      if (d < 0) return false;
      out = (out << 4) | static_cast<std::uint32_t>(d);
    }
    pos_ += 4;
    return true;
  }

  // After "\u": four hex digits; a high surrogate must be followed by an escaped low surrogate,
  // a lone low surrogate is refused (it encodes no character).
  bool unicode_escape(std::string* decoded) {
    std::uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (!consume('\\') || !consume('u')) return false;
      std::uint32_t low = 0;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (decoded) append_utf8(*decoded, cp);
    return true;
  }

  bool continuation(std::uint8_t lo = 0x80, std::uint8_t hi = 0xBF) {
    if (at_end()) return false;
    const auto c = static_cast<std::uint8_t>(doc_[pos_]);
    if (c < lo || c > hi) return false;
    ++pos_;
    return true;
  }

  // One well-formed UTF-8 sequence (no overlongs, no surrogates, nothing above U+10FFFF).
  bool utf8_sequence() {
    const auto lead = static_cast<std::uint8_t>(doc_[pos_++]);
    if (lead >= 0xC2 && lead <= 0xDF) return continuation();
    if (lead == 0xE0) return continuation(0xA0, 0xBF) && continuation();
    if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
      return continuation() && continuation();
    }
    if (lead == 0xED) return continuation(0x80, 0x9F) && continuation();
    if (lead == 0xF0) return continuation(0x90, 0xBF) && continuation() && continuation();
    if (lead >= 0xF1 && lead <= 0xF3) return continuation() && continuation() && continuation();
    if (lead == 0xF4) return continuation(0x80, 0x8F) && continuation() && continuation();
    return false;
  }

  bool digits() {
    const std::size_t start = pos_;
    while (!at_end() && doc_[pos_] >= '0' && doc_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool number() {
    consume('-');
    if (peek() == '0' && !at_end()) {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      digits();
    } else {
      return false;
    }
    if (consume('.') && !digits()) return false;
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (!consume('+')) consume('-');
      if (!digits()) return false;
    }
    return true;
  }

  bool literal(std::string_view word) {
    if (doc_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool object(std::size_t depth, bool check_duplicates) {
    ++pos_;  // '{'
    skip_ws();
    if (consume('}')) return true;
    std::vector<std::string> keys;
    for (;;) {
      std::string key;
      if (!string(check_duplicates ? &key : nullptr)) return false;
      if (check_duplicates) keys.push_back(std::move(key));
      skip_ws();
      if (!consume(':')) return false;
      skip_ws();
      if (!value(depth, check_duplicates)) return false;
      skip_ws();
      if (consume('}')) break;
      if (!consume(',')) return false;
      skip_ws();
    }
    if (check_duplicates) {
      std::sort(keys.begin(), keys.end());
      if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return false;
    }
    return true;
  }

  bool array(std::size_t depth, bool check_duplicates) {
    ++pos_;  // '['
    skip_ws();
    if (consume(']')) return true;
    for (;;) {
      if (!value(depth, check_duplicates)) return false;
      skip_ws();
      if (consume(']')) return true;
      if (!consume(',')) return false;
      skip_ws();
    }
  }

  std::string_view doc_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string_view> raw_json_member(std::string_view doc, std::string_view key) {
  Scanner s(doc);
  s.skip_ws();
  if (!s.consume('{')) return std::nullopt;
  std::optional<std::string_view> found;
  s.skip_ws();
  if (!s.consume('}')) {
    for (;;) {
      std::string name;
      if (!s.string(&name)) return std::nullopt;
      s.skip_ws();
      if (!s.consume(':')) return std::nullopt;
      s.skip_ws();
      const std::size_t start = s.pos();
      // Depth 1: the top-level object is open. Nested duplicates are not this function's concern.
      if (!s.value(1, false)) return std::nullopt;
      if (name == key) {
        if (found) return std::nullopt;  // which of the two was signed?
        found = doc.substr(start, s.pos() - start);
      }
      s.skip_ws();
      if (s.consume('}')) break;
      if (!s.consume(',')) return std::nullopt;
      s.skip_ws();
    }
  }
  s.skip_ws();
  if (!s.at_end()) return std::nullopt;
  return found;
}

bool is_strict_json(std::string_view doc) {
  Scanner s(doc);
  s.skip_ws();
  if (!s.value(0, true)) return false;
  s.skip_ws();
  return s.at_end();
}

}  // namespace ratls::attest
