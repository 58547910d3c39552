// The parts of an HTTP/1.x message head the gateway decides on, and the error a refused one gets.
#pragma once

#include <cstddef>
#include <string>

#include "proxy/http1/fields.h"

namespace ratls::proxy::http1 {

// Bounds on one message head, whatever the number of reads it arrives in.
struct HeadLimits {
  std::size_t max_bytes = 64 * 1024;  // start line, fields and their line ends
  std::size_t max_fields = 100;
};

// Why a message was refused: the status the gateway answers (400, 405, 417, 431, 501, 505 for
// requests; 502 for an upstream's response) and a one-line reason for the page and the log.
struct HttpError {
  unsigned status = 400;
  std::string reason;
};

struct RequestHead {
  std::string method;
  std::string target;
  int minor_version = 1;  // HTTP/1.0 or HTTP/1.1
  Fields fields;
};

struct ResponseHead {
  int minor_version = 1;
  unsigned status = 0;
  std::string reason;
  Fields fields;
};

}  // namespace ratls::proxy::http1
