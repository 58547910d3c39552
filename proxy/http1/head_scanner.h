// Finds where a message head ends in bytes that arrive over any number of reads, and enforces the
// head limits while it does: the decision does not depend on how the bytes were split.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "proxy/http1/message.h"

namespace ratls::proxy::http1 {

class HeadScanner {
 public:
  enum class State { kNeedMore, kComplete, kError };
  // Requests are refused with 400 or 431; a response from an upstream with 502.
  enum class Kind { kRequest, kResponse };

  explicit HeadScanner(HeadLimits limits, Kind kind = Kind::kRequest);

  // `data` is everything received since the head began; each call sees the previous data as its
  // prefix. Every line must end in CRLF: a bare LF or a CR not followed by LF is an error. A start
  // line that cannot begin an HTTP/1.x message (an HTTP/0.9 request line "GET /", which has no
  // empty line to wait for) is an error as soon as it is complete.
  State scan(std::string_view data);
  // With kComplete: bytes of the head, its final empty line included.
  std::size_t head_size() const { return head_size_; }
  const HttpError& error() const { return error_; }

 private:
  HeadLimits limits_;
  Kind kind_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  std::size_t lines_ = 0;
  std::size_t head_size_ = 0;
  HttpError error_;
};

}  // namespace ratls::proxy::http1
