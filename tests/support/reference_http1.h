// An independent, deliberately simple and strict HTTP/1.1 reader for what the gateway WRITES
// (canonical messages: CRLF lines, "Name: value" fields, one framing field). Written separately
// from proxy/http1 so the fuzz targets check the gateway's output with other code than produced it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ratls::test::reference {

struct Message {
  std::string start_line;
  std::vector<std::pair<std::string, std::string>> fields;  // names lowercased
  std::string body;
  std::size_t consumed = 0;  // bytes of the input this message used

  std::size_t count(std::string_view lower_name) const {
    std::size_t n = 0;
    for (const auto& f : fields) n += f.first == lower_name ? 1 : 0;
    return n;
  }
  const std::string* get(std::string_view lower_name) const {
    for (const auto& f : fields) {
      if (f.first == lower_name) return &f.second;
    }
    return nullptr;
  }
};

namespace detail {

inline bool take_line(std::string_view in, std::size_t& pos, std::string& line) {
  const std::size_t crlf = in.find("\r\n", pos);
  if (crlf == std::string_view::npos) return false;
  line.assign(in.substr(pos, crlf - pos));
  for (char c : line) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  pos = crlf + 2;
  return true;
}

inline std::optional<std::uint64_t> decimal(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace detail

// Reads one message from the start of `in`. `no_body`: a response to HEAD, or a 1xx/204/304.
// `until_close`: with no framing field, the rest of `in` is the body (a response only).
// nullopt when the message is malformed, ambiguous or incomplete.
inline std::optional<Message> read_message(std::string_view in, bool no_body, bool until_close) {
  Message m;
  std::size_t pos = 0;
  if (!detail::take_line(in, pos, m.start_line) || m.start_line.empty()) return std::nullopt;
  std::string line;
  for (;;) {
    if (!detail::take_line(in, pos, line)) return std::nullopt;
    if (line.empty()) break;
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    std::string name = line.substr(0, colon);
    for (char& c : name) {
      if (c == ' ' || c == '\t' || c == ':') return std::nullopt;
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    m.fields.emplace_back(std::move(name), line.substr(colon + 2));
  }
  const std::size_t te = m.count("transfer-encoding");
  const std::size_t cl = m.count("content-length");
  if (te + cl > 1) return std::nullopt;
  if (no_body) {
    m.consumed = pos;
    return m;
  }
  if (cl == 1) {
    const auto n = detail::decimal(*m.get("content-length"));
    if (!n || in.size() - pos < *n) return std::nullopt;
    m.body.assign(in.substr(pos, static_cast<std::size_t>(*n)));
    m.consumed = pos + static_cast<std::size_t>(*n);
    return m;
  }
  if (te == 1) {
    if (*m.get("transfer-encoding") != "chunked") return std::nullopt;
    for (;;) {
      if (!detail::take_line(in, pos, line) || line.empty() || line.size() > 16)
        return std::nullopt;
      std::uint64_t size = 0;
      for (char c : line) {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        if (v < 0) return std::nullopt;  // the gateway writes lowercase hex, no extensions
        size = size * 16 + static_cast<std::uint64_t>(v);
      }
      if (size == 0) {
        if (!detail::take_line(in, pos, line) || !line.empty()) return std::nullopt;
        m.consumed = pos;
        return m;
      }
      if (in.size() - pos < size + 2) return std::nullopt;
      m.body.append(in.substr(pos, static_cast<std::size_t>(size)));
      pos += static_cast<std::size_t>(size);
      if (in.substr(pos, 2) != "\r\n") return std::nullopt;
      pos += 2;
    }
  }
  if (until_close) {
    m.body.assign(in.substr(pos));
    m.consumed = in.size();
    return m;
  }
  m.consumed = pos;
  return m;
}

}  // namespace ratls::test::reference
