#include "proxy/http1/head_scanner.h"

namespace ratls::proxy::http1 {

HeadScanner::HeadScanner(HeadLimits limits, unsigned too_large_status)
    : limits_(limits), too_large_status_(too_large_status) {}

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
    ++lines_;
    line_start_ = pos_ + 1;
    // The start line plus max_fields field lines.
    if (lines_ > limits_.max_fields + 1) {
      error_ = {too_large_status_,
                "more than " + std::to_string(limits_.max_fields) + " header fields"};
      return State::kError;
    }
  }
  if (data.size() >= limits_.max_bytes) {
    error_ = {too_large_status_,
              "the header is larger than " + std::to_string(limits_.max_bytes) + " bytes"};
    return State::kError;
  }
  return State::kNeedMore;
}

}  // namespace ratls::proxy::http1
