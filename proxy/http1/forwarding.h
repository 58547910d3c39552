// What the gateway writes on each side of an exchange, built from its own decisions only: the
// request head the upstream gets and the response heads the client gets. Shared by the gateway
// and the fuzz targets, so what is fuzzed is what is served.
#pragma once

#include <string>

#include "proxy/http1/framing.h"
#include "proxy/http1/message.h"
#include "proxy/http1/request_rules.h"
#include "proxy/http1/rewrite.h"

namespace ratls::proxy::http1 {

struct UpstreamRequest {
  std::string head;
  Framing framing;  // how the body is written (chunked bodies are re-encoded)
};

// Origin-form target, hop-by-hop and framing fields removed, Host/Origin/Referer moved to the
// upstream, Expect removed (the gateway answers it), and one framing field from `plan`. POST, PUT
// and PATCH without a body get "Content-Length: 0" (some servers answer 411 otherwise).
UpstreamRequest upstream_request(const RequestHead& req, const RequestPlan& plan, bool websocket,
                                 const Origins& origins);

struct ClientResponse {
  std::string head;
  Framing to_client;         // what the head announces
  bool out_chunked = false;  // the body is re-encoded as chunks
  bool keep_alive = false;   // the client connection stays open after it
};

// `body` is the response's framing (response_framing()). A length stays a length (HEAD and 304
// keep the one they announce); chunked or close-delimited bodies go chunked to HTTP/1.1 clients
// and close-delimited to HTTP/1.0 ones. `may_keep_alive`: the client asked for it and the gateway
// is not draining.
ClientResponse client_response(ResponseHead res, const Framing& body, bool head_request,
                               int client_minor_version, bool may_keep_alive,
                               const Origins& origins);

// An interim (1xx other than 101) response as the client gets it: same rewrites, no framing.
std::string interim_response(ResponseHead res, const Origins& origins);

}  // namespace ratls::proxy::http1
