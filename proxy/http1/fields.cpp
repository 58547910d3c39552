#include "proxy/http1/fields.h"

#include <algorithm>

namespace ratls::proxy::http1 {

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

bool is_field_value_byte(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const std::string* Fields::find(std::string_view name) const {
  for (const Field& f : fields_) {
    if (iequals(f.name, name)) return &f.value;
  }
  return nullptr;
}

std::size_t Fields::count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      fields_.begin(), fields_.end(), [&](const Field& f) { return iequals(f.name, name); }));
}

void Fields::erase(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.name, name); });
}

void Fields::set(std::string_view name, std::string value) {
  // In place of the first field of that name (the order the sender chose is kept), others removed.
  auto first = std::find_if(fields_.begin(), fields_.end(),
                            [&](const Field& f) { return iequals(f.name, name); });
  if (first == fields_.end()) {
    fields_.push_back({std::string(name), std::move(value)});
    return;
  }
  first->value = std::move(value);
  const auto keep = static_cast<std::size_t>(first - fields_.begin());
  std::size_t i = 0;
  std::erase_if(fields_, [&](const Field& f) { return i++ != keep && iequals(f.name, name); });
}

void Fields::add(std::string name, std::string value) {
  fields_.push_back({std::move(name), std::move(value)});
}

std::vector<std::string> Fields::list(std::string_view name) const {
  std::vector<std::string> out;
  for (const Field& f : fields_) {
    if (!iequals(f.name, name)) continue;
    std::string_view v = f.value;
    while (true) {
      const auto comma = v.find(',');
      const std::string_view element = trim_ows(v.substr(0, comma));
      if (!element.empty()) {
        std::string e(element);
        for (char& c : e) c = lower(c);
        out.push_back(std::move(e));
      }
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool Fields::has_token(std::string_view name, std::string_view token) const {
  // Without building the list: this runs several times per request.
  for (const Field& f : fields_) {
    if (!iequals(f.name, name)) continue;
    std::string_view v = f.value;
    while (true) {
      const auto comma = v.find(',');
      if (iequals(trim_ows(v.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

}  // namespace ratls::proxy::http1
