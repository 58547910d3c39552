// A client connection from accept to close: its requests read one at a time (the gateway's own
// framing rules), routed by Host, guarded (cross-site requests), and answered by the status pages
// or an exchange with the app's upstream.
#pragma once

#include <optional>
#include <string>

#include "proxy/net/asio_types.h"
#include "proxy/server/event_loops.h"
#include "proxy/server/listeners.h"
#include "proxy/server/server_context.h"

namespace ratls::proxy {

// Serves an accepted connection on its loop: plain, or TLS with `tls` (the https listener's
// context) when it arrived there. The session's coroutine is created on that loop, not on the
// accepting thread, so its frame is not allocated among the main loop's never-freed per-socket
// objects (which would keep those pages resident after a burst).
void start_session(ServerContext& ctx, Accepted accepted, ssl::context* tls);

// A plain-HTTP client (the usual http://<app>.localhost).
asio::awaitable<void> serve_plain_client(ServerContext& ctx, EventLoop& loop, tcp::socket socket,
                                         std::optional<std::string> dedicated_app);
// A client of the https listener (local-CA certificates).
asio::awaitable<void> serve_tls_client(ServerContext& ctx, EventLoop& loop, tcp::socket socket,
                                       ssl::context& tls, std::optional<std::string> dedicated_app);

}  // namespace ratls::proxy
