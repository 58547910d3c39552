#include "proxy/server/client_session.h"

#include <array>
#include <variant>

#include "proxy/common/log.h"
#include "proxy/http1/head_parser.h"
#include "proxy/http1/head_scanner.h"
#include "proxy/http1/request_rules.h"
#include "proxy/http1/rewrite.h"
#include "proxy/server/exchange.h"
#include "proxy/server/relay.h"
#include "proxy/server/responses.h"
#include "proxy/server/routing.h"
#include "proxy/server/status_endpoints.h"

namespace ratls::proxy {

namespace {

// Counts the connection for the drain, the metrics and the memory release.
struct SessionGuard {
  explicit SessionGuard(SessionTracker& t) : tracker(t) { tracker.session_opened(); }
  ~SessionGuard() { tracker.session_closed(); }
  SessionTracker& tracker;
};

// What a waiting connection reads first: most request heads fit (a browser's may need one more
// read); kept small because every idle connection holds one.
constexpr std::size_t kFirstRead = 256;

template <class Client>
asio::awaitable<bool> handle(ServerContext& ctx, const ConfigSnapshot& snap, EventLoop& w,
                             Client& client, beast::flat_buffer& buffer, http1::RequestHead& req,
                             const std::optional<std::string>& dedicated, bool tls) {
  auto planned = http1::plan_request(req);
  if (auto* e = std::get_if<http1::HttpError>(&planned)) {
    co_return co_await refuse_request(ctx, client, req.fields, *e);
  }
  const http1::RequestPlan& plan = std::get<http1::RequestPlan>(planned);
  const bool has_body = plan.framing.kind == Framing::Kind::kChunked ||
                        (plan.framing.kind == Framing::Kind::kLength && plan.framing.length > 0);
  // The gateway's own answers do not read a body: the connection ends after them.
  const bool keep_alive = plan.keep_alive && !has_body;
  const Config& cfg = *snap.config;
  const Route route = route_request(*req.fields.find("Host"), *snap.names, dedicated);
  switch (route.kind) {
    case Route::Kind::kBadHost:
      co_return co_await respond_error(ctx, "", client, req.fields, http::status::bad_request,
                                       "400 Bad Request", "the request has no valid Host header",
                                       false);
    case Route::Kind::kForeignHost:
      co_return co_await respond_error(
          ctx, "", client, req.fields, http::status::misdirected_request, "421 Misdirected Request",
          "this gateway only answers to localhost and <app>.localhost names", false);
    case Route::Kind::kUnknownApp:
      co_return co_await respond_error(
          ctx, "", client, req.fields, http::status::not_found, "404 No such app",
          "no app named \"" + route.app + "\" is configured; see http://localhost/", keep_alive);
    case Route::Kind::kStatus:
      co_return co_await handle_status(ctx, client, req, plan.origin_target, keep_alive, tls);
    case Route::Kind::kApp:
      break;
  }
  const AppConfig* app = find_app(cfg, route.app);
  if (app == nullptr) co_return false;
  const bool websocket = is_websocket_upgrade(req.fields);
  if (websocket && has_body) {
    const http1::HttpError error{400, "a WebSocket handshake with a body"};
    co_return co_await refuse_request(ctx, client, req.fields, error);
  }
  auto header = [&](std::string_view name) {
    const std::string* v = req.fields.find(name);
    return v == nullptr ? std::string_view() : std::string_view(*v);
  };
  const std::string refusal = cross_site_refusal(req.method, websocket, header("Origin"),
                                                 header("Sec-Fetch-Site"), route.host);
  if (!refusal.empty()) {
    log(LogLevel::kWarning, "app " + app->name + ": refused a cross-site request: " + refusal);
    co_return co_await respond_error(ctx, app->name, client, req.fields, http::status::forbidden,
                                     "403 Forbidden", refusal, false);
  }
  co_return co_await exchange(ctx, w, snap, client, buffer, req, plan, *app, route, websocket, tls);
}

// One request: its head read and checked, then answered. Its own coroutine, so that what a
// request needs is freed before the connection waits for the next one. True: keep the connection.
template <class Client>
asio::awaitable<bool> serve_request(ServerContext& ctx, EventLoop& w, Client& client,
                                    beast::flat_buffer& buffer,
                                    const std::optional<std::string>& dedicated, bool tls) {
  // This request uses the configuration current when it arrived, even if a reload happens: one
  // snapshot for its head limits, routing and exchange.
  const std::shared_ptr<const ConfigSnapshot> current = w.snapshot.get(ctx.snapshots);
  const ConfigSnapshot& snap = *current;
  http1::HeadScanner scanner(head_limits(*snap.config));
  beast::get_lowest_layer(client).expires_after(std::chrono::seconds(ctx.timeouts.header));
  HeadRead head;
  if (!scan_buffered_head(buffer, scanner, true, head)) {
    head = co_await read_head(client, buffer, scanner, true);
  }
  if (head.ec) co_return false;  // closed, timed out or reset: nobody to answer
  std::variant<http1::RequestHead, http1::HttpError> parsed =
      head.refused ? std::variant<http1::RequestHead, http1::HttpError>(*head.refused)
                   : http1::parse_request_head(view_of(buffer).substr(0, head.size));
  if (auto* e = std::get_if<http1::HttpError>(&parsed)) {
    // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
    const http1::Fields none;
    co_await refuse_request(ctx, client, none, *e);
    co_return false;
  }
  buffer.consume(head.size);
  try {
    co_return co_await handle(ctx, snap, w, client, buffer, std::get<http1::RequestHead>(parsed),
                              dedicated, tls);
  } catch (const std::exception& e) {
    log(LogLevel::kError, std::string("request failed: ") + e.what());
  }
  co_return false;
}

// The connection's loop. Between requests it holds no request state, no heap read buffer and no
// timer: an idle keep-alive connection costs its socket (and TLS state) and this frame, whose
// small array takes the first bytes of the next request. Reading into it, rather than waiting for
// readiness and then reading, saves an operator|| group and an epoll_ctl per request. The wait's
// deadline (header_timeout for a new connection, idle_timeout between requests) is kept by the
// loop's sweep of its IdleClients, once a second.
template <class Client>
asio::awaitable<void> serve_connection(ServerContext& ctx, EventLoop& w, Client& client,
                                       const std::optional<std::string>& dedicated, bool tls) {
  IdleClients::Entry idle(w.idle_clients, beast::get_lowest_layer(client));
  beast::flat_buffer buffer;
  std::array<char, kFirstRead> first;
  int wait_limit = ctx.timeouts.header;  // for the first request; idle_timeout after a response
  for (;;) {
    if (ctx.draining) break;
    if (buffer.size() == 0) {
      buffer.shrink_to_fit();
      idle.set_idle(IdleClients::Clock::now() + std::chrono::seconds(wait_limit));
      beast::get_lowest_layer(client).expires_never();
      auto [ec, n] = co_await client.async_read_some(asio::buffer(first), nothrow);
      idle.set_busy();
      if (ec) break;  // closed, timed out, reset or drained: nobody to answer
      buffer.commit(asio::buffer_copy(buffer.prepare(n), asio::buffer(first.data(), n)));
    }
    if (!co_await serve_request(ctx, w, client, buffer, dedicated, tls)) break;
    wait_limit = ctx.timeouts.idle;
  }
}

}  // namespace

void start_session(ServerContext& ctx, Accepted accepted, ssl::context* tls) {
  EventLoop& loop = accepted.loop;
  asio::post(loop.io, [&ctx, &loop, tls, a = std::move(accepted)]() mutable {
    if (a.tls) {
      if (tls == nullptr) return;  // no https listener without its context: closes the socket
      asio::co_spawn(loop.io,
                     serve_tls_client(ctx, loop, std::move(a.socket), *tls, std::move(a.app)),
                     asio::detached);
    } else {
      asio::co_spawn(loop.io, serve_plain_client(ctx, loop, std::move(a.socket), std::move(a.app)),
                     asio::detached);
    }
  });
}

asio::awaitable<void> serve_plain_client(ServerContext& ctx, EventLoop& w, tcp::socket socket,
                                         std::optional<std::string> dedicated) {
  SessionGuard count(ctx.sessions);
  boost::system::error_code ignored_ec;
  socket.set_option(tcp::no_delay(true), ignored_ec);  // headers and bodies are separate writes
  socket.non_blocking(true, ignored_ec);  // for write_now(); asynchronous operations do not care
  beast::tcp_stream client(std::move(socket));
  co_await serve_connection(ctx, w, client, dedicated, false);
  client.socket().shutdown(tcp::socket::shutdown_both, ignored_ec);
  client.close();
}

asio::awaitable<void> serve_tls_client(ServerContext& ctx, EventLoop& w, tcp::socket socket,
                                       ssl::context& tls, std::optional<std::string> dedicated) {
  SessionGuard count(ctx.sessions);
  boost::system::error_code ignored_ec;
  socket.set_option(tcp::no_delay(true), ignored_ec);
  ssl::stream<beast::tcp_stream> client(beast::tcp_stream(std::move(socket)), tls);
  beast::get_lowest_layer(client).expires_after(std::chrono::seconds(ctx.timeouts.header));
  auto [hec] = co_await client.async_handshake(ssl::stream_base::server, nothrow);
  if (!hec) {
    co_await serve_connection(ctx, w, client, dedicated, true);
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(2));
    co_await client.async_shutdown(nothrow);
  }
  beast::get_lowest_layer(client).close();
}

}  // namespace ratls::proxy
