#include "attest/json_fields.h"

namespace ratls::attest {

std::string JsonFields::shown(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
    out.push_back(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
  }
  if (s.size() > 64) out += "...";
  return out + "\"";
}

void JsonFields::bad(const std::string& path, const std::string& what) const {
  fail(status_, path + ": " + what);
}

const JsonFields::json& JsonFields::member(const json& obj, const std::string& path,
                                           const char* key) const {
  auto it = obj.find(key);
  if (it == obj.end()) bad(path + "." + key, "missing");
  return *it;
}

const JsonFields::json& JsonFields::object_member(const json& obj, const std::string& path,
                                                  const char* key) const {
  const json& v = member(obj, path, key);
  if (!v.is_object()) bad(path + "." + key, "not an object");
  return v;
}

const JsonFields::json& JsonFields::array_member(const json& obj, const std::string& path,
                                                 const char* key) const {
  const json& v = member(obj, path, key);
  if (!v.is_array()) bad(path + "." + key, "not an array");
  return v;
}

std::string JsonFields::string_member(const json& obj, const std::string& path,
                                      const char* key) const {
  const json& v = member(obj, path, key);
  if (!v.is_string()) bad(path + "." + key, "not a string");
  return v.get<std::string>();
}

std::uint64_t JsonFields::uint_member(const json& obj, const std::string& path, const char* key,
                                      std::uint64_t max) const {
  const json& v = member(obj, path, key);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max) {
    bad(path + "." + key, "not an integer in 0.." + std::to_string(max));
  }
  return v.get<std::uint64_t>();
}

UnixTime JsonFields::date_member(const json& obj, const std::string& path, const char* key) const {
  const std::string text = string_member(obj, path, key);
  auto t = parse_rfc3339(text);
  if (!t) bad(path + "." + key, "not an RFC 3339 date: " + shown(text));
  return *t;
}

std::vector<std::string> JsonFields::advisories(const json& obj, const std::string& path) const {
  std::vector<std::string> out;
  auto it = obj.find("advisoryIDs");
  if (it == obj.end()) return out;
  if (!it->is_array()) bad(path + ".advisoryIDs", "not an array");
  for (const auto& id : *it) {
    if (!id.is_string()) bad(path + ".advisoryIDs", "holds a non-string");
    out.push_back(id.get<std::string>());
  }
  return out;
}

}  // namespace ratls::attest
