// A WebSocket handshake the upstream accepted (101): the client gets the 101, rewritten, and both
// connections become a byte pipe until either side closes, or no byte has passed either way for
// the tunnel idle timeout (a forgotten tab, or a peer that stopped reading, does not hold both
// connections forever).
#pragma once

#include <memory>

#include "proxy/http1/forwarding.h"
#include "proxy/http1/message.h"
#include "proxy/net/asio_types.h"
#include "proxy/server/relay.h"
#include "proxy/server/server_context.h"
#include "proxy/server/upstream_connection.h"

namespace ratls::proxy {

// Ends when `last_activity` is `timeout` old.
inline asio::awaitable<void> idle_watch(const std::chrono::steady_clock::time_point& last_activity,
                                        std::chrono::seconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_at(last_activity + timeout);
    co_await timer.async_wait(nothrow);
    if (std::chrono::steady_clock::now() >= last_activity + timeout) co_return;
  }
}

template <class Client>
asio::awaitable<bool> tunnel(ServerContext& ctx, Client& client, beast::flat_buffer& client_buffer,
                             std::unique_ptr<UpstreamConn> up, http1::ResponseHead& res,
                             const Origins& origins) {
  rewrite_response_headers(res.fields, origins);
  const std::string switching =
      http1::serialize_response_head(101, res.reason, res.fields, Framing{});
  beast::get_lowest_layer(client).expires_after(std::chrono::seconds(ctx.timeouts.idle));
  auto [ec, n] = co_await asio::async_write(client, asio::buffer(switching), nothrow);
  if (ec) co_return false;
  beast::get_lowest_layer(client).expires_never();
  beast::get_lowest_layer(up->stream).expires_never();
  // Bytes already read past the headers belong to the tunnel.
  if (client_buffer.size() > 0) {
    auto [e1, n1] = co_await asio::async_write(up->stream, client_buffer.data(), nothrow);
    if (e1) co_return false;
    client_buffer.consume(client_buffer.size());
  }
  if (up->buffer.size() > 0) {
    auto [e2, n2] = co_await asio::async_write(client, up->buffer.data(), nothrow);
    if (e2) co_return false;
    up->buffer.consume(up->buffer.size());
  }
  using namespace asio::experimental::awaitable_operators;
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  const std::chrono::seconds idle_limit(ctx.timeouts.tunnel_idle);
  co_await (pipe(client, up->stream, last_activity) || pipe(up->stream, client, last_activity) ||
            idle_watch(last_activity, idle_limit));
  beast::get_lowest_layer(up->stream).close();
  co_return false;
}

}  // namespace ratls::proxy
