// libFuzzer target: the response path (scan -> parse -> framing decision -> rewrite -> serialize
// for the client, body decoded and re-encoded). The first input byte picks the request (HEAD or
// not) and the client's version. Invariant: what the client would get reads, with an independent
// strict reader, as exactly one response with the upstream's status and the same body bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxy/http1/chunked.h"
#include "proxy/http1/forwarding.h"
#include "proxy/http1/head_parser.h"
#include "proxy/http1/head_scanner.h"
#include "tests/support/reference_http1.h"

namespace http1 = ratls::proxy::http1;
using http1::Framing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool head_request = (data[0] & 1) != 0;
  const int client_minor = (data[0] & 2) != 0 ? 0 : 1;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  http1::HeadScanner scanner(http1::HeadLimits{4096, 32}, http1::HeadScanner::Kind::kResponse);
  if (scanner.scan(in) != http1::HeadScanner::State::kComplete) return 0;
  auto parsed = http1::parse_response_head(in.substr(0, scanner.head_size()));
  if (!std::holds_alternative<http1::ResponseHead>(parsed)) return 0;
  const auto& res = std::get<http1::ResponseHead>(parsed);
  auto framed = http1::response_framing(res, head_request);
  if (!std::holds_alternative<Framing>(framed)) return 0;
  const Framing body_framing = std::get<Framing>(framed);
  const ratls::proxy::Origins origins{"http://demo.localhost:7443", "https://app.example:8443",
                                      "app.example:8443"};
  if (res.status < 200 || res.status == 101) {
    const std::string interim = http1::interim_response(res, origins);
    const auto m = ratls::test::reference::read_message(interim, true, false);
    if (!m || m->consumed != interim.size()) std::abort();
    return 0;
  }
  const http1::ClientResponse reply =
      http1::client_response(res, body_framing, head_request, client_minor, true, origins);

  std::string_view rest = in.substr(scanner.head_size());
  std::string body;
  std::string wire = reply.head;
  switch (body_framing.kind) {
    case Framing::Kind::kNone:
      break;
    case Framing::Kind::kLength:
      if (rest.size() < body_framing.length) return 0;
      body.assign(rest.substr(0, static_cast<std::size_t>(body_framing.length)));
      wire += body;
      break;
    case Framing::Kind::kUntilClose:
      body.assign(rest);
      if (reply.out_chunked) {
        http1::append_chunk(wire, body);
        wire += http1::kLastChunk;
      } else {
        wire += body;
      }
      break;
    case Framing::Kind::kChunked: {
      http1::ChunkedDecoder decoder;
      for (;;) {
        const auto step = decoder.next(rest);
        if (step.kind == http1::ChunkedDecoder::Step::Kind::kError ||
            step.kind == http1::ChunkedDecoder::Step::Kind::kNeedMore) {
          return 0;
        }
        if (step.kind == http1::ChunkedDecoder::Step::Kind::kData) {
          body += step.data;
          if (reply.out_chunked) {
            http1::append_chunk(wire, step.data);
          } else {
            wire += step.data;
          }
        }
        rest.remove_prefix(step.consumed);
        if (step.kind == http1::ChunkedDecoder::Step::Kind::kDone) break;
      }
      if (reply.out_chunked) wire += http1::kLastChunk;
      break;
    }
  }
  const bool no_body = head_request || res.status == 204 || res.status == 304;
  const bool close_delimited = reply.to_client.kind == Framing::Kind::kUntilClose;
  const auto m = ratls::test::reference::read_message(wire, no_body, close_delimited);
  if (!m || m->consumed != wire.size()) std::abort();
  if (m->start_line.substr(0, 13) != "HTTP/1.1 " + std::to_string(res.status) + " ") std::abort();
  if (!no_body && m->body != body) std::abort();
  if (close_delimited && reply.keep_alive) std::abort();  // the end of the body is the close
  if (m->count("strict-transport-security") != 0 || m->count("alt-svc") != 0) std::abort();
  return 0;
}
