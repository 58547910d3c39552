// What the gateway accepts of a parsed request head besides its framing: the request target form,
// the method, Host, Expect and persistence. One function so every rule is applied before anything
// is forwarded.
#pragma once

#include <string>
#include <variant>

#include "proxy/http1/framing.h"
#include "proxy/http1/message.h"

namespace ratls::proxy::http1 {

struct RequestPlan {
  Framing framing;
  std::string origin_target;     // what the upstream gets: always origin-form ("/path?query")
  bool keep_alive = true;        // the client wants the connection kept after the response
  bool expect_continue = false;  // "Expect: 100-continue" with a body
};

// Refusals: more than one Host or none: 400; CONNECT: 405; asterisk-form (OPTIONS *) or
// authority-form: 400; absolute-form whose authority is not the Host field: 400; a fragment in
// the target: 400; a body on GET, HEAD or TRACE: 400; Expect other than 100-continue: 417; and
// every request_framing() refusal.
std::variant<RequestPlan, HttpError> plan_request(const RequestHead& r);

}  // namespace ratls::proxy::http1
