// Moving HTTP/1.1 messages between two streams as the gateway's framing decisions say: reading a
// head (bounded, whatever the reads), waiting for a request without holding a buffer, relaying one
// body (re-encoding chunked bodies), and the byte pipe of a WebSocket tunnel.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "proxy/http1/chunked.h"
#include "proxy/http1/framing.h"
#include "proxy/http1/head_scanner.h"
#include "proxy/net/asio_types.h"
#include "proxy/net/tls_client_stream.h"

namespace ratls::proxy {

using http1::Framing;

// Reads of a body are at most this large; a message head is read in smaller steps.
constexpr std::size_t kRelayRead = 64 * 1024;
// How many body bytes a relay moves without giving its event loop back. When both sides keep up,
// read_now and write_now never wait, and one large body would hold the loop, and every other
// connection on it, until it ends. One full read: the other connections wait at most about
// 0.1 ms, and a download alone is no slower (docs/benchmarks.md compares it with 256 KiB).
constexpr std::size_t kRelayFairShare = 64 * 1024;
// Most request heads are well under 4 KiB; a larger one takes more reads.
constexpr std::size_t kHeadRead = 4 * 1024;

inline std::string_view view_of(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

// A message head read from `in` into `buffer` (which may already hold some of it).
struct HeadRead {
  boost::system::error_code ec;             // the stream failed or closed first
  std::optional<http1::HttpError> refused;  // the bytes can never make an acceptable head
  std::size_t size = 0;                     // bytes of the head at the start of `buffer`
  bool received_any = false;                // some bytes of it arrived (for retries)
};

// Whether `buffer` already holds a whole head, or bytes that can never make one: then `r` says
// which and no read is needed (nor a coroutine frame: most heads arrive in one read). Empty lines
// before a request line are skipped (RFC 9112 §2.2: some clients send CRLF after a body).
inline bool scan_buffered_head(beast::flat_buffer& buffer, http1::HeadScanner& scanner,
                               bool skip_empty_lines, HeadRead& r) {
  if (skip_empty_lines) {
    while (view_of(buffer).substr(0, 2) == "\r\n") buffer.consume(2);
    if (view_of(buffer) == "\r") return false;
  }
  switch (scanner.scan(view_of(buffer))) {
    case http1::HeadScanner::State::kComplete:
      r.size = scanner.head_size();
      return true;
    case http1::HeadScanner::State::kError:
      r.refused = scanner.error();
      return true;
    case http1::HeadScanner::State::kNeedMore:
      break;
  }
  return false;
}

// Reads until the head is complete or refused. The caller sets the deadline: it covers the whole
// head, so a slow sender cannot keep it.
template <class In>
asio::awaitable<HeadRead> read_head(In& in, beast::flat_buffer& buffer, http1::HeadScanner& scanner,
                                    bool skip_empty_lines) {
  HeadRead r;
  while (!scan_buffered_head(buffer, scanner, skip_empty_lines, r)) {
    auto [ec, n] = co_await in.async_read_some(buffer.prepare(kHeadRead), nothrow);
    buffer.commit(n);
    if (n > 0) r.received_any = true;
    if (ec) {
      r.ec = ec;
      co_return r;
    }
  }
  co_return r;
}

// Whether the next read of an asio::ssl stream (a TLS client) completes at once with a whole
// record: decrypted bytes are waiting, or the socket holds more than the largest record. Never
// true for a plain stream (one read already takes all the kernel has), and never waits on a
// partial record, so a stream of small events is written as it comes.
template <class In>
bool more_is_ready(In& in) {
  if constexpr (std::is_same_v<In, ssl::stream<beast::tcp_stream>>) {
    if (SSL_pending(in.native_handle()) > 0) return true;
    constexpr std::size_t kLargestRecord = 16 * 1024 + 2048;  // plaintext + any expansion
    boost::system::error_code ec;
    const std::size_t queued = beast::get_lowest_layer(in).socket().available(ec);
    return !ec && queued >= kLargestRecord;
  } else {
    return false;
  }
}

// Takes what an upstream connection has decrypted or can decrypt without waiting, up to
// `at_most` bytes: the bytes taken; `ec` is set when the stream ended (nothing more will come).
// Other streams take nothing here.
template <class In>
std::size_t read_ready(In& in, beast::flat_buffer& buffer, std::size_t at_most,
                       boost::system::error_code& ec) {
  std::size_t taken = 0;
  if constexpr (std::is_same_v<In, TlsClientStream>) {
    while (taken < at_most) {
      const auto space = buffer.prepare(at_most - taken);
      const TlsClientStream::Attempt r = in.read_now(space.data(), space.size());
      buffer.commit(r.n);
      taken += r.n;
      if (!r.done()) break;
      if (r.ec) {
        ec = r.ec;
        break;
      }
    }
  }
  return taken;
}

// Writes what a plain client socket or an upstream connection takes at once (the client socket
// was put in non-blocking mode when accepted), and returns the rest: a small message usually
// goes whole, and then needs no asynchronous operation, deadline timer or coroutine step. A TLS
// client gets everything back (its engine must do the write). A failed socket also gets everything
// back: the asynchronous write that follows reports the error.
template <class Client>
std::string_view write_now(Client& client, std::string_view data) {
  if constexpr (std::is_same_v<Client, beast::tcp_stream>) {
    boost::system::error_code ec;
    const std::size_t n = client.socket().write_some(asio::buffer(data), ec);
    if (!ec) data.remove_prefix(n);
  } else if constexpr (std::is_same_v<Client, TlsClientStream>) {
    data.remove_prefix(client.write_now(data.data(), data.size()).n);
  }
  return data;
}

// Whether a message framed so has body bytes to relay.
inline bool body_follows(const Framing& framing) {
  return framing.kind != Framing::Kind::kNone &&
         !(framing.kind == Framing::Kind::kLength && framing.length == 0);
}

enum class RelayResult { kOk, kReadFailed, kWriteFailed, kMalformed, kTruncated };

// Why reading a body from its sender stopped, in words for the log and the status page.
inline std::string read_failure(const boost::system::error_code& ec, int idle_timeout) {
  if (ec == beast::error::timeout) {
    return "no data for " + std::to_string(idle_timeout) + " s (http.idle_timeout_seconds)";
  }
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
    return "the connection closed before the end of the body";
  }
  return ec.message();
}

// One message body from `in` to `out`, as the gateway's framing decision says: `framing` is how
// it arrives, `out_chunked` whether it leaves chunked (re-encoded by the gateway: the sender's
// chunk sizes, extensions and trailers never pass through) or as plain bytes (Content-Length,
// or until close). Whatever arrives is written at once, so server-sent events flow; memory stays
// at one read per direction. `error` says why on kMalformed, kReadFailed and kTruncated.
// `fair_share`: see kRelayFairShare (a test passes a smaller one).
template <class In, class Out>
asio::awaitable<RelayResult> relay_body(In& in, beast::flat_buffer& in_buffer,
                                        const Framing& framing, Out& out, bool out_chunked,
                                        int idle_timeout, std::string& error,
                                        std::size_t fair_share = kRelayFairShare) {
  if (!body_follows(framing)) co_return RelayResult::kOk;
  // Bytes moved since the relay last gave the loop back (every asynchronous operation does).
  std::size_t unyielded = 0;
  // What the receiver takes at once goes without an asynchronous write (or its deadline timer).
  auto write = [&](std::string_view data) -> asio::awaitable<bool> {
    const std::size_t size = data.size();
    data = write_now(out, data);
    if (data.empty()) {
      unyielded += size;
      if (unyielded >= fair_share) {
        unyielded = 0;
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      }
      co_return true;
    }
    unyielded = 0;
    beast::get_lowest_layer(out).expires_after(std::chrono::seconds(idle_timeout));
    auto [ec, n] = co_await asio::async_write(out, asio::buffer(data), nothrow);
    co_return !ec;
  };
  auto read_more = [&](std::size_t at_most) -> asio::awaitable<boost::system::error_code> {
    beast::get_lowest_layer(in).expires_after(std::chrono::seconds(idle_timeout));
    // A TLS read gives one record (16 KiB) at a time; what is already here goes out in the same
    // write: each write wakes the reader, and fewer, larger ones move a large body faster.
    boost::system::error_code ec;
    std::size_t taken = read_ready(in, in_buffer, at_most, ec);
    if (taken == 0 && !ec) {
      unyielded = 0;
      auto [ec1, n] = co_await in.async_read_some(in_buffer.prepare(at_most), nothrow);
      in_buffer.commit(n);
      taken = n;
      ec = ec1;
      if (taken > 0 && !ec) taken += read_ready(in, in_buffer, at_most - taken, ec);
      while (taken > 0 && !ec && taken < at_most && more_is_ready(in)) {
        auto [ec2, n2] = co_await in.async_read_some(in_buffer.prepare(at_most - taken), nothrow);
        in_buffer.commit(n2);
        taken += n2;
        if (n2 == 0) break;
        ec = ec2;
      }
    }
    if (taken == 0) {
      if (ec) error = read_failure(ec, idle_timeout);
      co_return ec;
    }
    // An error after some bytes is reported by the next read, once these bytes are written.
    co_return boost::system::error_code();
  };
  std::string encoded;
  if (framing.kind == Framing::Kind::kLength) {
    std::uint64_t remaining = framing.length;
    for (;;) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(remaining, in_buffer.size()));
      if (n > 0) {
        if (!co_await write(view_of(in_buffer).substr(0, n))) {
          co_return RelayResult::kWriteFailed;
        }
        in_buffer.consume(n);
        remaining -= n;
      }
      if (remaining == 0) co_return RelayResult::kOk;
      if (co_await read_more(
              static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kRelayRead)))) {
        co_return RelayResult::kReadFailed;
      }
    }
  }
  if (framing.kind == Framing::Kind::kUntilClose) {
    for (;;) {
      if (in_buffer.size() > 0) {
        encoded.clear();
        if (out_chunked) {
          http1::append_chunk(encoded, view_of(in_buffer));
        } else {
          encoded.assign(view_of(in_buffer));
        }
        in_buffer.consume(in_buffer.size());
        if (!co_await write(encoded)) co_return RelayResult::kWriteFailed;
      }
      const auto ec = co_await read_more(kRelayRead);
      if (ec == asio::error::eof || ec == http::error::end_of_stream) break;
      // Without TLS close_notify the end of the body cannot be told from a cut connection: the
      // client must not be told the body is complete.
      if (ec == ssl::error::stream_truncated) {
        error = "the connection closed without a TLS close_notify";
        co_return RelayResult::kTruncated;
      }
      if (ec) co_return RelayResult::kReadFailed;
    }
    if (out_chunked && !co_await write(http1::kLastChunk)) {
      co_return RelayResult::kWriteFailed;
    }
    co_return RelayResult::kOk;
  }
  // Chunked: decoded here, written as the gateway's own chunks.
  http1::ChunkedDecoder decoder;
  for (;;) {
    encoded.clear();
    bool done = false;
    for (;;) {
      const auto step = decoder.next(view_of(in_buffer));
      if (step.kind == http1::ChunkedDecoder::Step::Kind::kError) {
        error = decoder.error();
        co_return RelayResult::kMalformed;
      }
      if (step.kind == http1::ChunkedDecoder::Step::Kind::kData) {
        if (out_chunked) {
          http1::append_chunk(encoded, step.data);
        } else {
          encoded += step.data;
        }
      }
      in_buffer.consume(step.consumed);
      if (step.kind == http1::ChunkedDecoder::Step::Kind::kDone) {
        done = true;
        break;
      }
      if (step.kind == http1::ChunkedDecoder::Step::Kind::kNeedMore) break;
    }
    if (done && out_chunked) encoded += http1::kLastChunk;
    if (!encoded.empty() && !co_await write(encoded)) {
      co_return RelayResult::kWriteFailed;
    }
    if (done) co_return RelayResult::kOk;
    if (co_await read_more(kRelayRead)) co_return RelayResult::kReadFailed;
  }
}

// Bytes from `from` to `to` until either fails; `last_activity` is set at each transfer.
template <class From, class To>
asio::awaitable<void> pipe(From& from, To& to,
                           std::chrono::steady_clock::time_point& last_activity) {
  std::vector<char> buf(16 * 1024);
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), nothrow);
    if (ec || n == 0) co_return;
    last_activity = std::chrono::steady_clock::now();
    auto [ec2, n2] = co_await asio::async_write(to, asio::buffer(buf.data(), n), nothrow);
    if (ec2) co_return;
  }
}

}  // namespace ratls::proxy
