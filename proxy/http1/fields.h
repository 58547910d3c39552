// Header fields as the gateway keeps them between parsing and re-serializing: an ordered list of
// (name, value) pairs, names compared ASCII case-insensitively. No I/O, no Boost.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ratls::proxy::http1 {

struct Field {
  std::string name;
  std::string value;
};

bool iequals(std::string_view a, std::string_view b);
// RFC 9110 §5.6.2 tchar.
bool is_tchar(unsigned char c);
bool is_token(std::string_view s);
// A field value byte (RFC 9110 §5.5): HTAB, SP, VCHAR or obs-text. NUL, CR, LF, DEL and other
// controls are not.
bool is_field_value_byte(unsigned char c);
// Spaces and tabs removed at both ends.
std::string_view trim_ows(std::string_view s);

class Fields {
 public:
  // The first field of that name, or null.
  const std::string* find(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  void erase(std::string_view name);
  // One field of that name with `value`: in place of the first one (others removed), or appended.
  void set(std::string_view name, std::string value);
  void add(std::string name, std::string value);
  void reserve(std::size_t n) { fields_.reserve(n); }
  // Comma-separated elements of every field of that name, OWS trimmed, lowercased, empty ones
  // skipped (RFC 9110 §5.6.1).
  std::vector<std::string> list(std::string_view name) const;
  bool has_token(std::string_view name, std::string_view token) const;

  std::size_t size() const { return fields_.size(); }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  auto begin() { return fields_.begin(); }
  auto end() { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace ratls::proxy::http1
