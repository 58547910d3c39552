// The gateway's own HTTP/1.1 framing (proxy/http1): head scanning and limits, strict parsing, the
// framing decision, request rules, the chunked decoder and the serializer. Each refusal rule has a
// case where only that rule is broken, next to an accepted near-twin.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "proxy/http1/chunked.h"
#include "proxy/http1/forwarding.h"
#include "proxy/http1/framing.h"
#include "proxy/http1/head_parser.h"
#include "proxy/http1/head_scanner.h"
#include "proxy/http1/request_rules.h"
#include "proxy/http1/serializer.h"

namespace ratls::proxy::http1 {
namespace {

// The status a raw request head gets from scanning, parsing and planning (0: accepted).
unsigned verdict(const std::string& raw, HeadLimits limits = {}) {
  HeadScanner scanner(limits);
  const auto state = scanner.scan(raw);
  if (state == HeadScanner::State::kError) return scanner.error().status;
  if (state == HeadScanner::State::kNeedMore) return 1;  // incomplete
  auto parsed = parse_request_head(std::string_view(raw).substr(0, scanner.head_size()));
  if (auto* e = std::get_if<HttpError>(&parsed)) return e->status;
  auto plan = plan_request(std::get<RequestHead>(parsed));
  if (auto* e = std::get_if<HttpError>(&plan)) return e->status;
  return 0;
}

RequestPlan plan_of(const std::string& raw) {
  HeadScanner scanner({});
  EXPECT_EQ(scanner.scan(raw), HeadScanner::State::kComplete) << raw;
  auto parsed = parse_request_head(std::string_view(raw).substr(0, scanner.head_size()));
  EXPECT_TRUE(std::holds_alternative<RequestHead>(parsed)) << raw;
  auto plan = plan_request(std::get<RequestHead>(parsed));
  EXPECT_TRUE(std::holds_alternative<RequestPlan>(plan)) << raw;
  return std::get<RequestPlan>(plan);
}

std::string post(const std::string& framing_fields) {
  return "POST /x HTTP/1.1\r\nHost: demo.localhost\r\n" + framing_fields + "\r\n";
}

TEST(Http1Scanner, SameDecisionWhateverTheSplit) {
  const std::string raw = "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\nBODY";
  HeadScanner whole({});
  ASSERT_EQ(whole.scan(raw), HeadScanner::State::kComplete);
  HeadScanner bytewise({});
  HeadScanner::State state = HeadScanner::State::kNeedMore;
  std::size_t n = 0;
  while (state == HeadScanner::State::kNeedMore && n < raw.size()) {
    state = bytewise.scan(std::string_view(raw).substr(0, ++n));
  }
  EXPECT_EQ(state, HeadScanner::State::kComplete);
  EXPECT_EQ(bytewise.head_size(), whole.head_size());
  EXPECT_EQ(whole.head_size(), raw.size() - 4);
}

TEST(Http1Scanner, BareLineEndsAreRefused) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0u);
}

// A line that cannot start an HTTP/1.x head is refused as soon as it is complete: an HTTP/0.9
// client sends no empty line, and waiting for one would hold the connection to the timeout.
TEST(Http1Scanner, StartLinesWithoutAVersionAreRefusedAtOnce) {
  HeadScanner request({});
  EXPECT_EQ(request.scan("GET /\r\n"), HeadScanner::State::kError);
  EXPECT_EQ(request.error().status, 400u);
  HeadScanner fine({});
  EXPECT_EQ(fine.scan("GET / HTTP/1.1\r\n"), HeadScanner::State::kNeedMore);
  HeadScanner response({}, HeadScanner::Kind::kResponse);
  EXPECT_EQ(response.scan("<html>\r\n"), HeadScanner::State::kError);
  EXPECT_EQ(response.error().status, 502u);
  HeadScanner big_response(HeadLimits{1024, 10}, HeadScanner::Kind::kResponse);
  EXPECT_EQ(big_response.scan("HTTP/1.1 200 OK\r\nX: " + std::string(2000, 'v')),
            HeadScanner::State::kError);
  EXPECT_EQ(big_response.error().status, 502u);
}

TEST(Http1Scanner, OneLimitWhateverTheReads) {
  HeadLimits limits{1024, 10};
  std::string fields;
  for (int i = 0; i < 10; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  // 10 fields including Host is within the limit; 11 is not.
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\n" + fields.substr(0, fields.size() - 8) + "\r\n",
                    limits),
            0u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n", limits), 431u);
  const std::string big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(1000, 'v') + "\r\n\r\n";
  EXPECT_EQ(verdict(big, limits), 431u);
  HeadScanner split(limits);
  HeadScanner::State state = HeadScanner::State::kNeedMore;
  for (std::size_t n = 100; state == HeadScanner::State::kNeedMore && n < big.size() + 100;
       n += 100) {
    state = split.scan(std::string_view(big).substr(0, std::min(n, big.size())));
  }
  EXPECT_EQ(state, HeadScanner::State::kError);
  EXPECT_EQ(split.error().status, 431u);
}

TEST(Http1Parser, RequestLine) {
  EXPECT_EQ(verdict("GET / HTTP/1.0\r\nHost: a\r\n\r\n"), 0u);
  EXPECT_EQ(verdict("GET /\r\nHost: a\r\n\r\n"), 400u);            // HTTP/0.9 style
  EXPECT_EQ(verdict("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400u);  // two spaces
  EXPECT_EQ(verdict("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505u);
  EXPECT_EQ(verdict("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505u);
  EXPECT_EQ(verdict("GET / http/1.1\r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505u);
  EXPECT_EQ(verdict("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), 400u);
}

TEST(Http1Parser, FieldLines) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nX:  v \t\r\n\r\n"), 0u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), 400u);  // obs-fold
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n"), 0u);
  EXPECT_EQ(verdict(std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 36)), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01"
                    "b\r\n\r\n"),
            400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nX: \xff\r\n\r\n"), 0u);  // obs-text
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nNo colon\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n"), 400u);
}

TEST(Http1Framing, TransferEncoding) {
  EXPECT_EQ(plan_of(post("Transfer-Encoding: chunked\r\n")).framing.kind, Framing::Kind::kChunked);
  EXPECT_EQ(plan_of(post("Transfer-Encoding:  CHUNKED \r\n")).framing.kind,
            Framing::Kind::kChunked);
  EXPECT_EQ(verdict(post("Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n")), 400u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")), 400u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: chunked, chunked\r\n")), 400u);
  // chunked not final: the length cannot be known (RFC 9112 §6.3); final but with another
  // coding: one the gateway does not implement (§6.1).
  EXPECT_EQ(verdict(post("Transfer-Encoding: chunked, identity\r\n")), 400u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: identity\r\n")), 400u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: xchunked\r\n")), 400u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: gzip, chunked\r\n")), 501u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: identity, chunked\r\n")), 501u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: chunked,\r\n")), 400u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: \"chunked\"\r\n")), 400u);
  EXPECT_EQ(verdict(post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")), 400u);
  EXPECT_EQ(verdict("POST /x HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), 400u);
}

TEST(Http1Framing, ContentLength) {
  EXPECT_EQ(plan_of(post("Content-Length: 5\r\n")).framing.length, 5u);
  EXPECT_EQ(plan_of(post("Content-Length: 005\r\n")).framing.length, 5u);
  EXPECT_EQ(plan_of(post("Content-Length: 999999999999999999\r\n")).framing.length,
            999999999999999999u);
  EXPECT_EQ(plan_of(post("")).framing.kind, Framing::Kind::kNone);
  EXPECT_EQ(verdict(post("Content-Length: 9999999999999999999\r\n")), 400u);
  EXPECT_EQ(verdict(post("Content-Length: +5\r\n")), 400u);
  EXPECT_EQ(verdict(post("Content-Length: -1\r\n")), 400u);
  EXPECT_EQ(verdict(post("Content-Length: 0x5\r\n")), 400u);
  EXPECT_EQ(verdict(post("Content-Length: 5 5\r\n")), 400u);
  EXPECT_EQ(verdict(post("Content-Length:\r\n")), 400u);
  EXPECT_EQ(verdict(post("Content-Length: 5, 5\r\n")), 400u);
  EXPECT_EQ(verdict(post("Content-Length: 5\r\nContent-Length: 5\r\n")), 400u);
  EXPECT_EQ(verdict(post("Content-Length: 5\r\nContent-Length: 6\r\n")), 400u);
}

TEST(Http1Framing, Responses) {
  auto decide = [](const std::string& raw, bool head = false) -> std::variant<Framing, HttpError> {
    auto parsed = parse_response_head(raw);
    if (auto* e = std::get_if<HttpError>(&parsed)) return *e;
    return response_framing(std::get<ResponseHead>(parsed), head);
  };
  auto kind = [&](const std::string& raw, bool head = false) {
    auto d = decide(raw, head);
    return std::holds_alternative<Framing>(d) ? std::get<Framing>(d).kind : Framing::Kind::kNone;
  };
  auto refused = [&](const std::string& raw) {
    auto d = decide(raw);
    return std::holds_alternative<HttpError>(d) && std::get<HttpError>(d).status == 502;
  };
  EXPECT_EQ(kind("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"), Framing::Kind::kLength);
  EXPECT_EQ(kind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), Framing::Kind::kChunked);
  EXPECT_EQ(kind("HTTP/1.1 200 OK\r\n\r\n"), Framing::Kind::kUntilClose);
  EXPECT_EQ(kind("HTTP/1.1 204 No Content\r\n\r\n"), Framing::Kind::kNone);
  EXPECT_EQ(kind("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"), Framing::Kind::kNone);
  EXPECT_EQ(kind("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true), Framing::Kind::kNone);
  EXPECT_EQ(kind("HTTP/1.1 200\r\nContent-Length: 3\r\n\r\n"), Framing::Kind::kLength);
  EXPECT_TRUE(refused("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"));
  EXPECT_TRUE(
      refused("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"));
  EXPECT_TRUE(refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"));
  EXPECT_TRUE(refused("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"));
  EXPECT_TRUE(refused("HTTP/1.1 20 OK\r\n\r\n"));
  EXPECT_TRUE(refused("HTTP/2.0 200 OK\r\n\r\n"));
  EXPECT_TRUE(refused("HTTP/1.1 200OK\r\n\r\n"));
}

TEST(Http1Rules, TargetsAndMethods) {
  EXPECT_EQ(plan_of("GET /a?b HTTP/1.1\r\nHost: demo.localhost:7443\r\n\r\n").origin_target,
            "/a?b");
  EXPECT_EQ(
      plan_of("GET http://DEMO.localhost:7443/a?b HTTP/1.1\r\nHost: demo.localhost:7443\r\n\r\n")
          .origin_target,
      "/a?b");
  EXPECT_EQ(plan_of("GET http://demo.localhost:7443 HTTP/1.1\r\nHost: demo.localhost:7443\r\n\r\n")
                .origin_target,
            "/");
  EXPECT_EQ(
      plan_of("GET http://demo.localhost:7443?q HTTP/1.1\r\nHost: demo.localhost:7443\r\n\r\n")
          .origin_target,
      "/?q");
  EXPECT_EQ(verdict("GET http://evil.example/x HTTP/1.1\r\nHost: demo.localhost:7443\r\n\r\n"),
            400u);
  EXPECT_EQ(
      verdict("GET http://u@demo.localhost:7443/ HTTP/1.1\r\nHost: demo.localhost:7443\r\n\r\n"),
      400u);
  EXPECT_EQ(verdict("CONNECT demo.localhost:443 HTTP/1.1\r\nHost: demo.localhost:443\r\n\r\n"),
            405u);
  EXPECT_EQ(verdict("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n"), 0u);
  EXPECT_EQ(verdict("GET demo.localhost:7443 HTTP/1.1\r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"), 0u);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("HEAD / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), 400u);
  EXPECT_EQ(verdict("DELETE / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n"), 0u);
  EXPECT_EQ(verdict(post("Expect: 100-continue\r\nContent-Length: 1\r\n")), 0u);
  EXPECT_TRUE(plan_of(post("Expect: 100-continue\r\nContent-Length: 1\r\n")).expect_continue);
  EXPECT_EQ(verdict(post("Expect: something\r\nContent-Length: 1\r\n")), 417u);
}

TEST(Http1Rules, Persistence) {
  EXPECT_TRUE(plan_of("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keep_alive);
  EXPECT_FALSE(plan_of("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n").keep_alive);
  EXPECT_FALSE(plan_of("GET / HTTP/1.0\r\nHost: a\r\n\r\n").keep_alive);
  EXPECT_TRUE(plan_of("GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n").keep_alive);
}

// Decodes `in` fed in pieces of `step` bytes, as the relay does; returns the data or "ERR".
std::string decode(const std::string& in, std::size_t step, std::string* rest = nullptr) {
  ChunkedDecoder d;
  std::string buffered;
  std::string out;
  std::size_t fed = 0;
  for (;;) {
    const auto s = d.next(buffered);
    if (s.kind == ChunkedDecoder::Step::Kind::kError) return "ERR";
    if (s.kind == ChunkedDecoder::Step::Kind::kData) out += s.data;
    buffered.erase(0, s.consumed);
    if (s.kind == ChunkedDecoder::Step::Kind::kDone) {
      if (rest) *rest = buffered + in.substr(fed);
      return out;
    }
    if (s.kind == ChunkedDecoder::Step::Kind::kNeedMore) {
      if (fed >= in.size()) return "INCOMPLETE";
      buffered += in.substr(fed, step);
      fed = std::min(fed + step, in.size());
    }
  }
}

TEST(Http1Chunked, DecodesWhateverTheSplit) {
  const std::string body =
      "5\r\nhello\r\n6;name=val;q=\"a\\\"b\"\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (std::size_t step : {1u, 2u, 3u, 7u, 1000u}) {
    std::string rest;
    EXPECT_EQ(decode(body, step, &rest), "hello world") << step;
    EXPECT_EQ(rest, "NEXT") << step;
  }
  EXPECT_EQ(decode("5 ;ext\r\nhello\r\n0\r\n\r\n", 4), "hello");
  EXPECT_EQ(decode("005\r\nhello\r\n000\r\n\r\n", 4), "hello");
  EXPECT_EQ(decode("A\r\n0123456789\r\n0\r\n\r\n", 4), "0123456789");
}

TEST(Http1Chunked, RefusesMalformedFraming) {
  EXPECT_EQ(decode("ffffffffffffffffff\r\nx\r\n0\r\n\r\n", 100), "ERR");     // overflow
  EXPECT_EQ(decode("10000000000000005\r\nhello\r\n0\r\n\r\n", 100), "ERR");  // wraps to 5
  EXPECT_EQ(decode("0x5\r\nhello\r\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode(" 5\r\nhello\r\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5 \r\nhello\r\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5\nhello\r\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5\r\nhelloXX0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5\r\nhello\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5;\r\nhello\r\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5;a=\"x\r\nhello\r\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5;" + std::string(5000, 'a') + "\r\nhello\r\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5\r\nhello\r\n0\r\n folded: x\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5\r\nhello\r\n0\r\nno colon\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("\r\nhello\r\n0\r\n\r\n", 100), "ERR");
  EXPECT_EQ(decode("5\r\nhel", 100), "INCOMPLETE");
}

TEST(Http1Serializer, FramingComesOnlyFromTheDecision) {
  Fields f;
  f.add("Host", "app.example");
  f.add("Content-Length", "99");
  f.add("Transfer-Encoding", "chunked");
  EXPECT_EQ(serialize_request_head("POST", "/x", f, Framing{Framing::Kind::kLength, 5}, true),
            "POST /x HTTP/1.1\r\nHost: app.example\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(serialize_request_head("POST", "/x", f, Framing{Framing::Kind::kChunked, 0}, true),
            "POST /x HTTP/1.1\r\nHost: app.example\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(serialize_request_head("GET", "/", f, Framing{}, false),
            "GET / HTTP/1.1\r\nHost: app.example\r\n\r\n");
  EXPECT_EQ(serialize_response_head(103, "", Fields{}, Framing{}),
            "HTTP/1.1 103 Early Hints\r\n\r\n");
  std::string out;
  append_chunk(out, "hello world, this is 26 ch");
  EXPECT_EQ(out, "1a\r\nhello world, this is 26 ch\r\n");
  append_chunk(out, "");
  EXPECT_EQ(out.size(), 4u + 26u + 2u);
}

}  // namespace
}  // namespace ratls::proxy::http1

namespace ratls::proxy::http1 {
namespace {

const Origins kOrigins{"http://demo.localhost:7443", "https://app.example:8443",
                       "app.example:8443"};

RequestHead request(const std::string& raw) {
  HeadScanner scanner({});
  EXPECT_EQ(scanner.scan(raw), HeadScanner::State::kComplete);
  return std::get<RequestHead>(
      parse_request_head(std::string_view(raw).substr(0, scanner.head_size())));
}

ResponseHead response(const std::string& raw) {
  return std::get<ResponseHead>(parse_response_head(raw));
}

// What the upstream gets is written from the gateway's decision: the client's framing fields,
// hop-by-hop fields and Expect never pass, the target is origin-form, Host is the upstream's.
TEST(Http1Forwarding, UpstreamRequestHead) {
  const RequestHead r = request(
      "POST http://demo.localhost:7443/x?y HTTP/1.1\r\nHost: demo.localhost:7443\r\n"
      "Transfer-Encoding: chunked\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
      "Expect: 100-continue\r\nTE: trailers\r\nX-Keep: 2\r\n\r\n");
  const RequestPlan plan = std::get<RequestPlan>(plan_request(r));
  const UpstreamRequest up = upstream_request(r, plan, false, kOrigins);
  EXPECT_EQ(up.head,
            "POST /x?y HTTP/1.1\r\nHost: app.example:8443\r\nX-Keep: 2\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
  const RequestHead empty_post = request("POST / HTTP/1.1\r\nHost: demo.localhost:7443\r\n\r\n");
  EXPECT_EQ(
      upstream_request(empty_post, std::get<RequestPlan>(plan_request(empty_post)), false, kOrigins)
          .head,
      "POST / HTTP/1.1\r\nHost: app.example:8443\r\nContent-Length: 0\r\n\r\n");
  const RequestHead ws = request(
      "GET /ws HTTP/1.1\r\nHost: demo.localhost:7443\r\nConnection: Upgrade\r\n"
      "Upgrade: websocket\r\n\r\n");
  EXPECT_EQ(upstream_request(ws, std::get<RequestPlan>(plan_request(ws)), true, kOrigins).head,
            "GET /ws HTTP/1.1\r\nHost: app.example:8443\r\nUpgrade: websocket\r\n"
            "Connection: upgrade\r\n\r\n");
}

// What the client gets: the body's framing re-decided for its version, keep-alive only when the
// end of the body can be told, and the response rewrites.
TEST(Http1Forwarding, ClientResponseHead) {
  const Framing chunked{Framing::Kind::kChunked, 0};
  const Framing until_close{Framing::Kind::kUntilClose, 0};
  const ResponseHead res = response(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1; Domain=app.example\r\n"
      "Strict-Transport-Security: max-age=1\r\nLocation: https://app.example:8443/n\r\n\r\n");
  const ClientResponse to11 = client_response(res, chunked, false, 1, true, kOrigins);
  EXPECT_EQ(to11.head,
            "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nLocation: http://demo.localhost:7443/n\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(to11.out_chunked);
  EXPECT_TRUE(to11.keep_alive);
  const ClientResponse to10 = client_response(res, chunked, false, 0, true, kOrigins);
  EXPECT_FALSE(to10.out_chunked);
  EXPECT_FALSE(to10.keep_alive);
  EXPECT_EQ(to10.to_client.kind, Framing::Kind::kUntilClose);
  EXPECT_NE(to10.head.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(to10.head.find("Transfer-Encoding"), std::string::npos);
  // A close-delimited body goes chunked to an HTTP/1.1 client, which keeps its connection.
  const ClientResponse closing =
      client_response(response("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), until_close, false,
                      1, true, kOrigins);
  EXPECT_TRUE(closing.out_chunked);
  EXPECT_TRUE(closing.keep_alive);
  // HEAD and 304 keep the length they announce; 204 announces none.
  const ResponseHead head = response("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
  EXPECT_NE(
      client_response(head, Framing{}, true, 1, true, kOrigins).head.find("Content-Length: 42"),
      std::string::npos);
  const ResponseHead no_content = response("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(client_response(no_content, Framing{}, false, 1, true, kOrigins).head,
            "HTTP/1.1 204 No Content\r\n\r\n");
  // HTTP/1.0 clients that asked for keep-alive are told so when the length is known.
  const ClientResponse ka10 =
      client_response(head, Framing{Framing::Kind::kLength, 42}, false, 0, true, kOrigins);
  EXPECT_TRUE(ka10.keep_alive);
  EXPECT_NE(ka10.head.find("Connection: keep-alive\r\n"), std::string::npos);
  // Interim responses get the same rewrites and no framing.
  EXPECT_EQ(interim_response(response("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n"
                                      "Set-Cookie: h=1; Domain=x\r\nAlt-Svc: h3\r\n\r\n"),
                             kOrigins),
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nSet-Cookie: h=1\r\n\r\n");
}

}  // namespace
}  // namespace ratls::proxy::http1
