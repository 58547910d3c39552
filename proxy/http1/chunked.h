// Chunked transfer coding (RFC 9112 §7.1): a strict incremental decoder, and the encoder the
// gateway writes bodies with. Chunk extensions and trailer fields are checked and dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/http1/message.h"

namespace ratls::proxy::http1 {

class ChunkedDecoder {
 public:
  struct Step {
    enum class Kind {
      kData,      // `data` (a part of the input) is body data; more may follow
      kNeedMore,  // everything usable was consumed: call again with more input
      kDone,      // the last chunk and the trailer section ended
      kError
    };
    Kind kind = Kind::kNeedMore;
    std::size_t consumed = 0;  // input bytes used, `data` included
    std::string_view data;
  };

  // Trailer sections obey the same limits as heads.
  explicit ChunkedDecoder(HeadLimits trailer_limits = {}) : limits_(trailer_limits) {}

  // Decodes from the start of `in` (the caller drops `consumed` bytes before the next call).
  Step next(std::string_view in);
  const std::string& error() const { return error_; }
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kSizeLine, kData, kDataEnd, kTrailer, kDone, kFailed };
  Step fail(std::string reason);
  bool parse_size_line(std::string_view line);

  HeadLimits limits_;
  State state_ = State::kSizeLine;
  std::uint64_t remaining_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::size_t trailer_fields_ = 0;
  std::string error_;
};

// "<hex size>\r\n<data>\r\n" appended to `out`; nothing for empty data (that would end the body).
void append_chunk(std::string& out, std::string_view data);
// The chunk-size line for `size` bytes of data ("1a\r\n").
std::string chunk_size_line(std::size_t size);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace ratls::proxy::http1
