// Strict parsers for a complete message head (as HeadScanner delimited it: CRLF line ends only).
// Anything RFC 9112 lets a recipient reject is rejected: obs-fold, whitespace before a field's
// colon, names that are not tokens, control bytes in values, malformed start lines.
#pragma once

#include <string_view>
#include <variant>

#include "proxy/http1/message.h"

namespace ratls::proxy::http1 {

// 400 for malformed heads, 505 for a well-formed version other than HTTP/1.0 and HTTP/1.1.
std::variant<RequestHead, HttpError> parse_request_head(std::string_view head);
// Errors carry 502: the upstream sent something the gateway will not relay.
std::variant<ResponseHead, HttpError> parse_response_head(std::string_view head);

}  // namespace ratls::proxy::http1
