// Writes message heads the way the gateway forwards them: one canonical start line, the fields it
// kept, and framing fields written from its own Framing decision only.
#pragma once

#include <string>
#include <string_view>

#include "proxy/http1/framing.h"
#include "proxy/http1/message.h"

namespace ratls::proxy::http1 {

// Framing fields (Content-Length, Transfer-Encoding) in `fields` are skipped; `framing` decides:
// kLength writes Content-Length (for zero too when `length_when_empty`), kChunked writes
// Transfer-Encoding: chunked, kNone and kUntilClose write neither.
std::string serialize_request_head(std::string_view method, std::string_view target,
                                   const Fields& fields, const Framing& framing,
                                   bool length_when_empty);

// The status line is always HTTP/1.1 (the version the gateway speaks); a reason phrase is the
// upstream's when it had one, else the standard one.
std::string serialize_response_head(unsigned status, std::string_view reason, const Fields& fields,
                                    const Framing& framing);

std::string_view standard_reason(unsigned status);

}  // namespace ratls::proxy::http1
