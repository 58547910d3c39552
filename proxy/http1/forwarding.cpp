#include "proxy/http1/forwarding.h"

#include "proxy/http1/serializer.h"

namespace ratls::proxy::http1 {

UpstreamRequest upstream_request(const RequestHead& req, const RequestPlan& plan, bool websocket,
                                 const Origins& origins) {
  Fields fields = req.fields;
  strip_hop_by_hop(fields, websocket);
  rewrite_request_headers(fields, origins);
  fields.erase("Expect");
  const bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  UpstreamRequest out;
  out.framing = plan.framing;
  if (out.framing.kind == Framing::Kind::kNone && body_method) {
    out.framing = Framing{Framing::Kind::kLength, 0};
  }
  out.head =
      serialize_request_head(req.method, plan.origin_target, fields, out.framing, body_method);
  return out;
}

ClientResponse client_response(ResponseHead res, const Framing& body, bool head_request,
                               int client_minor_version, bool may_keep_alive,
                               const Origins& origins) {
  ClientResponse out;
  const bool client_11 = client_minor_version == 1;
  out.to_client = body;
  if (body.kind == Framing::Kind::kChunked || body.kind == Framing::Kind::kUntilClose) {
    out.out_chunked = client_11;
    out.to_client =
        client_11 ? Framing{Framing::Kind::kChunked, 0} : Framing{Framing::Kind::kUntilClose, 0};
  } else if (body.kind == Framing::Kind::kNone && res.status != 204 &&
             (head_request || res.status == 304)) {
    if (const auto announced = content_length(res.fields)) {
      out.to_client = Framing{Framing::Kind::kLength, *announced};
    }
  }
  out.keep_alive = may_keep_alive && out.to_client.kind != Framing::Kind::kUntilClose;
  strip_hop_by_hop(res.fields, false);
  rewrite_response_headers(res.fields, origins);
  if (!out.keep_alive) {
    res.fields.set("Connection", "close");
  } else if (!client_11) {
    res.fields.set("Connection", "keep-alive");
  }
  out.head = serialize_response_head(res.status, res.reason, res.fields, out.to_client);
  return out;
}

std::string interim_response(ResponseHead res, const Origins& origins) {
  strip_hop_by_hop(res.fields, false);
  rewrite_response_headers(res.fields, origins);
  return serialize_response_head(res.status, res.reason, res.fields, Framing{});
}

}  // namespace ratls::proxy::http1
