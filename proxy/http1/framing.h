// The one framing decision per message (RFC 9112 §6): how long its body is. Made by the gateway
// from the parsed head before anything is forwarded, and the only thing the forwarded framing is
// written from; the peer's own Content-Length / Transfer-Encoding fields are never passed on.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "proxy/http1/message.h"

namespace ratls::proxy::http1 {

struct Framing {
  enum class Kind {
    kNone,       // no body
    kLength,     // exactly `length` bytes
    kChunked,    // chunked transfer coding, decoded and re-encoded by the gateway
    kUntilClose  // responses only: the body ends when the upstream closes
  };
  Kind kind = Kind::kNone;
  std::uint64_t length = 0;
};

// Requests: more than one Transfer-Encoding field, "chunked" not the final coding or repeated
// (400; a coding before a final "chunked" is 501: not implemented), Transfer-Encoding in HTTP/1.0,
// Transfer-Encoding with Content-Length, more than one Content-Length (fields or list elements,
// equal or not), or a Content-Length that is not 1*DIGIT of at most 18 significant digits: 400.
std::variant<Framing, HttpError> request_framing(const RequestHead& r);

// Responses, with the same rules (errors are 502); 1xx, 204, 304 and responses to HEAD have no
// body whatever their fields say, but ambiguous fields are refused there too.
std::variant<Framing, HttpError> response_framing(const ResponseHead& r, bool request_was_head);

// The value of a single well-formed Content-Length field (HEAD and 304 responses announce one
// without a body); nullopt otherwise.
std::optional<std::uint64_t> content_length(const Fields& f);

}  // namespace ratls::proxy::http1
