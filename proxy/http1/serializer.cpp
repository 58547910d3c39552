#include "proxy/http1/serializer.h"

namespace ratls::proxy::http1 {

namespace {

void append_fields(std::string& out, const Fields& fields, const Framing& framing,
                   bool length_when_empty) {
  for (const Field& f : fields) {
    if (iequals(f.name, "Content-Length") || iequals(f.name, "Transfer-Encoding")) continue;
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
  switch (framing.kind) {
    case Framing::Kind::kLength:
      if (framing.length > 0 || length_when_empty) {
        out += "Content-Length: " + std::to_string(framing.length) + "\r\n";
      }
      break;
    case Framing::Kind::kChunked:
      out += "Transfer-Encoding: chunked\r\n";
      break;
    case Framing::Kind::kNone:
    case Framing::Kind::kUntilClose:
      break;
  }
  out += "\r\n";
}

}  // namespace

std::string serialize_request_head(std::string_view method, std::string_view target,
                                   const Fields& fields, const Framing& framing,
                                   bool length_when_empty) {
  std::string out;
  out.reserve(256);
  out += method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
  append_fields(out, fields, framing, length_when_empty);
  return out;
}

std::string serialize_response_head(unsigned status, std::string_view reason, const Fields& fields,
                                    const Framing& framing) {
  std::string out;
  out.reserve(256);
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason.empty() ? standard_reason(status) : reason;
  out += "\r\n";
  append_fields(out, fields, framing, true);
  return out;
}

std::string_view standard_reason(unsigned status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

}  // namespace ratls::proxy::http1
