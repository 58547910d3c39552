#include "proxy/http1/framing.h"

#include <string>
#include <string_view>
#include <vector>

namespace ratls::proxy::http1 {

namespace {

constexpr std::size_t kMaxLengthDigits = 18;  // below 2^63

// The framing the fields state, errors with `status` (501 for unknown codings becomes `status`
// for responses too: the upstream's response cannot be relayed).
std::variant<Framing, HttpError> fields_framing(const Fields& f, unsigned status,
                                                unsigned unknown_coding_status) {
  const std::size_t te_fields = f.count("Transfer-Encoding");
  const std::size_t cl_fields = f.count("Content-Length");
  if (te_fields > 0 && cl_fields > 0) {
    return HttpError{status, "both Transfer-Encoding and Content-Length"};
  }
  if (te_fields > 1) return HttpError{status, "more than one Transfer-Encoding field"};
  if (te_fields == 1) {
    // RFC 9112 §6.3: chunked must be the final coding, else the length cannot be known (400);
    // with chunked final, another coding is one the gateway does not implement (501, §6.1).
    std::vector<std::string_view> codings;
    std::string_view v = *f.find("Transfer-Encoding");
    while (true) {
      const auto comma = v.find(',');
      codings.push_back(trim_ows(v.substr(0, comma)));  // empty ones too: "chunked," is malformed
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
    for (std::string_view c : codings) {
      if (!is_token(c)) return HttpError{status, "a malformed Transfer-Encoding value"};
    }
    if (!iequals(codings.back(), "chunked")) {
      return HttpError{status, "\"chunked\" is not the final transfer coding"};
    }
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
      if (iequals(codings[i], "chunked")) {
        return HttpError{status, "\"chunked\" repeated in Transfer-Encoding"};
      }
    }
    if (codings.size() > 1) {
      return HttpError{unknown_coding_status,
                       "transfer coding \"" + std::string(codings.front()) + "\" is not supported"};
    }
    return Framing{Framing::Kind::kChunked, 0};
  }
  if (cl_fields > 1) return HttpError{status, "more than one Content-Length field"};
  if (cl_fields == 1) {
    const std::string& v = *f.find("Content-Length");
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) {
      return HttpError{status, "Content-Length is not a decimal number"};
    }
    const auto first = v.find_first_not_of('0');
    const std::string_view digits =
        first == std::string::npos ? std::string_view("0") : std::string_view(v).substr(first);
    if (digits.size() > kMaxLengthDigits) return HttpError{status, "Content-Length is too large"};
    return Framing{Framing::Kind::kLength, std::stoull(std::string(digits))};
  }
  return Framing{};
}

}  // namespace

std::optional<std::uint64_t> content_length(const Fields& f) {
  if (f.count("Transfer-Encoding") > 0 || f.count("Content-Length") != 1) return std::nullopt;
  const auto decided = fields_framing(f, 400, 400);
  if (const auto* framing = std::get_if<Framing>(&decided)) return framing->length;
  return std::nullopt;
}

std::variant<Framing, HttpError> request_framing(const RequestHead& r) {
  if (r.minor_version == 0 && r.fields.count("Transfer-Encoding") > 0) {
    return HttpError{400, "Transfer-Encoding in an HTTP/1.0 request"};
  }
  return fields_framing(r.fields, 400, 501);
}

std::variant<Framing, HttpError> response_framing(const ResponseHead& r, bool request_was_head) {
  auto decided = fields_framing(r.fields, 502, 502);
  if (auto* e = std::get_if<HttpError>(&decided)) {
    e->reason = "the upstream's response has ambiguous framing: " + e->reason;
    return decided;
  }
  if (request_was_head || r.status < 200 || r.status == 204 || r.status == 304) return Framing{};
  Framing f = std::get<Framing>(decided);
  if (f.kind == Framing::Kind::kNone) f.kind = Framing::Kind::kUntilClose;
  return f;
}

}  // namespace ratls::proxy::http1
