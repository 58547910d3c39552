// Differential request-smuggling tests: one table of raw-byte HTTP/1.1 requests sent to the
// gateway, to nginx and to HAProxy, each in front of its own strict upstream
// (tests/integration/peers/strict_upstream.py: python3-h11 behind TLS, recording every request
// it parses).
//
// For every case the client opens a fresh connection, writes the bytes, reads until the proxy
// closes or goes quiet (1 s; 0.2 s once the expected responses arrived), and counts the final
// responses, framed by their own Content-Length / chunked / close; the upstream's record says
// what reached the app. The gateway must keep these invariants in every case:
//   1. the upstream saw at most as many requests as the client got final responses;
//   2. the upstream never saw /SMUGGLED (a request hidden in a body or in ambiguous framing);
//   3. the upstream recorded no h11 protocol error, and no message cut short unless the case is
//      a malformed chunked body; an upstream connection left in the middle of a request must
//      have been closed;
//   4. right after the case, a fresh client's GET /ok gets 200 (and the process is still alive);
// it must answer with the status of the case's `expect` column, answer pipelined requests in
// order, refuse without forwarding, and frame what it forwards itself (one Content-Length or
// `Transfer-Encoding: chunked`, never both; no chunk extensions, trailers or Upgrade).
// nginx and HAProxy get the same bytes and nothing is asserted about them: they are peers to
// compare with (RATLS_SMUGGLING_ASSERT_PEERS=1 holds them to the gateway's rules anyway).
// Each proxy writes its column to a directory (RATLS_SMUGGLING_DIR, default
// <build>/tests/integration/smuggling), and the columns are merged into a markdown table
// (RATLS_SMUGGLING_REPORT, default <dir>/report.md).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

using Clock = std::chrono::steady_clock;

// The request hidden in bodies (placeholder {S}). Its Host names the demo app without a port so
// that it routes through the gateway too, and its length is fixed, 48 bytes (0x30), so that the
// chunk sizes and Content-Lengths in the table can be written by hand.
constexpr std::string_view kSmuggled = "GET /SMUGGLED HTTP/1.1\r\nHost: demo.localhost\r\n\r\n";
static_assert(kSmuggled.size() == 0x30);

enum Flag : unsigned {
  kBadBody = 1u << 0,      // malformed chunked body: the upstream may have seen the head (and
                           // then a cut-short body), but its connection must then be closed
  kSlow = 1u << 1,         // written in many small pieces with pauses (arrives over many reads)
  kHead = 1u << 2,         // the first request is HEAD: its response has no body
  kOriginForm = 1u << 3,   // the upstream must see an origin-form target
  kNoUpgrade = 1u << 4,    // no Upgrade or HTTP2-Settings field may reach the upstream
  kNoExtension = 1u << 5,  // no chunk extension may reach the upstream
  kNoTrailers = 1u << 6,   // no trailer field may reach the upstream
};

// One row. `raw` is a C++ raw string read with escapes \r \n \t \v \0 \xHH \\ and placeholders:
// {H} the Host value (demo.localhost:<port>), {HU} the same in upper case, {ID} the case id,
// {S} the smuggled request, {PAD:n} n bytes 'a', {FIELDS:n} n fields "X-Field-<i>: v",
// {BIG:n} n fields of 1,000 bytes each, {LINES:n} n lines "x: y".
struct Case {
  const char* id;
  const char* cls;
  const char* what;
  const char* raw;
  int expect;     // the gateway's first status
  int alt = 0;    // another status the gateway may answer instead (0: none)
  int n = 1;      // final responses the client must get from the gateway
  int body = -1;  // body length the upstream must receive in the first request (-1: unchecked)
  unsigned flags = 0;
};

// clang-format off
const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
  // --- Content-Length and Transfer-Encoding together --------------------------------------------
  {"clte-cl-first", "CL+TE", "CL 4 then TE chunked; a CL reader takes the chunk-size line as the body and sees {S} next",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n30\r\n{S}\r\n0\r\n\r\n)", 400},
  {"clte-te-first", "CL+TE", "TE chunked then CL 4 (same body)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n30\r\n{S}\r\n0\r\n\r\n)", 400},
  {"clte-cl-covers", "CL+TE", "CL covers the empty chunked body and {S}; a TE reader sees {S} next",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 53\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{S})", 400},
  {"clte-cl-zero", "CL+TE", "CL 0 with TE chunked",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n)", 400},
  {"clte-get", "CL+TE", "GET with CL and TE",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 53\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{S})", 400},

  // --- Transfer-Encoding variants ---------------------------------------------------------------
  {"te-upper", "TE", "TE `CHUNKED` (codings are case-insensitive)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n)", 200, 0, 1, 5},
  {"te-ows", "TE", "TE ` chunked ` with OWS around the value",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding:   chunked  \r\n\r\n5\r\nhello\r\n0\r\n\r\n)", 200, 0, 1, 5},
  {"te-htab", "TE", "TE with HTAB as OWS",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding:\tchunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n)", 200, 0, 1, 5},
  {"te-chunked-identity", "TE", "TE `chunked, identity`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n{S})", 400},
  {"te-identity-chunked", "TE", "TE `identity, chunked`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n{S})", 501},
  {"te-gzip-chunked", "TE", "TE `gzip, chunked`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n{S})", 501},
  {"te-xchunked", "TE", "TE `xchunked`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n{S})", 400},
  {"te-identity", "TE", "TE `identity` alone; a reader ignoring it sees no body and {S} next",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: identity\r\n\r\n{S})", 400},
  {"te-chunked-chunked", "TE", "TE `chunked, chunked`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n{S})", 400},
  {"te-two-fields", "TE", "two TE fields, `identity` then `chunked`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{S})", 400},
  {"te-two-fields-rev", "TE", "two TE fields, `chunked` then `identity`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n{S})", 400},
  {"te-two-chunked", "TE", "two TE fields, both `chunked`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{S})", 400},
  {"te-obs-fold", "TE", "TE `identity` obs-folded onto ` chunked`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: identity\r\n chunked\r\n\r\n0\r\n\r\n{S})", 400},
  {"te-space-colon", "TE", "`Transfer-Encoding : chunked` (space before the colon)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n{S})", 400},
  {"te-vtab", "TE", "TE `\\x0bchunked` (VT before the coding)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n{S})", 400},
  {"te-http10", "TE", "TE chunked in an HTTP/1.0 request",
   R"(POST /?case={ID} HTTP/1.0\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{S})", 400},

  // --- Content-Length variants ------------------------------------------------------------------
  {"cl-plus", "CL", "CL `+5`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: +5\r\n\r\nhello{S})", 400},
  {"cl-minus", "CL", "CL `-1`; a reader taking it as no body sees {S} next",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: -1\r\n\r\n{S})", 400},
  {"cl-leading-zero", "CL", "CL `05` (leading zero)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 05\r\n\r\nhello)", 200, 0, 1, 5},
  {"cl-many-zeros", "CL", "CL `0000000000000000000005` (22 digits, 1 significant)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 0000000000000000000005\r\n\r\nhello)", 200, 0, 1, 5},
  {"cl-list-equal", "CL", "CL `5, 5`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 5, 5\r\n\r\nhello)", 400},
  {"cl-list-diff", "CL", "CL `5, 6`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 5, 6\r\n\r\nhello{S})", 400},
  {"cl-two-equal", "CL", "two CL fields, both 5",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello)", 400},
  {"cl-two-diff", "CL", "two CL fields, 5 and 53 (the second covers {S})",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 5\r\nContent-Length: 53\r\n\r\nhello{S})", 400},
  {"cl-huge", "CL", "CL 99999999999999999999 (overflows 64 bits)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 99999999999999999999\r\n\r\nhello)", 400},
  {"cl-19-digits", "CL", "CL 1000000000000000000 (19 significant digits)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 1000000000000000000\r\n\r\nhello)", 400},
  {"cl-hex", "CL", "CL `0x5`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 0x5\r\n\r\nhello)", 400},
  {"cl-ows", "CL", "CL ` 5 ` (OWS around the value)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length:  5 \r\n\r\nhello)", 200, 0, 1, 5},
  {"cl-space-inside", "CL", "CL `5 5` (space inside)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 5 5\r\n\r\nhello)", 400},
  {"cl-empty", "CL", "CL empty; a reader taking it as no body sees {S} next",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: \r\n\r\n{S})", 400},

  // --- chunk sizes, extensions, trailers --------------------------------------------------------
  {"chunk-overflow", "chunked", "chunk size `ffffffffffffffffff` (72 bits)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n{S})", 400, 0, 1, -1, kBadBody},
  {"chunk-wraps-to-5", "chunked", "chunk size `10000000000000005` (5 modulo 2^64), then {S}",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n{S})", 400, 0, 1, -1, kBadBody},
  {"chunk-0x", "chunked", "chunk size `0x5`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n{S})", 400, 0, 1, -1, kBadBody},
  {"chunk-leading-space", "chunked", "chunk size ` 5`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n)", 400, 0, 1, -1, kBadBody},
  {"chunk-ext-bws", "chunked", "chunk extension with BWS `5 ;ext`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5 ;ext\r\nhello\r\n0\r\n\r\n)", 200, 0, 1, 5, kNoExtension},
  {"chunk-ext-value", "chunked", "chunk extension `5;ext=val`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=val\r\nhello\r\n0\r\n\r\n)", 200, 0, 1, 5, kNoExtension},
  {"chunk-ext-quoted", "chunked", "chunk extension `5;ext=\"q\"`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5;ext="q"\r\nhello\r\n0\r\n\r\n)", 200, 0, 1, 5, kNoExtension},
  {"chunk-ext-huge", "chunked", "chunk extension of 70,000 bytes (400 or forwarded without it)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5;ext={PAD:70000}\r\nhello\r\n0\r\n\r\n)", 400, 200, 1, -1, kBadBody | kNoExtension},
  {"chunk-missing-crlf", "chunked", "no CRLF after the chunk data, then {S}",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n{S})", 400, 0, 1, -1, kBadBody},
  {"chunk-data-too-long", "chunked", "more data than the chunk size",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n)", 400, 0, 1, -1, kBadBody},
  {"chunk-bare-lf-size", "chunked", "bare LF after the chunk size",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n)", 400, 0, 1, -1, kBadBody},
  {"chunk-bare-lf-data", "chunked", "bare LF after the chunk data",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n)", 400, 0, 1, -1, kBadBody},
  {"chunk-trailer-bare-lf", "chunked", "trailer section with a bare LF",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\n\r\n)", 400, 0, 1, -1, kBadBody},
  {"chunk-size-zeros", "chunked", "chunk sizes `0005` and `0000`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n0005\r\nhello\r\n0000\r\n\r\n)", 200, 0, 1, 5},
  {"chunk-size-upper-hex", "chunked", "chunk size `A`",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n)", 200, 0, 1, 10},
  {"chunk-trailer", "chunked", "a trailer field (dropped)",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n)", 200, 0, 1, 5, kNoTrailers},
  {"chunk-trailer-te", "chunked", "a trailer named Transfer-Encoding",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n)", 200, 0, 1, 5, kNoTrailers},
  {"chunk-trailer-cl", "chunked", "a trailer named Content-Length",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 53\r\n\r\n)", 200, 0, 1, 5, kNoTrailers},

  // --- bare CR / LF, NUL and other control bytes ------------------------------------------------
  {"ctl-lf-request-line", "CTL", "request line ended by a bare LF",
   R"(GET /?case={ID} HTTP/1.1\nHost: {H}\r\n\r\n)", 400},
  {"ctl-lf-field", "CTL", "field line ended by a bare LF",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\nX-A: b\r\n\r\n)", 400},
  {"ctl-lf-end", "CTL", "head ended by CRLF LF",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\n\n)", 400},
  {"ctl-lf-hides-cl", "CTL", "bare LF before a CL covering {S}",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A: b\nContent-Length: 48\r\n\r\n{S})", 400},
  {"ctl-cr-field", "CTL", "bare CR inside the field section",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A: b\rX-B: c\r\n\r\n)", 400},
  {"ctl-cr-request-line", "CTL", "bare CR in the request line",
   R"(GET /?case={ID}\r HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400},
  {"ctl-nul-value", "CTL", "NUL in a field value",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A: a\0b\r\n\r\n)", 400},
  {"ctl-nul-name", "CTL", "NUL in a field name",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX\0A: b\r\n\r\n)", 400},
  {"ctl-nul-target", "CTL", "NUL in the request target",
   R"(GET /?case={ID}\0 HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400},
  {"ctl-soh-value", "CTL", "\\x01 in a field value",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A: a\x01b\r\n\r\n)", 400},
  {"ctl-del-value", "CTL", "DEL in a field value",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A: a\x7fb\r\n\r\n)", 400},
  {"ctl-esc-name", "CTL", "ESC in a field name",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX\x1bA: b\r\n\r\n)", 400},
  {"ctl-htab-value", "CTL", "HTAB inside a field value (allowed)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A: a\tb\r\n\r\n)", 200},
  {"ctl-obs-text-value", "CTL", "obs-text \\xe9 in a field value (allowed)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A: caf\xe9\r\n\r\n)", 200},

  // --- whitespace in and before field names -----------------------------------------------------
  {"ws-host-space-colon", "whitespace", "`Host : x` (space before the colon)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost : {H}\r\n\r\n)", 400},
  {"ws-cl-space-colon", "whitespace", "`Content-Length : 48` covering {S}",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length : 48\r\n\r\n{S})", 400},
  {"ws-first-line-indented", "whitespace", "first field line starts with a space",
   R"(GET /?case={ID} HTTP/1.1\r\n X-Injected: 1\r\nHost: {H}\r\n\r\n)", 400},
  {"ws-in-name", "whitespace", "`Ho st: x` (space inside a name)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nHo st: x\r\n\r\n)", 400},
  {"ws-tab-before-colon", "whitespace", "HTAB between name and colon",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A\t: b\r\n\r\n)", 400},
  {"ws-obs-fold", "whitespace", "obs-fold in an ordinary field",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-A: a\r\n b\r\n\r\n)", 400},
  {"ws-empty-name", "whitespace", "field line with an empty name",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\n: b\r\n\r\n)", 400},
  {"ws-name-not-token", "whitespace", "field name `X(A)` (not a token)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX(A): b\r\n\r\n)", 400},

  // --- request-target forms ---------------------------------------------------------------------
  {"target-absolute-same", "target", "absolute-form with the Host's authority (forwarded as origin-form)",
   R"(GET http://{H}/?case={ID} HTTP/1.1\r\nHost: {H}\r\n\r\n)", 200, 0, 1, -1, kOriginForm},
  {"target-absolute-case", "target", "absolute-form, authority in upper case",
   R"(GET http://{HU}/?case={ID} HTTP/1.1\r\nHost: {H}\r\n\r\n)", 200, 0, 1, -1, kOriginForm},
  {"target-absolute-other", "target", "absolute-form `http://evil.example/x`",
   R"(GET http://evil.example/x HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400},
  {"target-connect", "target", "`CONNECT demo.localhost:443`",
   R"(CONNECT demo.localhost:443 HTTP/1.1\r\nHost: demo.localhost:443\r\n\r\n)", 405},
  {"target-options-star", "target", "`OPTIONS *`",
   R"(OPTIONS * HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400},
  {"target-get-star", "target", "`GET *`",
   R"(GET * HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400},
  {"target-authority-get", "target", "authority-form with GET",
   R"(GET {H} HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400},
  {"target-relative", "target", "target without a leading slash",
   R"(GET a/b?case={ID} HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400},
  {"target-space", "target", "space inside the target",
   R"(GET /a b?case={ID} HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400},
  {"target-fragment", "target", "`#` in the target (400, or forwarded as valid bytes)",
   R"(GET /?case={ID}#frag HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400, 200},
  {"target-non-ascii", "target", "raw UTF-8 in the target (400, or forwarded as valid bytes)",
   R"(GET /caf\xc3\xa9?case={ID} HTTP/1.1\r\nHost: {H}\r\n\r\n)", 400, 200},

  // --- pipelining and HTTP/1.0 keep-alive -------------------------------------------------------
  {"pipeline-two", "pipeline", "two GETs in one write",
   R"(GET /?case={ID}&n=1 HTTP/1.1\r\nHost: {H}\r\n\r\nGET /?case={ID}&n=2 HTTP/1.1\r\nHost: {H}\r\n\r\n)", 200, 0, 2},
  {"pipeline-three", "pipeline", "three GETs in one write",
   R"(GET /?case={ID}&n=1 HTTP/1.1\r\nHost: {H}\r\n\r\nGET /?case={ID}&n=2 HTTP/1.1\r\nHost: {H}\r\n\r\nGET /?case={ID}&n=3 HTTP/1.1\r\nHost: {H}\r\n\r\n)", 200, 0, 3},
  {"pipeline-post-get", "pipeline", "POST with a CL body, then a GET",
   R"(POST /?case={ID}&n=1 HTTP/1.1\r\nHost: {H}\r\nContent-Length: 5\r\n\r\nhelloGET /?case={ID}&n=2 HTTP/1.1\r\nHost: {H}\r\n\r\n)", 200, 0, 2, 5},
  {"pipeline-chunked-get", "pipeline", "POST with a chunked body, then a GET",
   R"(POST /?case={ID}&n=1 HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /?case={ID}&n=2 HTTP/1.1\r\nHost: {H}\r\n\r\n)", 200, 0, 2, 5},
  {"pipeline-http10-keepalive", "pipeline", "two HTTP/1.0 keep-alive requests",
   R"(GET /?case={ID}&n=1 HTTP/1.0\r\nHost: {H}\r\nConnection: keep-alive\r\n\r\nGET /?case={ID}&n=2 HTTP/1.0\r\nHost: {H}\r\nConnection: keep-alive\r\n\r\n)", 200, 0, 2},
  {"pipeline-close-then-get", "pipeline", "`Connection: close` request followed by {S}",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nConnection: close\r\n\r\n{S})", 200, 0, 1},
  {"pipeline-http10-then-get", "pipeline", "HTTP/1.0 request without keep-alive followed by {S}",
   R"(GET /?case={ID} HTTP/1.0\r\nHost: {H}\r\n\r\n{S})", 200, 0, 1},

  // --- protocol versions and upgrades -----------------------------------------------------------
  {"version-0.9", "version", "HTTP/0.9 `GET /`",
   R"(GET /\r\n)", 400},
  {"version-h2-preface", "version", "the HTTP/2 connection preface",
   R"(PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n)", 505, 400},
  {"version-1.2", "version", "`HTTP/1.2` request line",
   R"(GET /?case={ID} HTTP/1.2\r\nHost: {H}\r\n\r\n)", 505},
  {"version-2.0", "version", "`HTTP/2.0` request line",
   R"(GET /?case={ID} HTTP/2.0\r\nHost: {H}\r\n\r\n)", 505},
  {"version-lowercase", "version", "`http/1.1` (HTTP-name is case-sensitive)",
   R"(GET /?case={ID} http/1.1\r\nHost: {H}\r\n\r\n)", 400, 505},
  {"upgrade-h2c", "version", "`Upgrade: h2c` with HTTP2-Settings (forwarded as a plain request)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n)", 200, 0, 1, -1, kNoUpgrade},

  // --- bodies on GET / HEAD / TRACE -------------------------------------------------------------
  {"body-get-cl", "body on GET", "GET with a CL body holding {S}",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 48\r\n\r\n{S})", 400},
  {"body-get-chunked", "body on GET", "GET with a chunked body holding {S}",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n30\r\n{S}\r\n0\r\n\r\n)", 400},
  {"body-get-chunked-empty", "body on GET", "GET with an empty chunked body",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n)", 400},
  {"body-get-cl-zero", "body on GET", "GET with `Content-Length: 0` (fine)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 0\r\n\r\n)", 200},
  {"body-head-cl", "body on GET", "HEAD with a CL body holding {S}",
   R"(HEAD /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 48\r\n\r\n{S})", 400, 0, 1, -1, kHead},
  {"body-trace-cl", "body on GET", "TRACE with a CL body",
   R"(TRACE /?case={ID} HTTP/1.1\r\nHost: {H}\r\nContent-Length: 5\r\n\r\nhello)", 400},

  // --- framing fields named in Connection -------------------------------------------------------
  {"connection-content-length", "Connection", "`Connection: content-length` with a CL body",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nhello)", 200, 0, 1, 5},
  {"connection-transfer-encoding", "Connection", "`Connection: transfer-encoding` with a chunked body",
   R"(POST /?case={ID} HTTP/1.1\r\nHost: {H}\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n)", 200, 0, 1, 5},
  {"connection-host", "Connection", "`Connection: host`",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nConnection: host\r\n\r\n)", 200},

  // --- Host -------------------------------------------------------------------------------------
  {"host-duplicate", "Host", "two equal Host fields",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nHost: {H}\r\n\r\n)", 400},
  {"host-duplicate-other", "Host", "two Host fields, the second foreign",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nHost: evil.example\r\n\r\n)", 400},
  {"host-missing", "Host", "HTTP/1.1 without Host",
   R"(GET /?case={ID} HTTP/1.1\r\nX-A: b\r\n\r\n)", 400},
  {"host-missing-http10", "Host", "HTTP/1.0 without Host",
   R"(GET /?case={ID} HTTP/1.0\r\nX-A: b\r\n\r\n)", 400},
  {"host-empty", "Host", "empty Host",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: \r\n\r\n)", 400},
  {"host-absolute-differs", "Host", "absolute-form authority differs from Host",
   R"(GET http://{H}/?case={ID} HTTP/1.1\r\nHost: evil.example\r\n\r\n)", 400},

  // --- header size limits -----------------------------------------------------------------------
  {"limit-one-70k-field", "limits", "one field of 70 KiB",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-Big: {PAD:71680}\r\n\r\n)", 431},
  {"limit-one-70k-field-slow", "limits", "one field of 70 KiB over many reads",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\nX-Big: {PAD:71680}\r\n\r\n)", 431, 0, 1, -1, kSlow},
  {"limit-101-fields", "limits", "101 field lines",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\n{FIELDS:100}\r\n)", 431},
  {"limit-100-fields", "limits", "100 field lines (accepted)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\n{FIELDS:99}\r\n)", 200},
  {"limit-10000-lines-slow", "limits", "10,000 small field lines (60 KB) over many reads",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\n{LINES:10000}\r\n)", 431, 0, 1, -1, kSlow},
  {"limit-just-under", "limits", "64 fields of 1,000 bytes, a head just under 64 KiB (accepted)",
   R"(GET /?case={ID} HTTP/1.1\r\nHost: {H}\r\n{BIG:64}\r\n)", 200},
  };
  return table;
}
// clang-format on

std::string expand(std::string_view raw, const std::string& host, const std::string& id) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      const char e = raw[++i];
      switch (e) {
        case 'r':
          out += '\r';
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case '0':
          out += '\0';
          break;
        case '\\':
          out += '\\';
          break;
        case 'x':
          out += static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16));
          i += 2;
          break;
        default:
          ADD_FAILURE() << "unknown escape \\" << e << " in " << id;
      }
    } else if (c == '{') {
      const std::size_t close = raw.find('}', i);
      const std::string name(raw.substr(i + 1, close - i - 1));
      const std::size_t colon = name.find(':');
      const std::string key = name.substr(0, colon);
      const int count = colon == std::string::npos ? 0 : std::stoi(name.substr(colon + 1));
      if (key == "H") {
        out += host;
      } else if (key == "HU") {
        std::string upper = host;
        for (char& ch : upper) ch = static_cast<char>(::toupper(static_cast<unsigned char>(ch)));
        out += upper;
      } else if (key == "ID") {
        out += id;
      } else if (key == "S") {
        out += kSmuggled;
      } else if (key == "PAD") {
        out.append(static_cast<std::size_t>(count), 'a');
      } else if (key == "FIELDS") {
        for (int k = 0; k < count; ++k) out += "X-Field-" + std::to_string(k) + ": v\r\n";
      } else if (key == "BIG") {
        for (int k = 0; k < count; ++k) {
          std::string line = "X-Pad-" + std::to_string(1000 + k) + ": ";
          line.append(998 - line.size(), 'b');
          out += line + "\r\n";
        }
      } else if (key == "LINES") {
        for (int k = 0; k < count; ++k) out += "x: y\r\n";
      } else {
        ADD_FAILURE() << "unknown placeholder {" << name << "} in " << id;
      }
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

// Bytes as C-like text for failure messages, cut to `limit`.
std::string printable(std::string_view s, std::size_t limit = 400) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > limit) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ::tolower(static_cast<unsigned char>(x)) ==
                  ::tolower(static_cast<unsigned char>(y));
         });
}

// --- the client ------------------------------------------------------------------------------

struct Reply {
  bool connected = false;
  bool closed = false;  // the proxy closed (or reset) the connection
  std::string bytes;
};

// A final response as read from the raw reply; interim (1xx) ones are only counted.
struct Response {
  int status = 0;
  bool complete = false;  // its body was read whole
  std::string body;
};

struct Responses {
  std::vector<Response> finals;
  int interim = 0;
  bool garbage = false;  // bytes that are not a response where one should start
  int complete() const {
    return static_cast<int>(
        std::count_if(finals.begin(), finals.end(), [](const Response& r) { return r.complete; }));
  }
};

// Splits a raw reply into responses, framed by their Content-Length / chunked / close, so that
// a body never counts as a status line.
Responses parse_responses(const std::string& in, bool closed, bool first_is_head) {
  Responses out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (in.compare(pos, 5, "HTTP/") != 0) {
      out.garbage = true;
      break;
    }
    const std::size_t end = in.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    const std::string head = in.substr(pos, end - pos);
    pos = end + 4;
    const std::size_t sp = head.find(' ');
    const int status = sp == std::string::npos ? 0 : std::atoi(head.c_str() + sp + 1);
    if (status >= 100 && status < 200 && status != 101) {
      ++out.interim;
      continue;
    }
    Response r;
    r.status = status;
    bool chunked = false;
    long long length = -1;
    for (std::size_t line = head.find("\r\n"); line != std::string::npos;) {
      const std::size_t next = head.find("\r\n", line + 2);
      const std::string field =
          head.substr(line + 2, next == std::string::npos ? std::string::npos : next - line - 2);
      const std::size_t colon = field.find(':');
      if (colon != std::string::npos) {
        const std::string name = field.substr(0, colon);
        std::string value = field.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        if (iequals(name, "content-length")) length = std::atoll(value.c_str());
        if (iequals(name, "transfer-encoding") && value.find("chunked") != std::string::npos) {
          chunked = true;
        }
      }
      line = next;
    }
    const bool no_body =
        (first_is_head && out.finals.empty()) || status == 204 || status == 304 || status == 101;
    if (no_body) {
      r.complete = true;
    } else if (chunked) {
      std::size_t p = pos;
      for (;;) {
        const std::size_t eol = in.find("\r\n", p);
        if (eol == std::string::npos) break;
        const unsigned long long size = std::strtoull(in.c_str() + p, nullptr, 16);
        if (size == 0) {
          const std::size_t trailer_end = in.find("\r\n\r\n", eol);
          const std::size_t direct_end = eol + 2;
          if (in.compare(direct_end, 2, "\r\n") == 0) {
            p = direct_end + 2;
          } else if (trailer_end != std::string::npos) {
            p = trailer_end + 4;
          } else {
            break;
          }
          r.complete = true;
          break;
        }
        if (in.size() < eol + 2 + size + 2) break;
        r.body.append(in, eol + 2, size);
        p = eol + 2 + size + 2;
      }
      if (r.complete) pos = p;
    } else if (length >= 0) {
      if (in.size() - pos >= static_cast<std::size_t>(length)) {
        r.body = in.substr(pos, static_cast<std::size_t>(length));
        pos += static_cast<std::size_t>(length);
        r.complete = true;
      }
    } else {
      r.body = in.substr(pos);
      pos = in.size();
      r.complete = closed;
    }
    out.finals.push_back(r);
    if (!r.complete || status == 101) break;
  }
  return out;
}

void drain(int fd, Reply& reply) {
  char buf[65536];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      reply.bytes.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      reply.closed = true;
    }
    return;
  }
}

// Sends `request` on a fresh connection (reading whatever comes back meanwhile, so that an early
// answer is not lost to a reset), then reads until the proxy closes, or is quiet for 1 s (0.2 s
// once `expected` complete final responses arrived), or 6 s passed.
Reply exchange(int port, const std::string& request, bool slow, int expected, bool head) {
  Reply reply;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return reply;
  }
  reply.connected = true;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

  const std::size_t piece = slow ? std::max<std::size_t>(1, request.size() / 40) : request.size();
  const auto deadline = Clock::now() + std::chrono::seconds(6);
  bool send_failed = false;
  for (std::size_t off = 0; off < request.size() && !send_failed && !reply.closed;) {
    const std::size_t end = std::min(request.size(), off + piece);
    while (off < end && !send_failed && !reply.closed && Clock::now() < deadline) {
      pollfd p{fd, POLLIN | POLLOUT, 0};
      if (poll(&p, 1, 1000) <= 0) continue;
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) drain(fd, reply);
      if (p.revents & POLLOUT) {
        const ssize_t n = send(fd, request.data() + off, end - off, MSG_NOSIGNAL);
        if (n > 0) {
          off += static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          send_failed = true;
        }
      }
    }
    if (slow && off < request.size()) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 10) > 0) drain(fd, reply);
    }
    if (Clock::now() >= deadline) break;
  }
  while (!reply.closed && Clock::now() < deadline) {
    const Responses got = parse_responses(reply.bytes, false, head);
    const int idle_ms = got.complete() >= expected ? 200 : 1000;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, idle_ms) <= 0) break;
    drain(fd, reply);
  }
  close(fd);
  return reply;
}

// --- the upstream's record -------------------------------------------------------------------

std::vector<json> read_records(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written has no newline yet
    try {
      out.push_back(json::parse(line));
    } catch (const std::exception&) {
      ADD_FAILURE() << "unreadable record line: " << line;
    }
  }
  return out;
}

bool is_probe(const json& r) {
  return r.contains("target") && r["target"].get<std::string>().find("probe=") != std::string::npos;
}

// What the upstream saw during one case.
struct Window {
  std::vector<json> requests;  // complete requests
  int heads = 0;
  bool smuggled = false;               // a head, request or error naming /SMUGGLED
  std::vector<std::string> errors;     // h11 protocol errors
  std::vector<std::string> cut_short;  // messages cut short by the proxy closing
  std::set<int> unfinished_conns;      // connections left in the middle of a request
  std::set<int> closed_conns;
  std::string text;  // the records, for failure messages
};

Window window_of(const std::vector<json>& all, std::size_t from) {
  Window w;
  std::map<int, bool> in_request;
  for (std::size_t i = from; i < all.size(); ++i) {
    const json& r = all[i];
    const int conn = r.value("conn", 0);
    if (r.contains("target") &&
        r["target"].get<std::string>().find("/SMUGGLED") != std::string::npos) {
      w.smuggled = true;
    }
    if (r.value("event", "") == "closed") {
      w.closed_conns.insert(conn);
      in_request[conn] = false;
      continue;
    }
    if (is_probe(r)) continue;
    if (w.text.size() < 3000) w.text += printable(r.dump(), 600) + "\n";
    if (r.value("event", "") == "head") {
      ++w.heads;
      in_request[conn] = true;
    } else if (r.contains("error")) {
      const std::string e = r["error"].get<std::string>();
      (r.value("incomplete", false) ? w.cut_short : w.errors).push_back(e);
      in_request[conn] = false;
    } else if (r.contains("method")) {
      w.requests.push_back(r);
      in_request[conn] = false;
    }
  }
  for (const auto& [conn, open] : in_request) {
    if (open) w.unfinished_conns.insert(conn);
  }
  return w;
}

// --- running the table -----------------------------------------------------------------------

struct Outcome {
  std::string id;
  int status = 0;  // first final status, 0: none
  int finals = 0;
  int upstream = 0;  // complete requests the upstream parsed
  bool smuggled = false;
  int h11_errors = 0;
  int probe = 0;
  int failures = 0;         // gateway assertions that failed in this case
  bool crashed = false;     // the proxy process died during the case (and was restarted)
  std::string last_words;   // its stderr then
  std::string probe_reply;  // the raw answer to the probe
  long ms = 0;
};

struct Column {
  std::string proxy;
  std::vector<Outcome> outcomes;
  long total_ms = 0;
};

int failures_so_far() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
}

std::string status_list(const Case& c) {
  return std::to_string(c.expect) + (c.alt ? " or " + std::to_string(c.alt) : "");
}

// The gateway's assertions for one case (all of them can fail independently).
void check_gateway_case(const Case& c, const Outcome& o, const Responses& got, const Window& w) {
  EXPECT_LE(o.upstream, o.finals) << "invariant 1: the upstream saw more requests than the "
                                     "client got final responses";
  EXPECT_FALSE(w.smuggled) << "invariant 2: /SMUGGLED reached the upstream";
  EXPECT_TRUE(w.errors.empty()) << "invariant 3: h11 protocol error upstream: " << w.errors[0];
  if (!(c.flags & kBadBody)) {
    EXPECT_TRUE(w.cut_short.empty())
        << "a message reached the upstream cut short: " << w.cut_short[0];
  }
  EXPECT_TRUE(o.status == c.expect || (c.alt != 0 && o.status == c.alt))
      << "first status " << o.status << ", expected " << status_list(c);
  const bool success = o.status >= 200 && o.status < 300;
  if (success) {
    EXPECT_EQ(o.finals, c.n) << "final responses";
    EXPECT_EQ(o.upstream, c.n) << "requests the upstream answered";
    // In order: response i carries what the upstream answered to request i.
    for (std::size_t i = 0; i < got.finals.size() && i < w.requests.size(); ++i) {
      if (i == 0 && (c.flags & kHead)) continue;  // a response to HEAD has no body
      const json& r = w.requests[i];
      EXPECT_EQ(got.finals[i].body, "ok " + r["method"].get<std::string>() + " " +
                                        r["target"].get<std::string>() + "\n")
          << "response " << i << " is not the answer to upstream request " << i;
    }
  } else if (o.status != 0) {
    EXPECT_EQ(o.upstream, 0) << "a refused request reached the upstream whole";
    EXPECT_EQ(o.finals, 1) << "final responses after a refusal";
  }
  if (c.body >= 0 && !w.requests.empty() && success) {
    EXPECT_EQ(w.requests[0]["body_len"].get<int>(), c.body) << "body length upstream";
  }
  for (const json& r : w.requests) {
    const auto& cl = r["framing"]["content-length"];
    const auto& te = r["framing"]["transfer-encoding"];
    EXPECT_LE(cl.size(), 1u) << "several Content-Length fields upstream";
    EXPECT_LE(te.size(), 1u) << "several Transfer-Encoding fields upstream";
    EXPECT_FALSE(!cl.empty() && !te.empty()) << "Content-Length and Transfer-Encoding upstream";
    if (!te.empty()) {
      EXPECT_EQ(te[0].get<std::string>(), "chunked") << "Transfer-Encoding upstream";
    }
    if (!cl.empty()) {
      const std::string v = cl[0];
      EXPECT_TRUE(!v.empty() && v.find_first_not_of("0123456789") == std::string::npos)
          << "Content-Length upstream: " << v;
    }
    if (r["body_len"].get<long>() > 0) {
      EXPECT_EQ(cl.size() + te.size(), 1u) << "a body upstream without exactly one framing field";
    }
    int hosts = 0;
    for (const auto& h : r["headers"]) {
      const std::string name = h[0];
      if (iequals(name, "host")) ++hosts;
      if (c.flags & kNoUpgrade) {
        EXPECT_FALSE(iequals(name, "upgrade") || iequals(name, "http2-settings"))
            << name << " reached the upstream";
      }
      if (c.flags & kNoTrailers) {
        EXPECT_FALSE(iequals(name, "x-trailer")) << "a trailer field became a header upstream";
      }
    }
    EXPECT_EQ(hosts, 1) << "Host fields upstream";
    if (c.flags & kOriginForm) {
      EXPECT_EQ(r["target"].get<std::string>().substr(0, 1), "/")
          << "the upstream target is not origin-form";
    }
    if (c.flags & kNoExtension) {
      EXPECT_EQ(r["raw_body_preview"].get<std::string>().find(';'), std::string::npos)
          << "a chunk extension reached the upstream";
    }
    if (c.flags & kNoTrailers) {
      EXPECT_TRUE(r["trailers"].empty()) << "trailer fields reached the upstream";
    }
  }
  for (int conn : w.unfinished_conns) {
    EXPECT_TRUE(w.closed_conns.count(conn))
        << "upstream connection " << conn << " left open in the middle of a request";
  }
  EXPECT_FALSE(o.crashed) << "the proxy process died during the case (restarted for the next "
                             "cases); its last words:\n"
                          << o.last_words;
  EXPECT_EQ(o.probe, 200) << "invariant 4: a fresh GET /ok after the case: "
                          << printable(o.probe_reply, 300);
}

std::string column_dir() {
  const char* env = std::getenv("RATLS_SMUGGLING_DIR");
  return env && *env ? env : RATLS_SMUGGLING_DIR;
}

std::string report_path() {
  const char* env = std::getenv("RATLS_SMUGGLING_REPORT");
  return env && *env ? env : column_dir() + "/report.md";
}

std::string seconds(long ms) {
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100);
}

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

void write_column(const Column& col) {
  json cases_json = json::array();
  for (const Outcome& o : col.outcomes) {
    cases_json.push_back({{"id", o.id},
                          {"status", o.status},
                          {"finals", o.finals},
                          {"upstream", o.upstream},
                          {"smuggled", o.smuggled},
                          {"h11_errors", o.h11_errors},
                          {"probe", o.probe},
                          {"failures", o.failures},
                          {"crashed", o.crashed},
                          {"ms", o.ms}});
  }
  const json j = {{"proxy", col.proxy},
                  {"generated", now_text()},
                  {"total_ms", col.total_ms},
                  {"cases", cases_json}};
  std::filesystem::create_directories(column_dir());
  const std::string path = column_dir() + "/column-" + col.proxy + ".json";
  std::ofstream(path + ".tmp") << j.dump(1) << "\n";
  std::filesystem::rename(path + ".tmp", path);
}

// Merges the columns present in column_dir() into the markdown table; returns its path.
std::string write_report() {
  const std::vector<std::pair<std::string, std::string>> proxies = {
      {"gateway", "gateway"}, {"nginx", "nginx"}, {"haproxy", "HAProxy"}};
  std::map<std::string, std::map<std::string, json>> cells;  // proxy -> case -> outcome
  std::map<std::string, json> columns;
  for (const auto& [key, label] : proxies) {
    const std::string path = column_dir() + "/column-" + key + ".json";
    if (!std::filesystem::exists(path)) continue;
    try {
      columns[key] = json::parse(read_all(path));
    } catch (const std::exception&) {
      continue;
    }
    for (const json& o : columns[key]["cases"]) cells[key][o["id"].get<std::string>()] = o;
  }
  std::ostringstream md;
  md << "# Request smuggling: gateway, nginx and HAProxy on the same bytes\n\n"
     << "Generated by tests/integration/test_smuggling.cpp. Each cell: first status (`-`: no "
        "response) and, after the slash, the number of complete requests the strict upstream "
        "(h11) parsed; `(n responses)` when the client got other than one final response. "
        "`SMUGGLED`: the upstream saw the hidden /SMUGGLED request; `h11!`: the "
        "upstream's parser reported a protocol error; `probe N`: the next fresh GET /ok got N "
        "instead of 200; `CRASH`: the proxy process died during the case (it was restarted); "
        "`FAIL(k)`: k gateway assertions failed in that case. `≠` marks rows where "
        "the proxies differ in status or upstream count. The gateway's expected status is in the "
        "`expect` column.\n\n";
  for (const auto& [key, label] : proxies) {
    if (!columns.count(key)) {
      md << "- " << label << ": no column (test not run)\n";
      continue;
    }
    int failed = 0;
    for (const json& o : columns[key]["cases"]) failed += o["failures"].get<int>() > 0;
    md << "- " << label << ": generated " << columns[key]["generated"].get<std::string>() << ", "
       << columns[key]["cases"].size() << " cases in "
       << seconds(columns[key]["total_ms"].get<long>()) << " s"
       << (key == "gateway" ? ", " + std::to_string(failed) + " cases failing" : std::string())
       << "\n";
  }
  md << "\n| case | class | description | expect | gateway | nginx | HAProxy | differ |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  for (const Case& c : cases()) {
    std::string what = c.what;
    for (std::size_t p = 0; (p = what.find('|', p)) != std::string::npos; p += 2) {
      what.replace(p, 1, "\\|");
    }
    md << "| " << c.id << " | " << c.cls << " | " << what << " | " << status_list(c);
    std::set<std::pair<int, int>> seen;
    for (const auto& [key, label] : proxies) {
      auto col = cells.find(key);
      if (col == cells.end() || !col->second.count(c.id)) {
        md << " | ";
        continue;
      }
      const json& o = col->second.at(c.id);
      const int status = o["status"].get<int>(), upstream = o["upstream"].get<int>();
      seen.insert({status, upstream});
      md << " | " << (status ? std::to_string(status) : "-") << " / " << upstream;
      if (o["finals"].get<int>() != 1) md << " (" << o["finals"].get<int>() << " responses)";
      if (o["smuggled"].get<bool>()) md << " SMUGGLED";
      if (o["h11_errors"].get<int>() > 0) md << " h11!";
      if (o["probe"].get<int>() != 200) md << " probe " << o["probe"].get<int>();
      if (o.value("crashed", false)) md << " CRASH";
      if (o["failures"].get<int>() > 0) md << " FAIL(" << o["failures"].get<int>() << ")";
    }
    md << " | " << (seen.size() > 1 ? "≠" : "") << " |\n";
  }
  const std::string path = report_path();
  if (std::filesystem::path(path).has_parent_path()) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  }
  std::ofstream(path + ".tmp") << md.str();
  std::filesystem::rename(path + ".tmp", path);
  return path;
}

// Sends every case to the proxy at `port` (Host `demo.localhost:<port>`), in order, and reads the
// upstream's record after each. `strict` turns on the gateway's assertions. `died` (optional) says
// whether the proxy process died, restarting it so that the next cases still run: its last words,
// or empty while it lives.
Column run_table(const std::string& name, int port, const std::string& record, bool strict,
                 const std::function<std::string()>& died = {}) {
  // RATLS_SMUGGLING_ASSERT_PEERS=1 holds nginx and HAProxy to the gateway's rules too (to see
  // the assertions fire on real proxies; they are expected to fail there).
  const char* assert_peers = std::getenv("RATLS_SMUGGLING_ASSERT_PEERS");
  strict = strict || (assert_peers && std::string(assert_peers) == "1");
  Column col;
  col.proxy = name;
  const std::string host = "demo.localhost:" + std::to_string(port);
  const auto start = Clock::now();
  std::size_t from = read_records(record).size();
  std::vector<std::string> failing;
  for (const Case& c : cases()) {
    const auto t0 = Clock::now();
    const int failures_before = failures_so_far();
    const std::string request = expand(c.raw, host, c.id);
    const Reply reply =
        exchange(port, request, (c.flags & kSlow) != 0, c.n, (c.flags & kHead) != 0);
    EXPECT_TRUE(reply.connected) << name << " refused the connection for " << c.id;
    const Responses got = parse_responses(reply.bytes, reply.closed, (c.flags & kHead) != 0);
    // The upstream records a request before answering it; what a proxy forwards after the last
    // response (a smuggled request) needs a moment.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::vector<json> all = read_records(record);
    Window w = window_of(all, from);
    if (strict) {
      // A cut-short upstream request must end with its connection (checked below); give the
      // gateway a moment to close it.
      const auto until = Clock::now() + std::chrono::seconds(2);
      auto pending = [&] {
        return std::any_of(w.unfinished_conns.begin(), w.unfinished_conns.end(),
                           [&](int conn) { return !w.closed_conns.count(conn); });
      };
      while (pending() && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        all = read_records(record);
        w = window_of(all, from);
      }
    }
    Outcome o;
    o.id = c.id;
    o.status = got.finals.empty() ? 0 : got.finals[0].status;
    o.finals = static_cast<int>(got.finals.size());
    o.upstream = static_cast<int>(w.requests.size());
    o.smuggled = w.smuggled;
    o.h11_errors = static_cast<int>(w.errors.size());

    // Invariant 4's probe: a fresh client right after the case.
    const std::string probe_request = "GET /ok?probe=" + std::string(c.id) +
                                      " HTTP/1.1\r\nHost: " + host +
                                      "\r\nConnection: close\r\n\r\n";
    const Reply probe_reply = exchange(port, probe_request, false, 1, false);
    const Responses probe = parse_responses(probe_reply.bytes, probe_reply.closed, false);
    o.probe = probe.finals.empty() ? 0 : probe.finals[0].status;
    o.probe_reply = probe_reply.bytes;
    if (died) {
      if (o.probe != 200) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      o.last_words = died();
      o.crashed = !o.last_words.empty();
    }

    if (strict) {
      SCOPED_TRACE("case " + std::string(c.id) + " (" + c.what +
                   ")\nrequest: " + printable(request) + "\nreply: " + printable(reply.bytes, 700) +
                   "\nupstream records:\n" + w.text);
      check_gateway_case(c, o, got, w);
    }
    o.failures = failures_so_far() - failures_before;
    if (o.failures > 0) failing.push_back(c.id);
    o.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    col.outcomes.push_back(o);
    from = all.size();
  }
  // Anything that arrived after the last case.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const Window rest = window_of(read_records(record), from);
  if (strict) {
    EXPECT_FALSE(rest.smuggled) << "/SMUGGLED reached the upstream late:\n" << rest.text;
  }
  col.total_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  std::cout << "[ smuggling ] " << name << ": " << col.outcomes.size() << " cases in "
            << seconds(col.total_ms) << " s";
  if (strict) {
    std::cout << ", " << failing.size() << " failing:";
    for (const auto& id : failing) std::cout << " " << id;
  }
  std::cout << std::endl;
  write_column(col);
  std::cout << "[ smuggling ] table: " << write_report() << std::endl;
  return col;
}

class SmugglingTest : public GatewayTest {
 protected:
  // The strict upstream, presenting an RA-TLS certificate from the simulated hierarchy (the same
  // kind of certificate for every proxy).
  Peer start_strict() {
    const std::string base = issue("upstream");
    Peer p;
    p.port = free_loopback_port();
    p.record = dir_.file("record-" + std::to_string(p.port) + ".jsonl");
    p.process = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/bin/python3", peer("strict_upstream.py"),
                                 std::to_string(p.port), base + ".pem", base + ".key", p.record},
        dir_.file("strict-" + std::to_string(p.port) + ".log"));
    EXPECT_TRUE(wait_for_port(p.port))
        << "strict_upstream.py did not start: "
        << read_all(dir_.file("strict-" + std::to_string(p.port) + ".log.stderr"));
    return p;
  }

  // A GET through the proxy before the table: proves it started and reaches the upstream.
  static int first_status(int port) {
    const std::string request =
        "GET /ok?probe=start HTTP/1.1\r\nHost: demo.localhost:" + std::to_string(port) +
        "\r\nConnection: close\r\n\r\n";
    const Reply r = exchange(port, request, false, 1, false);
    const Responses got = parse_responses(r.bytes, r.closed, false);
    return got.finals.empty() ? 0 : got.finals[0].status;
  }
};

TEST_F(SmugglingTest, Gateway) {
  Peer up = start_strict();
  const json apps = json::array({app("demo", up.port)});
  start_gateway(apps);
  ASSERT_EQ(first_status(port_), 200) << read_all(log_ + ".stderr");
  std::size_t log_seen = 0;
  run_table("gateway", port_, up.record, true, [&]() -> std::string {
    if (gateway_->running()) return {};
    const std::string log = read_all(log_ + ".stderr");
    // The last lines it wrote since it (re)started.
    std::string tail = log.substr(std::min(log_seen, log.size()));
    if (tail.size() > 1500) tail = "..." + tail.substr(tail.size() - 1500);
    log_seen = log.size();
    gateway_->stop();
    start_gateway(apps);
    return tail.empty() ? "(nothing on stderr)" : tail;
  });
}

TEST_F(SmugglingTest, Nginx) {
  Peer up = start_strict();
  const int port = free_loopback_port();
  const std::string prefix = dir_.file("nginx");
  std::filesystem::create_directories(prefix);
  std::string conf = "worker_processes 1;\n";
  conf += "pid " + prefix + "/nginx.pid;\nerror_log " + prefix + "/error.log warn;\n";
  conf += "events { worker_connections 256; }\n";
  conf += "http {\n  access_log off;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    conf += "  " + std::string(temp) + "_temp_path " + prefix + "/" + temp + ";\n";
  }
  conf += "  upstream strict { server 127.0.0.1:" + std::to_string(up.port) + "; keepalive 8; }\n";
  conf += "  server {\n    listen 127.0.0.1:" + std::to_string(port) + ";\n";
  conf += "    location / {\n      proxy_pass https://strict;\n      proxy_http_version 1.1;\n";
  conf += "      proxy_set_header Connection \"\";\n      proxy_ssl_verify off;\n    }\n  }\n}\n";
  const std::string conf_path = dir_.write("nginx.conf", conf);
  BackgroundProcess nginx({"/usr/sbin/nginx", "-e", prefix + "/error.log", "-p", prefix, "-c",
                           conf_path, "-g", "daemon off; master_process off;"},
                          dir_.file("nginx.log"));
  ASSERT_TRUE(wait_for_port(port))
      << read_all(dir_.file("nginx.log.stderr")) << read_all(prefix + "/error.log");
  ASSERT_EQ(first_status(port), 200) << read_all(prefix + "/error.log");
  run_table("nginx", port, up.record, false);
}

TEST_F(SmugglingTest, Haproxy) {
  Peer up = start_strict();
  const int port = free_loopback_port();
  const std::string cfg = dir_.write(
      "haproxy.cfg",
      "global\n  maxconn 256\n\n"
      "defaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n"
      "  timeout server 30s\n  timeout http-request 10s\n  timeout http-keep-alive 5s\n\n"
      "frontend front\n  bind 127.0.0.1:" +
          std::to_string(port) +
          "\n  default_backend strict\n\n"
          "backend strict\n  http-reuse always\n  server s 127.0.0.1:" +
          std::to_string(up.port) + " ssl verify none\n");
  BackgroundProcess haproxy({"/usr/sbin/haproxy", "-f", cfg, "-db"}, dir_.file("haproxy.log"));
  ASSERT_TRUE(wait_for_port(port)) << read_all(dir_.file("haproxy.log.stderr"));
  ASSERT_EQ(first_status(port), 200) << read_all(dir_.file("haproxy.log.stderr"));
  run_table("haproxy", port, up.record, false);
}

// --- the harness itself ----------------------------------------------------------------------

// The failure messages `f` raises, intercepted (they do not fail the running test).
std::vector<std::string> failures_of(const std::function<void()>& f) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    f();
  }
  std::vector<std::string> out;
  for (int i = 0; i < results.size(); ++i) out.emplace_back(results.GetTestPartResult(i).message());
  return out;
}

struct Sample {
  Case c{"sample", "self-test", "a POST answered 200",
         "",       200,         0,
         1,        5,           kNoExtension | kNoTrailers | kNoUpgrade | kOriginForm};
  Outcome o;
  Responses got;
  Window w;
  Sample() {
    o.id = "sample";
    o.status = 200;
    o.finals = 1;
    o.upstream = 1;
    o.probe = 200;
    Response r;
    r.status = 200;
    r.complete = true;
    r.body = "ok POST /?case=sample\n";
    got.finals.push_back(r);
    json headers = json::array();
    headers.push_back(json::array({"Host", "127.0.0.1:1"}));
    headers.push_back(json::array({"Content-Length", "5"}));
    json request = json::object();
    request["conn"] = 1;
    request["method"] = "POST";
    request["target"] = "/?case=sample";
    request["headers"] = headers;
    request["framing"] = json::object();
    request["framing"]["content-length"] = json::array({"5"});
    request["framing"]["transfer-encoding"] = json::array();
    request["body_len"] = 5;
    request["raw_body_preview"] = "hello";
    request["trailers"] = json::array();
    w.requests.push_back(request);
  }
  json& framing() { return w.requests[0]["framing"]; }
};

// Every assertion of the gateway's checks fails when what it guards is broken (on synthetic
// outcomes; the live runs show the same against real proxies).
TEST(SmugglingChecks, EachAssertionCanFail) {
  {
    Sample s;
    const auto f = failures_of([&] { check_gateway_case(s.c, s.o, s.got, s.w); });
    EXPECT_TRUE(f.empty()) << "the passing sample fails: " << f[0];
  }
  const std::vector<std::pair<std::string, std::function<void(Sample&)>>> mutations = {
      {"invariant 1",
       [](Sample& s) {
         s.w.requests.push_back(s.w.requests[0]);
         s.o.upstream = 2;
       }},
      {"invariant 2", [](Sample& s) { s.w.smuggled = true; }},
      {"invariant 3", [](Sample& s) { s.w.errors = {"illegal chunk header"}; }},
      {"cut short", [](Sample& s) { s.w.cut_short = {"peer closed connection"}; }},
      {"invariant 4", [](Sample& s) { s.o.probe = 0; }},
      {"process died",
       [](Sample& s) {
         s.o.crashed = true;
         s.o.last_words = "free(): double free detected";
       }},
      {"left open in the middle of a request", [](Sample& s) { s.w.unfinished_conns = {3}; }},
      {"first status", [](Sample& s) { s.o.status = 201; }},
      {"final responses",
       [](Sample& s) {
         s.got.finals.push_back(s.got.finals[0]);
         s.o.finals = 2;
       }},
      {"requests the upstream answered",
       [](Sample& s) {
         s.w.requests.clear();
         s.o.upstream = 0;
       }},
      {"is not the answer", [](Sample& s) { s.got.finals[0].body = "ok GET /other\n"; }},
      {"a refused request reached the upstream whole",
       [](Sample& s) {
         s.c.expect = 400;
         s.o.status = 400;
       }},
      {"final responses after a refusal",
       [](Sample& s) {
         s.c.expect = 400;
         s.o.status = 400;
         s.o.finals = 2;
         s.o.upstream = 0;
         s.w.requests.clear();
       }},
      {"body length upstream", [](Sample& s) { s.w.requests[0]["body_len"] = 4; }},
      {"several Content-Length fields",
       [](Sample& s) {
         s.framing()["content-length"] = json::array({"5", "5"});
       }},
      {"several Transfer-Encoding fields",
       [](Sample& s) {
         s.framing()["content-length"] = json::array();
         s.framing()["transfer-encoding"] = json::array({"chunked", "chunked"});
       }},
      {"Content-Length and Transfer-Encoding upstream",
       [](Sample& s) { s.framing()["transfer-encoding"] = json::array({"chunked"}); }},
      {"Transfer-Encoding upstream",
       [](Sample& s) {
         s.framing()["content-length"] = json::array();
         s.framing()["transfer-encoding"] = json::array({"gzip"});
       }},
      {"Content-Length upstream: +5",
       [](Sample& s) { s.framing()["content-length"] = json::array({"+5"}); }},
      {"without exactly one framing field",
       [](Sample& s) { s.framing()["content-length"] = json::array(); }},
      {"Host fields upstream",
       [](Sample& s) {
         s.w.requests[0]["headers"].push_back(json::array({"host", "x"}));
       }},
      {"Upgrade reached the upstream",
       [](Sample& s) {
         s.w.requests[0]["headers"].push_back(json::array({"Upgrade", "h2c"}));
       }},
      {"HTTP2-Settings reached the upstream",
       [](Sample& s) {
         s.w.requests[0]["headers"].push_back(json::array({"HTTP2-Settings", "AAMA"}));
       }},
      {"a trailer field became a header",
       [](Sample& s) {
         s.w.requests[0]["headers"].push_back(json::array({"X-Trailer", "t"}));
       }},
      {"not origin-form",
       [](Sample& s) { s.w.requests[0]["target"] = "http://demo.localhost/?case=sample"; }},
      {"chunk extension",
       [](Sample& s) { s.w.requests[0]["raw_body_preview"] = "5;ext=1\r\nhello\r\n0\r\n\r\n"; }},
      {"trailer fields reached",
       [](Sample& s) {
         s.w.requests[0]["trailers"].push_back(json::array({"X-T", "1"}));
       }},
  };
  for (const auto& mutation : mutations) {
    const std::string& message = mutation.first;
    Sample s;
    mutation.second(s);
    const auto f = failures_of([&] { check_gateway_case(s.c, s.o, s.got, s.w); });
    const bool found = std::any_of(f.begin(), f.end(), [&](const std::string& m) {
      return m.find(message) != std::string::npos;
    });
    EXPECT_TRUE(found) << "no failure says \"" << message << "\"; " << f.size() << " failures";
  }
}

// The reply is cut into responses by their framing: a status line inside a body is no response,
// interim responses are not final ones.
TEST(SmugglingChecks, ResponsesAreFramed) {
  const std::string body = "HTTP/1.1 200 OK\r\n\r\n";
  const std::string reply =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body +
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + "13\r\n" + body +
      "\r\n0\r\nX-T: 1\r\n\r\n"
      "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 20\r\n\r\nshort";
  const Responses r = parse_responses(reply, false, false);
  ASSERT_EQ(r.finals.size(), 4u);
  EXPECT_EQ(r.interim, 1);
  EXPECT_EQ(r.finals[0].status, 200);
  EXPECT_EQ(r.finals[0].body, body);
  EXPECT_EQ(r.finals[1].body, body);
  EXPECT_EQ(r.finals[2].status, 204);
  EXPECT_EQ(r.finals[3].status, 400);
  EXPECT_FALSE(r.finals[3].complete);
  EXPECT_EQ(r.complete(), 3);
  EXPECT_FALSE(r.garbage);
  // A response to HEAD has no body whatever its Content-Length says; bytes that are not a
  // response (an HTTP/0.9 answer) count as none.
  const Responses head =
      parse_responses("HTTP/1.1 400 Bad\r\nContent-Length: 9\r\n\r\n", true, true);
  ASSERT_EQ(head.finals.size(), 1u);
  EXPECT_TRUE(head.finals[0].complete);
  EXPECT_TRUE(parse_responses("ok GET /\n", true, false).garbage);
}

// Merges whatever columns the proxy tests wrote (ctest runs it after them).
TEST(SmugglingReport, Table) {
  const std::string path = write_report();
  std::cout << "[ smuggling ] table: " << path << std::endl;
  EXPECT_TRUE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace ratls::test
