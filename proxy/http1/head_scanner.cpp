#include "proxy/http1/head_scanner.h"

namespace ratls::proxy::http1 {

namespace {

// The start line's shape, enough to know a head will follow: a request line ends in
// " HTTP/d.d", a status line begins with "HTTP/". The parser checks the rest.
bool plausible_start_line(std::string_view line, HeadScanner::Kind kind) {
  if (kind == HeadScanner::Kind::kResponse) return line.substr(0, 5) == "HTTP/";
  if (line.size() < 9) return false;
  const std::string_view v = line.substr(line.size() - 9);
  return v.substr(0, 6) == " HTTP/" && v[6] >= '0' && v[6] <= '9' && v[7] == '.' && v[8] >= '0' &&
         v[8] <= '9';
}

}  // namespace

HeadScanner::HeadScanner(HeadLimits limits, Kind kind) : limits_(limits), kind_(kind) {}

HeadScanner::State HeadScanner::scan(std::string_view data) {
  const std::size_t end = std::min(data.size(), limits_.max_bytes);
  for (; pos_ < end; ++pos_) {
    const char c = data[pos_];
    if (c == '\r') {
      if (pos_ + 1 >= data.size()) return State::kNeedMore;  // its LF has not arrived yet
      if (data[pos_ + 1] != '\n') {
        error_ = {400, "a bare CR in the message head"};
        return State::kError;
      }
      continue;
    }
    if (c != '\n') continue;
    if (pos_ == 0 || data[pos_ - 1] != '\r') {
      error_ = {400, "a line of the message head ends in a bare LF"};
      return State::kError;
    }
    if (pos_ - 1 == line_start_) {
      if (lines_ == 0) {
        error_ = {400, "the message head starts with an empty line"};
        return State::kError;
      }
      head_size_ = pos_ + 1;
      return State::kComplete;
    }
    if (lines_ == 0 && !plausible_start_line(data.substr(0, pos_ - 1), kind_)) {
      error_ = {kind_ == Kind::kRequest ? 400u : 502u,
                kind_ == Kind::kRequest ? "the request line has no HTTP/1.x version"
                                        : "the upstream's status line is not HTTP/1.x"};
      return State::kError;
    }
    ++lines_;
    line_start_ = pos_ + 1;
    // The start line plus max_fields field lines.
    if (lines_ > limits_.max_fields + 1) {
      error_ = {(kind_ == Kind::kRequest ? 431u : 502u),
                "more than " + std::to_string(limits_.max_fields) + " header fields"};
      return State::kError;
    }
  }
  if (data.size() >= limits_.max_bytes) {
    error_ = {(kind_ == Kind::kRequest ? 431u : 502u),
              "the header is larger than " + std::to_string(limits_.max_bytes) + " bytes"};
    return State::kError;
  }
  return State::kNeedMore;
}

}  // namespace ratls::proxy::http1
