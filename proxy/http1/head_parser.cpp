#include "proxy/http1/head_parser.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace ratls::proxy::http1 {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Splits the head into its lines (without CRLF); the final empty line is dropped.
std::vector<std::string_view> lines_of(std::string_view head) {
  std::vector<std::string_view> out;
  out.reserve(static_cast<std::size_t>(std::count(head.begin(), head.end(), '\n')));
  while (!head.empty()) {
    const auto crlf = head.find("\r\n");
    if (crlf == std::string_view::npos) break;
    if (crlf == 0) break;  // the empty line ending the head
    out.push_back(head.substr(0, crlf));
    head.remove_prefix(crlf + 2);
  }
  return out;
}

// "HTTP/x.y": major and minor digits, or false.
bool parse_version(std::string_view v, int& major, int& minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' ||
      !is_digit(v[7])) {
    return false;
  }
  major = v[5] - '0';
  minor = v[7] - '0';
  return true;
}

// Field lines after the start line; `status` is the error status to use.
std::optional<HttpError> parse_fields(const std::vector<std::string_view>& lines, unsigned status,
                                      Fields& out) {
  out.reserve(lines.size() - 1);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') {
      return HttpError{status, "a header field is folded over lines (obs-fold)"};
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return HttpError{status, "a header line has no colon"};
    }
    const std::string_view name = line.substr(0, colon);
    if (!is_token(name)) {
      return HttpError{status, name.find_first_of(" \t") != std::string_view::npos
                                   ? "whitespace in or after a header field name"
                                   : "a header field name is not a token"};
    }
    const std::string_view value = trim_ows(line.substr(colon + 1));
    for (char c : value) {
      if (!is_field_value_byte(static_cast<unsigned char>(c))) {
        return HttpError{status,
                         "a control character in the value of header field " + std::string(name)};
      }
    }
    out.add(std::string(name), std::string(value));
  }
  return std::nullopt;
}

}  // namespace

std::variant<RequestHead, HttpError> parse_request_head(std::string_view head) {
  const auto lines = lines_of(head);
  if (lines.empty()) return HttpError{400, "an empty request"};
  const std::string_view line = lines.front();
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos) {
    return HttpError{400, "the request line is not \"method target HTTP/1.1\""};
  }
  RequestHead r;
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) return HttpError{400, "the request method is not a token"};
  if (target.empty()) return HttpError{400, "an empty request target"};
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return HttpError{400, "the request target has a byte that is not visible ASCII"};
    }
  }
  int major = 0;
  int minor = 0;
  if (!parse_version(version, major, minor)) {
    return HttpError{400, "the request line has no valid HTTP version"};
  }
  if (major != 1 || minor > 1) {
    return HttpError{505, "HTTP/" + std::to_string(major) + "." + std::to_string(minor) +
                              " is not supported: use HTTP/1.1"};
  }
  r.method = std::string(method);
  r.target = std::string(target);
  r.minor_version = minor;
  if (auto e = parse_fields(lines, 400, r.fields)) return *e;
  return r;
}

std::variant<ResponseHead, HttpError> parse_response_head(std::string_view head) {
  const auto lines = lines_of(head);
  if (lines.empty()) return HttpError{502, "an empty response"};
  const std::string_view line = lines.front();
  ResponseHead r;
  int major = 0;
  int minor = 0;
  if (line.size() < 12 || !parse_version(line.substr(0, 8), major, minor) || line[8] != ' ' ||
      !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) ||
      (line.size() > 12 && line[12] != ' ')) {
    return HttpError{502, "the upstream's status line is malformed"};
  }
  if (major != 1 || minor > 1) {
    return HttpError{502, "the upstream answered with an unsupported HTTP version"};
  }
  r.minor_version = minor;
  r.status =
      static_cast<unsigned>((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
  if (r.status < 100) return HttpError{502, "the upstream's status code is below 100"};
  const std::string_view reason = line.size() > 12 ? line.substr(13) : std::string_view();
  for (char c : reason) {
    if (!is_field_value_byte(static_cast<unsigned char>(c))) {
      return HttpError{502, "a control character in the upstream's reason phrase"};
    }
  }
  r.reason = std::string(reason);
  if (auto e = parse_fields(lines, 502, r.fields)) {
    e->reason = "the upstream's response: " + e->reason;
    return *e;
  }
  return r;
}

}  // namespace ratls::proxy::http1
