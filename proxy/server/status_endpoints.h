// The gateway's own pages on http://localhost:PORT/: the status page, status.json and /metrics.
#pragma once

#include <string>
#include <string_view>

#include "proxy/common/clock.h"
#include "proxy/http1/message.h"
#include "proxy/net/asio_types.h"
#include "proxy/server/responses.h"
#include "proxy/server/server_context.h"

namespace ratls::proxy {

inline constexpr std::string_view kStatusJsonPath = "/.well-known/ratls-gateway/status.json";

template <class Client>
asio::awaitable<bool> handle_status(ServerContext& ctx, Client& client,
                                    const http1::RequestHead& req, std::string_view target,
                                    bool keep_alive, bool tls) {
  if (req.method != "GET" && req.method != "HEAD") {
    co_return co_await respond_error(ctx, "", client, req.fields, http::status::method_not_allowed,
                                     "405 Method Not Allowed", "the status page is read-only",
                                     false);
  }
  const std::string_view path = target.substr(0, target.find('?'));
  try {
    ctx.pins.reload_if_changed();
  } catch (const std::exception&) {
    // shown with the old pins; the verifier reports the broken file when it matters
  }
  const nlohmann::json status = ctx.state.to_json(ctx.pins, now_utc());
  if (path == kStatusJsonPath) {
    co_return co_await respond(ctx, client, http::status::ok, "application/json",
                               status.dump(2) + "\n", keep_alive);
  }
  if (path == "/") {
    const std::string host_text = *req.fields.find("Host");
    const auto colon = host_text.rfind(':');
    const std::string port =
        colon != std::string::npos && host_text.find(']', colon) == std::string::npos
            ? host_text.substr(colon + 1)
            : std::string();
    co_return co_await respond(ctx, client, http::status::ok, "text/html; charset=utf-8",
                               render_status_html(status, tls ? "https" : "http", port),
                               keep_alive);
  }
  if (path == "/metrics") {
    co_return co_await respond(ctx, client, http::status::ok,
                               "text/plain; version=0.0.4; charset=utf-8",
                               ctx.metrics.render(now_utc()), keep_alive);
  }
  co_return co_await respond_error(ctx, "", client, req.fields, http::status::not_found,
                                   "404 Not Found",
                                   "the gateway serves / and " + std::string(kStatusJsonPath) +
                                       " here; apps are at http://<app>.localhost",
                                   keep_alive);
}

}  // namespace ratls::proxy
