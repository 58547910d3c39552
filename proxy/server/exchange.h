// One exchange with an app's upstream: a verified connection from the loop's pool or a new one,
// the request head the gateway wrote from its own decisions, the body relayed, interim responses
// relayed rewritten, the final response checked, rewritten and relayed, and the connection pooled
// again only after a clean end.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>

#include "proxy/common/clock.h"
#include "proxy/common/log.h"
#include "proxy/http1/forwarding.h"
#include "proxy/http1/head_parser.h"
#include "proxy/http1/head_scanner.h"
#include "proxy/http1/request_rules.h"
#include "proxy/net/asio_types.h"
#include "proxy/server/event_loops.h"
#include "proxy/server/relay.h"
#include "proxy/server/responses.h"
#include "proxy/server/routing.h"
#include "proxy/server/server_context.h"
#include "proxy/server/websocket_tunnel.h"

namespace ratls::proxy {

inline bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

inline http1::HeadLimits head_limits(const Config& c) {
  return {c.max_header_bytes, c.max_header_fields};
}

// A pooled connection is reused only while its certificate is still the app's pin: a pin accepted
// or forgotten from the CLI applies from the next request the gateway serves after it saw the
// file change. The pin is compared only when the store's version moved since the connection was
// last checked, so the usual reuse reads one atomic and takes no lock shared between loops.
inline std::unique_ptr<UpstreamConn> take_pooled(ServerContext& ctx, EventLoop& w,
                                                 const AppConfig& app, unsigned gen) {
  const bool ratls = app.mode == UpstreamMode::kRatls;
  if (ratls && !ctx.pins.watched()) {
    try {
      ctx.pins.reload_if_changed();
    } catch (const std::exception& e) {
      log(LogLevel::kWarning, std::string("pins file problem (old pins kept): ") + e.what());
    }
  }
  const std::uint64_t pins_version = ctx.pins.version();
  std::optional<std::optional<std::string>> pinned;  // read at most once, only when needed
  for (;;) {
    std::unique_ptr<UpstreamConn> conn = w.pool.take(app.name, gen);
    if (!conn || !ratls || conn->pins_version == pins_version) return conn;
    if (!pinned) pinned = ctx.pins.pinned_cert_sha256(app.name);
    if (*pinned == conn->cert_sha256) {
      conn->pins_version = pins_version;
      return conn;
    }
    // No longer the pin: this connection ends here; the next one is checked too.
  }
}

inline void give_back(ServerContext& ctx, EventLoop& w, const std::string& app,
                      std::unique_ptr<UpstreamConn> conn) {
  // Verified under a configuration that has since been replaced: never reused.
  if (ctx.draining || conn->generation != ctx.snapshots.generation()) return;
  w.pool.give_back(app, std::move(conn));
  w.upstream_slots.wake_one(app);  // a request waiting for a connection takes this one
}

// Without a pooled connection: a slot for a new one, or, when the loop already holds its limit of
// connections to the app, a pooled one given back or a slot freed meanwhile. Null both: the wait
// reached the idle timeout.
struct Acquired {
  std::unique_ptr<UpstreamConn> pooled;
  std::unique_ptr<UpstreamSlots::Slot> slot;
};

inline asio::awaitable<Acquired> wait_for_upstream(ServerContext& ctx, EventLoop& w,
                                                   const AppConfig& app, unsigned gen) {
  Acquired a;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(ctx.timeouts.idle);
  while (co_await w.upstream_slots.wait(app.name, deadline)) {
    a.pooled = take_pooled(ctx, w, app, gen);
    if (a.pooled) break;
    a.slot = w.upstream_slots.try_acquire(app.name);
    if (a.slot) break;
  }
  co_return a;
}

// The app's own word on its state, from its answers to GET and HEAD, where a server describes
// itself (Cosmian's configuration server answers `Mse-Status: Waiting` there; its answers to the
// owner's POST never carry the field, even the 401 that leaves it waiting). One field looked up;
// GatewayState's lock only when this loop saw something else last time or the state moved since.
inline void note_app_signal(ServerContext& ctx, EventLoop& w, const std::string& app,
                            const http1::ResponseHead& res) {
  const std::string* mse_status = res.fields.find("Mse-Status");
  if (ctx.state.app_signal_unchanged(w.app_signals, app, mse_status)) return;
  ctx.state.record_app_signal(w.app_signals, app, mse_status, now_utc());
}

// The upstream's response head, after relaying interim (1xx) responses to the client.
struct FinalResponse {
  std::optional<http1::ResponseHead> head;
  bool stale = false;  // a pooled connection closed before answering: retry on a fresh one
  std::optional<http1::HttpError> error;
};

template <class Client>
asio::awaitable<FinalResponse> read_final_response(ServerContext& ctx, Client& client,
                                                   UpstreamConn& up, const http1::RequestHead& req,
                                                   const Origins& origins, bool websocket,
                                                   bool can_retry, const Config& cfg) {
  FinalResponse out;
  for (;;) {
    http1::HeadScanner scanner(head_limits(cfg), http1::HeadScanner::Kind::kResponse);
    beast::get_lowest_layer(up.stream).expires_after(std::chrono::seconds(ctx.timeouts.idle));
    const HeadRead head = co_await read_head(up.stream, up.buffer, scanner, false);
    if (head.ec) {
      if (can_retry && !head.received_any &&
          (head.ec == asio::error::eof || head.ec == asio::error::connection_reset ||
           head.ec == ssl::error::stream_truncated)) {
        out.stale = true;
        co_return out;
      }
      out.error = http1::HttpError{502, "reading the response failed: " + head.ec.message()};
      co_return out;
    }
    if (head.refused) {
      out.error = http1::HttpError{502, "the upstream's response head: " + head.refused->reason};
      co_return out;
    }
    auto parsed = http1::parse_response_head(view_of(up.buffer).substr(0, head.size));
    up.buffer.consume(head.size);
    if (auto* e = std::get_if<http1::HttpError>(&parsed)) {
      out.error = *e;
      co_return out;
    }
    http1::ResponseHead& res = std::get<http1::ResponseHead>(parsed);
    if (res.status == 101) {
      if (!websocket) {
        out.error = http1::HttpError{502, "the upstream switched protocols (101) unasked"};
        co_return out;
      }
      out.head = std::move(res);
      co_return out;
    }
    if (res.status >= 200) {
      out.head = std::move(res);
      co_return out;
    }
    // Interim: checked and rewritten like a final response; never to an HTTP/1.0 client.
    if (auto framing = http1::response_framing(res, false);
        std::holds_alternative<http1::HttpError>(framing)) {
      out.error = std::get<http1::HttpError>(framing);
      co_return out;
    }
    if (req.minor_version == 0) continue;
    const std::string interim = http1::interim_response(std::move(res), origins);
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(ctx.timeouts.idle));
    auto [ec, n] = co_await asio::async_write(client, asio::buffer(interim), nothrow);
    if (ec) {
      out.error = http1::HttpError{502, "the client went away"};
      co_return out;
    }
  }
}

template <class Client>
asio::awaitable<bool> exchange(ServerContext& ctx, EventLoop& w, const ConfigSnapshot& snap,
                               Client& client, beast::flat_buffer& buffer, http1::RequestHead& req,
                               const http1::RequestPlan& plan, const AppConfig& app,
                               const Route& route, bool websocket, bool tls) {
  const bool has_body = plan.framing.kind == Framing::Kind::kChunked ||
                        (plan.framing.kind == Framing::Kind::kLength && plan.framing.length > 0);
  const bool head_request = req.method == "HEAD";
  const std::string client_origin = (tls ? "https://" : "http://") + route.host;
  const UpstreamAddress& upstream = snap.address_of(app);
  const Origins origins{client_origin, upstream.origin, upstream.authority};
  const http1::Fields& client_fields = req.fields;  // for the gateway's own error pages
  const http1::UpstreamRequest forwarded = http1::upstream_request(req, plan, websocket, origins);
  const std::string& upstream_head = forwarded.head;
  bool sent_continue = false;

  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<UpstreamConn> up = take_pooled(ctx, w, app, snap.generation);
    std::unique_ptr<UpstreamSlots::Slot> slot;
    if (!up) slot = w.upstream_slots.try_acquire(app.name);
    if (!up && !slot) {
      Acquired waited = co_await wait_for_upstream(ctx, w, app, snap.generation);
      if (!waited.pooled && !waited.slot) {
        const std::string busy = "all " + std::to_string(w.upstream_slots.limit()) +
                                 " connections to the app stayed busy for " +
                                 std::to_string(ctx.timeouts.idle) + " s";
        log(LogLevel::kWarning, "app " + app.name + ": " + busy);
        co_return co_await respond_error(ctx, app.name, client, client_fields,
                                         http::status::service_unavailable, "503 Upstream busy",
                                         busy, false);
      }
      up = std::move(waited.pooled);
      slot = std::move(waited.slot);
    }
    const bool reused = up != nullptr;
    if (!up) {
      // A dial that just failed is not repeated for a moment: requests meanwhile get its error at
      // once. Checked here, before dialling, whichever way the slot came; a verified pooled
      // connection still serves.
      if (const auto cooling = ctx.cooldown.reason(app.name)) {
        co_return co_await respond_error(ctx, app.name, client, client_fields,
                                         http::status::bad_gateway, "502 Upstream unavailable",
                                         *cooling + " (retrying shortly)", false);
      }
      DialResult dial_result =
          co_await ctx.connector.connect(w.io.get_executor(), app, snap.verifier, snap.generation);
      if (dial_result.refusal) {
        co_return co_await respond_refusal(ctx, client, client_fields, app, *dial_result.refusal,
                                           plan.keep_alive && !has_body);
      }
      if (!dial_result.conn) {
        log(LogLevel::kWarning, "app " + app.name + ": " + dial_result.error);
        ctx.state.record_failure(app.name, dial_result.error, now_utc());
        ctx.cooldown.start(app.name, dial_result.error);
        co_return co_await respond_error(ctx, app.name, client, client_fields,
                                         http::status::bad_gateway, "502 Upstream unavailable",
                                         dial_result.error, false);
      }
      up = std::move(dial_result.conn);
      up->slot = std::move(slot);  // held while the connection is open, in use or pooled
    }
    // A pooled connection the upstream closed meanwhile fails here; nothing was consumed from the
    // client yet, so an idempotent request can go to a fresh connection.
    const bool can_retry = reused && attempt == 0 && idempotent(req.method) && !has_body;

    boost::system::error_code wec;
    if (const std::string_view unsent = write_now(up->stream, upstream_head); !unsent.empty()) {
      up->stream.expires_after(std::chrono::seconds(ctx.timeouts.idle));
      auto [ec, wn] = co_await asio::async_write(up->stream, asio::buffer(unsent), nothrow);
      wec = ec;
    }
    up->stream.answer_expected();
    if (wec) {
      if (can_retry) continue;
      co_return co_await respond_error(
          ctx, app.name, client, client_fields, http::status::bad_gateway, "502 Upstream failed",
          "writing the request to " + app.upstream + " failed: " + wec.message(), false);
    }
    if (plan.expect_continue && !sent_continue) {
      // The upstream is verified and has our header: let the client send its body. Many servers
      // never answer Expect themselves, so the gateway does (the Expect field is not forwarded).
      beast::get_lowest_layer(client).expires_after(std::chrono::seconds(ctx.timeouts.idle));
      auto [cec, cn] = co_await asio::async_write(
          client, asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")), nothrow);
      if (cec) co_return false;
      sent_continue = true;
    }
    if (has_body) {
      std::string body_error;
      const RelayResult rr = co_await relay_body(client, buffer, plan.framing, up->stream,
                                                 plan.framing.kind == Framing::Kind::kChunked,
                                                 ctx.timeouts.idle, body_error);
      if (rr == RelayResult::kMalformed) {
        // The upstream has a part of a request it must never complete: that connection ends.
        beast::get_lowest_layer(up->stream).close();
        const http1::HttpError error{400, "malformed chunked body: " + body_error};
        co_return co_await refuse_request(ctx, client, client_fields, error);
      }
      if (rr == RelayResult::kReadFailed || rr == RelayResult::kTruncated) {
        co_return false;  // the client went away mid-body
      }
      if (rr == RelayResult::kWriteFailed) {
        co_return co_await respond_error(ctx, app.name, client, client_fields,
                                         http::status::bad_gateway, "502 Upstream failed",
                                         "the upstream stopped reading the request body", false);
      }
    }
    FinalResponse final_response = co_await read_final_response(ctx, client, *up, req, origins,
                                                                websocket, can_retry, *snap.config);
    if (final_response.stale) continue;
    if (final_response.error) {
      // Never pooled: `up` ends with this exchange.
      log(LogLevel::kWarning, "app " + app.name + ": " + final_response.error->reason);
      ctx.state.record_failure(app.name, final_response.error->reason, now_utc());
      co_return co_await respond_error(ctx, app.name, client, client_fields,
                                       http::status::bad_gateway, "502 Upstream failed",
                                       final_response.error->reason, false);
    }
    http1::ResponseHead& res = *final_response.head;
    if (req.method == "GET" || head_request) note_app_signal(ctx, w, app.name, res);
    if (res.status == 101) {
      ctx.metrics.request(app.name, 101);
      co_return co_await tunnel(ctx, client, buffer, std::move(up), res, origins);
    }
    auto framed = http1::response_framing(res, head_request);
    if (auto* e = std::get_if<http1::HttpError>(&framed)) {
      log(LogLevel::kWarning, "app " + app.name + ": " + e->reason);
      ctx.state.record_failure(app.name, e->reason, now_utc());
      co_return co_await respond_error(ctx, app.name, client, client_fields,
                                       http::status::bad_gateway, "502 Upstream failed", e->reason,
                                       false);
    }
    const Framing body = std::get<Framing>(framed);
    const unsigned status = res.status;
    const bool upstream_keep_alive = res.minor_version == 1
                                         ? !res.fields.has_token("Connection", "close")
                                         : res.fields.has_token("Connection", "keep-alive");
    http1::ClientResponse reply =
        http1::client_response(std::move(res), body, head_request, req.minor_version,
                               plan.keep_alive && !ctx.draining, origins);
    std::string& out_head = reply.head;
    const bool keep = reply.keep_alive;
    const bool out_chunked = reply.out_chunked;
    ctx.metrics.request(app.name, status);
    // A small body that is already here goes out with the head in one write; otherwise the
    // head goes at once, so a client waiting on a stream (server-sent events) sees it start.
    Framing rest = body;
    if (body.kind == Framing::Kind::kLength && up->buffer.size() >= body.length) {
      out_head.append(view_of(up->buffer).substr(0, static_cast<std::size_t>(body.length)));
      up->buffer.consume(static_cast<std::size_t>(body.length));
      rest = Framing{};
    }
    if (const std::string_view unsent = write_now(client, out_head); !unsent.empty()) {
      beast::get_lowest_layer(client).expires_after(std::chrono::seconds(ctx.timeouts.idle));
      auto [hec, hn] = co_await asio::async_write(client, asio::buffer(unsent), nothrow);
      if (hec) co_return false;
    }
    std::string body_error;
    RelayResult rr = RelayResult::kOk;
    if (body_follows(rest)) {
      rr = co_await relay_body(up->stream, up->buffer, rest, client, out_chunked, ctx.timeouts.idle,
                               body_error);
    }
    if (rr != RelayResult::kOk) {
      if (rr != RelayResult::kWriteFailed) {
        const std::string what = rr == RelayResult::kMalformed
                                     ? "malformed chunked response body: " + body_error
                                     : "upstream failed in the middle of a response: " + body_error;
        log(LogLevel::kWarning, "app " + app.name + ": " + what);
        ctx.state.record_failure(app.name, what, now_utc());
      }
      co_return false;  // the client sees a truncated response, not a complete wrong one
    }
    // Reused only when the exchange ended cleanly: after HEAD an upstream may still send a body,
    // and unread bytes (here or still in OpenSSL's read-ahead) would be taken for the next
    // response.
    if (upstream_keep_alive && body.kind != Framing::Kind::kUntilClose && !head_request &&
        up->buffer.size() == 0 && !up->stream.has_pending()) {
      give_back(ctx, w, app.name, std::move(up));
    }
    co_return keep;
  }
}

}  // namespace ratls::proxy
