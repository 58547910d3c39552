// libFuzzer target: the request path the gateway runs on client bytes (scan -> parse -> framing
// decision and rules -> rewrite -> serialize, body decoded and re-encoded). Invariant: what would
// be forwarded reads, with an independent strict reader (tests/support/reference_http1.h), as
// exactly the one request that was accepted: same method, origin-form target, one Host (the
// upstream's), the same body bytes, nothing after it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxy/http1/chunked.h"
#include "proxy/http1/forwarding.h"
#include "proxy/http1/head_parser.h"
#include "proxy/http1/head_scanner.h"
#include "proxy/http1/request_rules.h"
#include "tests/support/reference_http1.h"

namespace http1 = ratls::proxy::http1;
using http1::Framing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  http1::HeadScanner scanner(http1::HeadLimits{4096, 32});
  if (scanner.scan(in) != http1::HeadScanner::State::kComplete) return 0;
  auto parsed = http1::parse_request_head(in.substr(0, scanner.head_size()));
  if (!std::holds_alternative<http1::RequestHead>(parsed)) return 0;
  const auto& req = std::get<http1::RequestHead>(parsed);
  auto planned = http1::plan_request(req);
  if (!std::holds_alternative<http1::RequestPlan>(planned)) return 0;
  const auto& plan = std::get<http1::RequestPlan>(planned);
  const ratls::proxy::Origins origins{"http://demo.localhost:7443", "https://app.example:8443",
                                      "app.example:8443"};
  const bool websocket = ratls::proxy::is_websocket_upgrade(req.fields);
  const http1::UpstreamRequest up = http1::upstream_request(req, plan, websocket, origins);

  // The body as the relay would forward it; an incomplete or malformed body ends the exchange
  // (the gateway closes the upstream connection), so only complete ones are checked.
  std::string_view rest = in.substr(scanner.head_size());
  std::string body;
  std::string wire = up.head;
  if (up.framing.kind == Framing::Kind::kLength) {
    if (rest.size() < up.framing.length) return 0;
    body.assign(rest.substr(0, static_cast<std::size_t>(up.framing.length)));
    wire += body;
  } else if (up.framing.kind == Framing::Kind::kChunked) {
    http1::ChunkedDecoder decoder;
    for (;;) {
      const auto step = decoder.next(rest);
      if (step.kind == http1::ChunkedDecoder::Step::Kind::kError ||
          step.kind == http1::ChunkedDecoder::Step::Kind::kNeedMore) {
        return 0;
      }
      if (step.kind == http1::ChunkedDecoder::Step::Kind::kData) {
        body += step.data;
        http1::append_chunk(wire, step.data);
      }
      rest.remove_prefix(step.consumed);
      if (step.kind == http1::ChunkedDecoder::Step::Kind::kDone) break;
    }
    wire += http1::kLastChunk;
  }

  const auto m = ratls::test::reference::read_message(wire, false, false);
  if (!m || m->consumed != wire.size()) std::abort();  // unreadable, or a second request in it
  if (m->start_line != req.method + " " + plan.origin_target + " HTTP/1.1") std::abort();
  if (plan.origin_target.empty() || plan.origin_target.front() != '/') std::abort();
  if (m->count("host") != 1 || *m->get("host") != origins.upstream_authority) std::abort();
  if (m->body != body) std::abort();
  if (m->count("expect") != 0 || m->count("connection") > (websocket ? 1u : 0u)) std::abort();
  return 0;
}
