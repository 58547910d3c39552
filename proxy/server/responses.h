// The gateway's own answers: status pages, errors (HTML, or JSON for clients that ask for it) and
// the page that says why an upstream was refused. Always written by Beast from the gateway's own
// fields; nothing of a peer's message passes through here.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "proxy/http1/fields.h"
#include "proxy/http1/message.h"
#include "proxy/http1/serializer.h"
#include "proxy/net/asio_types.h"
#include "proxy/pinning/pin_json.h"
#include "proxy/server/server_context.h"

namespace ratls::proxy {

inline bool wants_json(const http1::Fields& f) {
  const std::string* accept = f.find("Accept");
  return accept != nullptr && accept->find("application/json") != std::string::npos &&
         accept->find("text/html") == std::string::npos;
}

inline std::string status_title(unsigned status) {
  return std::to_string(status) + " " + std::string(http1::standard_reason(status));
}

template <class Client>
asio::awaitable<bool> respond(ServerContext& ctx, Client& client, http::status status,
                              const std::string& content_type, std::string body, bool keep_alive,
                              std::string app = "") {
  ctx.metrics.request(app, static_cast<unsigned>(status));
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "ratls-gateway");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(body);
  res.keep_alive(keep_alive && !ctx.draining);
  res.prepare_payload();
  beast::get_lowest_layer(client).expires_after(std::chrono::seconds(ctx.timeouts.idle));
  auto [ec, n] = co_await http::async_write(client, res, nothrow);
  co_return !ec && keep_alive && !ctx.draining;
}

template <class Client>
asio::awaitable<bool> respond_error(ServerContext& ctx, std::string app, Client& client,
                                    const http1::Fields& request, http::status status,
                                    const std::string& title, const std::string& message,
                                    bool keep_alive) {
  if (wants_json(request)) {
    nlohmann::json j{{"error", title}, {"message", message}};
    co_return co_await respond(ctx, client, status, "application/json", j.dump() + "\n", keep_alive,
                               app);
  }
  std::string html =
      "<!doctype html><meta charset=utf-8><title>" + title + "</title><h1>" + title + "</h1><p>";
  for (char c : message) {
    html += c == '<' ? std::string("&lt;") : c == '&' ? std::string("&amp;") : std::string(1, c);
  }
  html += "</p>\n";
  co_return co_await respond(ctx, client, status, "text/html; charset=utf-8", html, keep_alive,
                             app);
}

template <class Client>
asio::awaitable<bool> respond_refusal(ServerContext& ctx, Client& client,
                                      const http1::Fields& request, const AppConfig& app,
                                      const UpstreamDecision& d, bool keep_alive) {
  nlohmann::json details{{"error", "upstream not verified"},
                         {"app", app.name},
                         {"upstream", app.upstream},
                         {"reason", d.reason},
                         {"advice", d.advice},
                         {"simulated", d.simulated},
                         {"observed", pin_to_json(d.observed)},
                         {"pinned", pin_to_json(d.previous_pin)}};
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : d.errors)
    errors.push_back({{"code", attest::status_name(e.status)}, {"message", e.message}});
  details["errors"] = errors;
  if (wants_json(request)) {
    co_return co_await respond(ctx, client, http::status::bad_gateway, "application/json",
                               details.dump(2) + "\n", keep_alive, app.name);
  }
  co_return co_await respond(ctx, client, http::status::bad_gateway, "text/html; charset=utf-8",
                             render_refusal_html(app.name, d.reason, d.advice, details), keep_alive,
                             app.name);
}

// A request the gateway will not forward: the status the rules give, and the connection closed
// (what follows the head cannot be trusted to be a next request).
template <class Client>
asio::awaitable<bool> refuse_request(ServerContext& ctx, Client& client,
                                     const http1::Fields& request, const http1::HttpError& e) {
  log(LogLevel::kInfo, "refused a request (" + std::to_string(e.status) + "): " + e.reason);
  co_return co_await respond_error(ctx, "", client, request, static_cast<http::status>(e.status),
                                   status_title(e.status), e.reason, false);
}

}  // namespace ratls::proxy
