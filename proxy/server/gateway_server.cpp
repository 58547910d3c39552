#include "proxy/server/gateway_server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "proxy/common/clock.h"
#include "proxy/common/log.h"
#include "proxy/http1/chunked.h"
#include "proxy/http1/forwarding.h"
#include "proxy/http1/head_parser.h"
#include "proxy/http1/head_scanner.h"
#include "proxy/http1/request_rules.h"
#include "proxy/http1/rewrite.h"
#include "proxy/http1/serializer.h"
#include "proxy/pinning/pin_store.h"
#include "proxy/server/asio_types.h"
#include "proxy/server/dial_cooldown.h"
#include "proxy/server/event_loops.h"
#include "proxy/server/listeners.h"
#include "proxy/server/memory_release.h"
#include "proxy/server/ratls_validator.h"
#include "proxy/server/relay.h"
#include "proxy/server/routing.h"
#include "proxy/server/service_notify.h"
#include "proxy/server/upstream_connection.h"
#include "proxy/server/upstream_connector.h"
#include "proxy/server/upstream_pool.h"
#include "proxy/server/webpki_validator.h"
#include "proxy/status/gateway_state.h"
#include "proxy/status/metrics.h"

namespace ratls::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;

constexpr auto kMemoryReleaseInterval = std::chrono::seconds(2);
constexpr std::string_view kStatusJsonPath = "/.well-known/ratls-gateway/status.json";

using http1::Framing;

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

bool wants_json(const http1::Fields& f) {
  const std::string* accept = f.find("Accept");
  return accept != nullptr && accept->find("application/json") != std::string::npos &&
         accept->find("text/html") == std::string::npos;
}

std::string authority_of(const AppConfig& app) {
  const bool v6 = app.upstream_host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + app.upstream_host + "]" : app.upstream_host;
  return app.upstream_port == 443 ? host : host + ":" + std::to_string(app.upstream_port);
}

std::string status_title(unsigned status) {
  return std::to_string(status) + " " + std::string(http1::standard_reason(status));
}

}  // namespace

struct GatewayServer::Impl {
  explicit Impl(GatewayOptions o)
      : options(std::move(o)),
        pins((std::filesystem::path(options.config.state_dir) / "pins.json").string()),
        verifier(std::make_shared<UpstreamVerifier>(std::move(options.root), options.simulated_root,
                                                    options.collateral, pins)),
        config(std::make_shared<const Config>(options.config)) {
    try {
      pins.load();
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("cannot start: ") + e.what());
    }
    state.configure(*config, options.simulated_root);
  }

  // Pending coroutines are destroyed with their loop's io_context; they reach into the members
  // below, so the loops are declared last (destroyed first), and ~Impl releases the objects bound
  // to the main loop (listeners, timers, signals) before that.
  ~Impl() {
    destroying = true;
    interrupt_verifications();
    loops.stop();
    verify_pool.join();
    listeners.reset();
    watchdog.reset();
    memory_timer.reset();
    drain_timer.reset();
    signals.reset();
    reload_signals.reset();
  }

  GatewayOptions options;
  PinStore pins;
  // The configuration and its verifier are replaced whole on reload, on the main loop and under
  // config_mutex; the workers take a Snapshot per request and keep it to the end of the request.
  mutable std::mutex config_mutex;
  std::shared_ptr<UpstreamVerifier> verifier;
  std::shared_ptr<const Config> config;
  // The apps' names, for routing; computed once per configuration, not per request.
  std::shared_ptr<const std::vector<std::string>> names = app_names(*config);
  std::atomic<unsigned> generation{0};
  std::vector<std::weak_ptr<UpstreamVerifier>> replaced_verifiers;
  struct Snapshot {
    std::shared_ptr<const Config> config;
    std::shared_ptr<const std::vector<std::string>> names;
    std::shared_ptr<UpstreamVerifier> verifier;
    unsigned generation = 0;
  };
  Snapshot snapshot() const {
    std::lock_guard lock(config_mutex);
    return {config, names, verifier, generation.load()};
  }
  GatewayState state;
  Metrics metrics;
  std::optional<asio::signal_set> reload_signals;
  std::unique_ptr<asio::steady_timer> watchdog;
  DialCooldown cooldown;
  std::atomic<bool> draining{false};
  std::atomic<bool> destroying{false};
  int drain_seconds = 10;
  std::atomic<int> active_sessions{0};
  MemoryRelease memory_release;
  std::unique_ptr<asio::steady_timer> memory_timer;
  std::unique_ptr<asio::steady_timer> drain_timer;
  std::optional<asio::signal_set> signals;
  // Verification is CPU work and may wait for collateral from the network: it runs here, so the
  // event loops keep serving other connections and apps meanwhile.
  asio::thread_pool verify_pool{verification_threads()};
  // New upstream connections: TCP and TLS here, then the app's validator decides.
  RatlsValidator ratls_validator{verify_pool, metrics, state};
  WebPkiValidator webpki_validator{state};
  UpstreamConnector connector{ratls_validator, webpki_validator, metrics, options.connect_timeout};

  // Declared last: pending coroutines reach into the members above and are destroyed with their
  // loop's io_context.
  EventLoops loops{options.threads};
  std::unique_ptr<Listeners> listeners =
      std::make_unique<Listeners>(loops, [this](Accepted a) { on_accepted(std::move(a)); });
  asio::io_context& main_io() { return loops.main().io; }

  void on_accepted(Accepted a) {
    EventLoop& loop = a.loop;
    if (a.tls) {
      asio::co_spawn(loop.io, tls_session(loop, std::move(a.socket), std::move(a.app)),
                     asio::detached);
    } else {
      asio::co_spawn(loop.io, session(loop, std::move(a.socket), std::move(a.app)), asio::detached);
    }
  }

  static std::size_t verification_threads() {
    return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 4);
  }

  // Shutdown: verifications waiting for collateral fail at once instead of holding the drain.
  void interrupt_verifications() {
    if (verifier) verifier->interrupt();
    for (const auto& weak : replaced_verifiers) {
      if (auto v = weak.lock()) v->interrupt();
    }
  }

  static const AppConfig* find_app(const Config& c, const std::string& name) {
    for (const auto& a : c.apps) {
      if (a.name == name) return &a;
    }
    return nullptr;
  }

  static std::shared_ptr<const std::vector<std::string>> app_names(const Config& c) {
    auto out = std::make_shared<std::vector<std::string>>();
    for (const auto& a : c.apps) out->push_back(a.name);
    return out;
  }

  std::string status_line() const {
    std::size_t verified = 0;
    for (const auto& a : state.snapshot()) verified += a.state == "verified" ? 1 : 0;
    return "serving " + std::to_string(config->apps.size()) + " app(s), " +
           std::to_string(verified) + " verified";
  }

  // SIGHUP: a valid new configuration applies to new requests; in-flight ones finish with the
  // snapshot they hold. An invalid one is reported and the old one stays.
  void reload() {
    if (!options.reload) {
      log(LogLevel::kWarning, "SIGHUP ignored: this gateway has no configuration file to re-read");
      return;
    }
    notify_reloading();
    try {
      GatewayOptions next = options.reload();
      if (next.config.listen.size() != config->listen.size() ||
          !std::equal(
              next.config.listen.begin(), next.config.listen.end(), config->listen.begin(),
              [](const ListenAddress& a, const ListenAddress& b) { return a.text == b.text; })) {
        log(LogLevel::kWarning, "listen addresses changed: restart the gateway to apply them");
      }
      if (next.config.state_dir != config->state_dir) {
        log(LogLevel::kWarning, "state_dir changed: restart the gateway to apply it");
      }
      auto next_verifier = std::make_shared<UpstreamVerifier>(
          std::move(next.root), next.simulated_root, next.collateral, pins);
      state.configure(next.config, next.simulated_root);
      {
        std::lock_guard lock(config_mutex);
        std::erase_if(replaced_verifiers, [](const auto& weak) { return weak.expired(); });
        replaced_verifiers.push_back(verifier);
        verifier = std::move(next_verifier);
        config = std::make_shared<const Config>(std::move(next.config));
        names = app_names(*config);
        ++generation;
      }
      // Connections verified under the old configuration are never reused: take_pooled and
      // give_back check the generation. Idle ones of apps the new configuration dropped would
      // never be taken again, so they are closed here.
      for (auto& w : loops.all()) {
        asio::post(w->io, [&w = *w, kept = names] { w.pool.keep_only(*kept); });
      }
      cooldown.clear();
      log(LogLevel::kInfo,
          "configuration reloaded: " + std::to_string(config->apps.size()) + " app(s)");
    } catch (const std::exception& e) {
      log(LogLevel::kError,
          std::string("reload failed, the previous configuration stays in force: ") + e.what());
    }
    notify_ready(status_line());
  }

  void wait_for_reload() {
    reload_signals->async_wait([this](boost::system::error_code ec, int) {
      if (ec || draining) return;
      log(LogLevel::kInfo, "received SIGHUP");
      reload();
      wait_for_reload();
    });
  }

  // Every few seconds, memory freed by connections that closed meanwhile goes back to the system.
  void release_memory_periodically() {
    memory_timer->expires_after(kMemoryReleaseInterval);
    memory_timer->async_wait([this](boost::system::error_code ec) {
      if (ec || draining) return;
      memory_release.release_if_connections_closed();
      release_memory_periodically();
    });
  }

  void keep_watchdog_fed(std::chrono::microseconds interval) {
    watchdog->expires_after(interval);
    watchdog->async_wait([this, interval](boost::system::error_code ec) {
      if (ec || draining) return;
      notify_watchdog();
      keep_watchdog_fed(interval);
    });
  }

  void begin_drain() {
    if (draining) return;
    draining = true;
    notify_stopping();
    if (signals) signals->cancel();
    if (reload_signals) reload_signals->cancel();
    if (watchdog) watchdog->cancel();
    if (memory_timer) memory_timer->cancel();
    log(LogLevel::kInfo, "stopping: no new connections, finishing requests in flight");
    interrupt_verifications();
    listeners->close();
    for (auto& w : loops.all()) {
      asio::post(w->io, [&w = *w] {
        for (beast::tcp_stream* c : w.idle_clients) c->socket().close();
        w.idle_clients.clear();
        w.pool.clear();
      });
      w->keep_running.reset();  // a worker's loop ends once its last connection is done
    }
    drain_timer =
        std::make_unique<asio::steady_timer>(main_io(), std::chrono::seconds(drain_seconds));
    drain_timer->async_wait([this](boost::system::error_code ec) {
      if (!ec) {
        log(LogLevel::kWarning, "drain timeout: closing the remaining connections");
        for (auto& w : loops.all()) w->io.stop();
      }
    });
    if (active_sessions == 0) drain_timer->cancel();
  }

  // Counts sessions so a drain ends as soon as the last one finishes.
  struct SessionCount {
    explicit SessionCount(Impl& i) : impl(i) {
      ++impl.active_sessions;
      impl.metrics.connection_opened();
    }
    ~SessionCount() {
      impl.metrics.connection_closed();
      impl.memory_release.connection_closed();
      // The last connection of a drain ends it (the drain timer lives on the main loop).
      if (--impl.active_sessions == 0 && impl.draining && !impl.destroying) {
        asio::post(impl.main_io(), [&i = impl] {
          if (i.drain_timer) i.drain_timer->cancel();
        });
      }
    }
    Impl& impl;
  };

  // --- simple responses ---------------------------------------------------------------------

  template <class Client>
  asio::awaitable<bool> respond(Client& client, http::status status,
                                const std::string& content_type, std::string body, bool keep_alive,
                                std::string app = "") {
    metrics.request(app, static_cast<unsigned>(status));
    http::response<http::string_body> res{status, 11};
    res.set(http::field::server, "ratls-gateway");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(body);
    res.keep_alive(keep_alive && !draining);
    res.prepare_payload();
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(options.idle_timeout));
    auto [ec, n] = co_await http::async_write(client, res, nothrow);
    co_return !ec && keep_alive && !draining;
  }

  template <class Client>
  asio::awaitable<bool> respond_error(std::string app, Client& client, const http1::Fields& request,
                                      http::status status, const std::string& title,
                                      const std::string& message, bool keep_alive) {
    if (wants_json(request)) {
      nlohmann::json j{{"error", title}, {"message", message}};
      co_return co_await respond(client, status, "application/json", j.dump() + "\n", keep_alive,
                                 app);
    }
    std::string html =
        "<!doctype html><meta charset=utf-8><title>" + title + "</title><h1>" + title + "</h1><p>";
    for (char c : message) {
      html += c == '<' ? std::string("&lt;") : c == '&' ? std::string("&amp;") : std::string(1, c);
    }
    html += "</p>\n";
    co_return co_await respond(client, status, "text/html; charset=utf-8", html, keep_alive, app);
  }

  template <class Client>
  asio::awaitable<bool> respond_refusal(Client& client, const http1::Fields& request,
                                        const AppConfig& app, const UpstreamDecision& d,
                                        bool keep_alive) {
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
      co_return co_await respond(client, http::status::bad_gateway, "application/json",
                                 details.dump(2) + "\n", keep_alive, app.name);
    }
    co_return co_await respond(client, http::status::bad_gateway, "text/html; charset=utf-8",
                               render_refusal_html(app.name, d.reason, d.advice, details),
                               keep_alive, app.name);
  }

  // --- upstream connections -----------------------------------------------------------------

  // A pooled connection is reused only while its certificate is still the app's pin: a pin accepted
  // or forgotten from the CLI applies to the very next request.
  std::unique_ptr<UpstreamConn> take_pooled(EventLoop& w, const AppConfig& app, unsigned gen) {
    const bool ratls = app.mode == UpstreamMode::kRatls;
    std::optional<std::string> pinned;
    if (ratls) {
      try {
        pins.reload_if_changed();
      } catch (const std::exception& e) {
        log(LogLevel::kWarning, std::string("pins file problem (old pins kept): ") + e.what());
      }
      pinned = pins.pinned_cert_sha256(app.name);
    }
    return w.pool.take(app.name, gen, pinned, ratls);
  }

  void give_back(EventLoop& w, const std::string& app, std::unique_ptr<UpstreamConn> conn) {
    // Verified under a configuration that has since been replaced: never reused.
    if (draining || conn->generation != generation) return;
    w.pool.give_back(app, std::move(conn));
  }

  // --- sessions -------------------------------------------------------------------------------

  asio::awaitable<void> session(EventLoop& w, tcp::socket socket,
                                std::optional<std::string> dedicated) {
    SessionCount count(*this);
    boost::system::error_code ignored_ec;
    socket.set_option(tcp::no_delay(true), ignored_ec);  // headers and bodies are separate writes
    beast::tcp_stream client(std::move(socket));
    co_await serve_connection(w, client, dedicated, false);
    client.socket().shutdown(tcp::socket::shutdown_both, ignored_ec);
    client.close();
  }

  asio::awaitable<void> tls_session(EventLoop& w, tcp::socket socket,
                                    std::optional<std::string> dedicated) {
    SessionCount count(*this);
    boost::system::error_code ignored_ec;
    socket.set_option(tcp::no_delay(true), ignored_ec);
    ssl::stream<beast::tcp_stream> client(beast::tcp_stream(std::move(socket)),
                                          *listeners->tls_context());
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(options.header_timeout));
    auto [hec] = co_await client.async_handshake(ssl::stream_base::server, nothrow);
    if (!hec) {
      co_await serve_connection(w, client, dedicated, true);
      beast::get_lowest_layer(client).expires_after(std::chrono::seconds(2));
      co_await client.async_shutdown(nothrow);
    }
    beast::get_lowest_layer(client).close();
  }

  http1::HeadLimits head_limits(const Config& c) const {
    return {c.max_header_bytes, c.max_header_fields};
  }

  template <class Client>
  asio::awaitable<void> serve_connection(EventLoop& w, Client& client,
                                         const std::optional<std::string>& dedicated, bool tls) {
    beast::flat_buffer buffer;
    for (;;) {
      if (draining) break;
      w.idle_clients.insert(&beast::get_lowest_layer(client));
      if (buffer.size() == 0) {
        // Between requests a connection holds no read buffer: an idle keep-alive connection costs
        // its socket (and TLS state), not the last exchange's buffers.
        buffer.shrink_to_fit();
        if constexpr (std::is_same_v<Client, beast::tcp_stream>) {
          if (!co_await wait_readable(client.socket(), options.header_timeout)) {
            w.idle_clients.erase(&beast::get_lowest_layer(client));
            break;
          }
        }
      }
      http1::HeadScanner scanner(head_limits(*snapshot().config));
      beast::get_lowest_layer(client).expires_after(std::chrono::seconds(options.header_timeout));
      const HeadRead head = co_await read_head(client, buffer, scanner, true);
      w.idle_clients.erase(&beast::get_lowest_layer(client));
      if (head.ec) break;  // closed, timed out or reset: nobody to answer
      std::variant<http1::RequestHead, http1::HttpError> parsed =
          head.refused ? std::variant<http1::RequestHead, http1::HttpError>(*head.refused)
                       : http1::parse_request_head(view_of(buffer).substr(0, head.size));
      if (auto* e = std::get_if<http1::HttpError>(&parsed)) {
        // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
        const http1::Fields none;
        co_await refuse_request(client, none, *e);
        break;
      }
      buffer.consume(head.size);
      bool keep = false;
      try {
        keep = co_await handle(w, client, buffer, std::get<http1::RequestHead>(parsed), dedicated,
                               tls);
      } catch (const std::exception& e) {
        log(LogLevel::kError, std::string("request failed: ") + e.what());
        keep = false;
      }
      if (!keep) break;
    }
  }

  // A request the gateway will not forward: the status the rules give, and the connection closed
  // (what follows the head cannot be trusted to be a next request).
  template <class Client>
  asio::awaitable<bool> refuse_request(Client& client, const http1::Fields& request,
                                       const http1::HttpError& e) {
    log(LogLevel::kInfo, "refused a request (" + std::to_string(e.status) + "): " + e.reason);
    co_return co_await respond_error("", client, request, static_cast<http::status>(e.status),
                                     status_title(e.status), e.reason, false);
  }

  template <class Client>
  asio::awaitable<bool> handle(EventLoop& w, Client& client, beast::flat_buffer& buffer,
                               http1::RequestHead& req, const std::optional<std::string>& dedicated,
                               bool tls) {
    auto planned = http1::plan_request(req);
    if (auto* e = std::get_if<http1::HttpError>(&planned)) {
      co_return co_await refuse_request(client, req.fields, *e);
    }
    const http1::RequestPlan& plan = std::get<http1::RequestPlan>(planned);
    const bool has_body = plan.framing.kind == Framing::Kind::kChunked ||
                          (plan.framing.kind == Framing::Kind::kLength && plan.framing.length > 0);
    // The gateway's own answers do not read a body: the connection ends after them.
    const bool keep_alive = plan.keep_alive && !has_body;
    // This request uses the configuration current when it arrived, even if a reload happens.
    const Snapshot snap = snapshot();
    const Config& cfg = *snap.config;
    const Route route = route_request(*req.fields.find("Host"), *snap.names, dedicated);
    switch (route.kind) {
      case Route::Kind::kBadHost:
        co_return co_await respond_error("", client, req.fields, http::status::bad_request,
                                         "400 Bad Request", "the request has no valid Host header",
                                         false);
      case Route::Kind::kForeignHost:
        co_return co_await respond_error(
            "", client, req.fields, http::status::misdirected_request, "421 Misdirected Request",
            "this gateway only answers to localhost and <app>.localhost names", false);
      case Route::Kind::kUnknownApp:
        co_return co_await respond_error(
            "", client, req.fields, http::status::not_found, "404 No such app",
            "no app named \"" + route.app + "\" is configured; see http://localhost/", keep_alive);
      case Route::Kind::kStatus:
        co_return co_await handle_status(client, req, plan.origin_target, keep_alive, tls);
      case Route::Kind::kApp:
        break;
    }
    const AppConfig* app = find_app(cfg, route.app);
    if (app == nullptr) co_return false;
    const bool websocket = is_websocket_upgrade(req.fields);
    if (websocket && has_body) {
      const http1::HttpError error{400, "a WebSocket handshake with a body"};
      co_return co_await refuse_request(client, req.fields, error);
    }
    auto header = [&](std::string_view name) {
      const std::string* v = req.fields.find(name);
      return v == nullptr ? std::string_view() : std::string_view(*v);
    };
    const std::string refusal = cross_site_refusal(req.method, websocket, header("Origin"),
                                                   header("Sec-Fetch-Site"), route.host);
    if (!refusal.empty()) {
      log(LogLevel::kWarning, "app " + app->name + ": refused a cross-site request: " + refusal);
      co_return co_await respond_error(app->name, client, req.fields, http::status::forbidden,
                                       "403 Forbidden", refusal, false);
    }
    co_return co_await proxy(w, snap, client, buffer, req, plan, *app, route, websocket, tls);
  }

  template <class Client>
  asio::awaitable<bool> handle_status(Client& client, const http1::RequestHead& req,
                                      std::string_view target, bool keep_alive, bool tls) {
    if (req.method != "GET" && req.method != "HEAD") {
      co_return co_await respond_error("", client, req.fields, http::status::method_not_allowed,
                                       "405 Method Not Allowed", "the status page is read-only",
                                       false);
    }
    const std::string_view path = target.substr(0, target.find('?'));
    try {
      pins.reload_if_changed();
    } catch (const std::exception&) {
      // shown with the old pins; the verifier reports the broken file when it matters
    }
    const nlohmann::json status = state.to_json(pins, now_utc());
    if (path == kStatusJsonPath) {
      co_return co_await respond(client, http::status::ok, "application/json",
                                 status.dump(2) + "\n", keep_alive);
    }
    if (path == "/") {
      const std::string host_text = *req.fields.find("Host");
      const auto colon = host_text.rfind(':');
      const std::string port =
          colon != std::string::npos && host_text.find(']', colon) == std::string::npos
              ? host_text.substr(colon + 1)
              : std::string();
      co_return co_await respond(client, http::status::ok, "text/html; charset=utf-8",
                                 render_status_html(status, tls ? "https" : "http", port),
                                 keep_alive);
    }
    if (path == "/metrics") {
      co_return co_await respond(client, http::status::ok,
                                 "text/plain; version=0.0.4; charset=utf-8",
                                 metrics.render(now_utc()), keep_alive);
    }
    co_return co_await respond_error("", client, req.fields, http::status::not_found,
                                     "404 Not Found",
                                     "the gateway serves / and " + std::string(kStatusJsonPath) +
                                         " here; apps are at http://<app>.localhost",
                                     keep_alive);
  }

  // The upstream's response head, after relaying interim (1xx) responses to the client.
  struct FinalResponse {
    std::optional<http1::ResponseHead> head;
    bool stale = false;  // a pooled connection closed before answering: retry on a fresh one
    std::optional<http1::HttpError> error;
  };

  template <class Client>
  asio::awaitable<FinalResponse> read_final_response(Client& client, UpstreamConn& up,
                                                     const http1::RequestHead& req,
                                                     const Origins& origins, bool websocket,
                                                     bool can_retry, const Config& cfg) {
    FinalResponse out;
    for (;;) {
      http1::HeadScanner scanner(head_limits(cfg), http1::HeadScanner::Kind::kResponse);
      beast::get_lowest_layer(up.stream).expires_after(std::chrono::seconds(options.idle_timeout));
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
      beast::get_lowest_layer(client).expires_after(std::chrono::seconds(options.idle_timeout));
      auto [ec, n] = co_await asio::async_write(client, asio::buffer(interim), nothrow);
      if (ec) {
        out.error = http1::HttpError{502, "the client went away"};
        co_return out;
      }
    }
  }

  template <class Client>
  asio::awaitable<bool> proxy(EventLoop& w, const Snapshot& snap, Client& client,
                              beast::flat_buffer& buffer, http1::RequestHead& req,
                              const http1::RequestPlan& plan, const AppConfig& app,
                              const Route& route, bool websocket, bool tls) {
    const bool has_body = plan.framing.kind == Framing::Kind::kChunked ||
                          (plan.framing.kind == Framing::Kind::kLength && plan.framing.length > 0);
    const bool head_request = req.method == "HEAD";
    Origins origins{(tls ? "https://" : "http://") + route.host, "https://" + authority_of(app),
                    authority_of(app)};
    const http1::Fields& client_fields = req.fields;  // for the gateway's own error pages
    const http1::UpstreamRequest forwarded = http1::upstream_request(req, plan, websocket, origins);
    const std::string& upstream_head = forwarded.head;
    bool sent_continue = false;

    for (int attempt = 0;; ++attempt) {
      if (const auto cooling = cooldown.reason(app.name)) {
        co_return co_await respond_error(app.name, client, client_fields, http::status::bad_gateway,
                                         "502 Upstream unavailable",
                                         *cooling + " (retrying shortly)", false);
      }
      std::unique_ptr<UpstreamConn> up = take_pooled(w, app, snap.generation);
      const bool reused = up != nullptr;
      if (!up) {
        DialResult dial_result =
            co_await connector.connect(w.io.get_executor(), app, snap.verifier, snap.generation);
        if (dial_result.refusal) {
          co_return co_await respond_refusal(client, client_fields, app, *dial_result.refusal,
                                             plan.keep_alive && !has_body);
        }
        if (!dial_result.conn) {
          log(LogLevel::kWarning, "app " + app.name + ": " + dial_result.error);
          state.record_failure(app.name, dial_result.error, now_utc());
          cooldown.start(app.name, dial_result.error);
          co_return co_await respond_error(app.name, client, client_fields,
                                           http::status::bad_gateway, "502 Upstream unavailable",
                                           dial_result.error, false);
        }
        up = std::move(dial_result.conn);
      }
      // A pooled connection the upstream closed meanwhile fails here; nothing was consumed from the
      // client yet, so an idempotent request can go to a fresh connection.
      const bool can_retry = reused && attempt == 0 && idempotent(req.method) && !has_body;

      beast::get_lowest_layer(up->stream).expires_after(std::chrono::seconds(options.idle_timeout));
      auto [wec, wn] = co_await asio::async_write(up->stream, asio::buffer(upstream_head), nothrow);
      if (wec) {
        if (can_retry) continue;
        co_return co_await respond_error(
            app.name, client, client_fields, http::status::bad_gateway, "502 Upstream failed",
            "writing the request to " + app.upstream + " failed: " + wec.message(), false);
      }
      if (plan.expect_continue && !sent_continue) {
        // The upstream is verified and has our header: let the client send its body. Many servers
        // never answer Expect themselves, so the gateway does (the Expect field is not forwarded).
        beast::get_lowest_layer(client).expires_after(std::chrono::seconds(options.idle_timeout));
        auto [cec, cn] = co_await asio::async_write(
            client, asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")), nothrow);
        if (cec) co_return false;
        sent_continue = true;
      }
      if (has_body) {
        std::string body_error;
        const RelayResult rr = co_await relay_body(client, buffer, plan.framing, up->stream,
                                                   plan.framing.kind == Framing::Kind::kChunked,
                                                   options.idle_timeout, body_error);
        if (rr == RelayResult::kMalformed) {
          // The upstream has a part of a request it must never complete: that connection ends.
          beast::get_lowest_layer(up->stream).close();
          const http1::HttpError error{400, "malformed chunked body: " + body_error};
          co_return co_await refuse_request(client, client_fields, error);
        }
        if (rr == RelayResult::kReadFailed || rr == RelayResult::kTruncated) {
          co_return false;  // the client went away mid-body
        }
        if (rr == RelayResult::kWriteFailed) {
          co_return co_await respond_error(app.name, client, client_fields,
                                           http::status::bad_gateway, "502 Upstream failed",
                                           "the upstream stopped reading the request body", false);
        }
      }
      FinalResponse final_response = co_await read_final_response(
          client, *up, req, origins, websocket, can_retry, *snap.config);
      if (final_response.stale) continue;
      if (final_response.error) {
        // Never pooled: `up` ends with this exchange.
        log(LogLevel::kWarning, "app " + app.name + ": " + final_response.error->reason);
        state.record_failure(app.name, final_response.error->reason, now_utc());
        co_return co_await respond_error(app.name, client, client_fields, http::status::bad_gateway,
                                         "502 Upstream failed", final_response.error->reason,
                                         false);
      }
      http1::ResponseHead& res = *final_response.head;
      if (res.status == 101) {
        metrics.request(app.name, 101);
        co_return co_await tunnel(client, buffer, std::move(up), res, origins);
      }
      auto framed = http1::response_framing(res, head_request);
      if (auto* e = std::get_if<http1::HttpError>(&framed)) {
        log(LogLevel::kWarning, "app " + app.name + ": " + e->reason);
        state.record_failure(app.name, e->reason, now_utc());
        co_return co_await respond_error(app.name, client, client_fields, http::status::bad_gateway,
                                         "502 Upstream failed", e->reason, false);
      }
      const Framing body = std::get<Framing>(framed);
      const unsigned status = res.status;
      const bool upstream_keep_alive = res.minor_version == 1
                                           ? !res.fields.has_token("Connection", "close")
                                           : res.fields.has_token("Connection", "keep-alive");
      http1::ClientResponse reply =
          http1::client_response(std::move(res), body, head_request, req.minor_version,
                                 plan.keep_alive && !draining, origins);
      std::string& out_head = reply.head;
      const bool keep = reply.keep_alive;
      const bool out_chunked = reply.out_chunked;
      metrics.request(app.name, status);
      // A small body that is already here goes out with the head in one write; otherwise the
      // head goes at once, so a client waiting on a stream (server-sent events) sees it start.
      Framing rest = body;
      if (body.kind == Framing::Kind::kLength && up->buffer.size() >= body.length) {
        out_head.append(view_of(up->buffer).substr(0, static_cast<std::size_t>(body.length)));
        up->buffer.consume(static_cast<std::size_t>(body.length));
        rest = Framing{};
      }
      beast::get_lowest_layer(client).expires_after(std::chrono::seconds(options.idle_timeout));
      auto [hec, hn] = co_await asio::async_write(client, asio::buffer(out_head), nothrow);
      if (hec) co_return false;
      std::string body_error;
      const RelayResult rr = co_await relay_body(up->stream, up->buffer, rest, client, out_chunked,
                                                 options.idle_timeout, body_error);
      if (rr != RelayResult::kOk) {
        if (rr != RelayResult::kWriteFailed) {
          const std::string what = rr == RelayResult::kMalformed
                                       ? "malformed chunked response body: " + body_error
                                       : "upstream failed in the middle of a response";
          log(LogLevel::kWarning, "app " + app.name + ": " + what);
          state.record_failure(app.name, what, now_utc());
        }
        co_return false;  // the client sees a truncated response, not a complete wrong one
      }
      // Reused only when the exchange ended cleanly: after HEAD an upstream may still send a body,
      // and unread bytes would be taken for the next response.
      if (upstream_keep_alive && body.kind != Framing::Kind::kUntilClose && !head_request &&
          up->buffer.size() == 0) {
        give_back(w, app.name, std::move(up));
      }
      co_return keep;
    }
  }

  template <class Client>
  asio::awaitable<bool> tunnel(Client& client, beast::flat_buffer& client_buffer,
                               std::unique_ptr<UpstreamConn> up, http1::ResponseHead& res,
                               const Origins& origins) {
    rewrite_response_headers(res.fields, origins);
    const std::string switching =
        http1::serialize_response_head(101, res.reason, res.fields, Framing{});
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(options.idle_timeout));
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
    co_await (pipe(client, up->stream) || pipe(up->stream, client));
    beast::get_lowest_layer(up->stream).close();
    co_return false;
  }
};

GatewayServer::GatewayServer(GatewayOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
GatewayServer::~GatewayServer() = default;

void GatewayServer::start() {
  impl_->listeners->start(*impl_->config);
}

std::vector<std::uint16_t> GatewayServer::bound_ports() const {
  return impl_->listeners->ports();
}

void GatewayServer::run(int drain_seconds) {
  Impl& impl = *impl_;
  impl.drain_seconds = drain_seconds;
  impl.signals.emplace(impl.main_io(), SIGINT, SIGTERM);
  impl.signals->async_wait([&impl](boost::system::error_code ec, int signal) {
    if (!ec) {
      log(LogLevel::kInfo, std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
      impl.begin_drain();
    }
  });
  impl.reload_signals.emplace(impl.main_io(), SIGHUP);
  impl.wait_for_reload();
  if (const auto interval = watchdog_ping_interval()) {
    impl.watchdog = std::make_unique<asio::steady_timer>(impl.main_io());
    notify_watchdog();
    impl.keep_watchdog_fed(*interval);
  }
  impl.memory_timer = std::make_unique<asio::steady_timer>(impl.main_io());
  impl.release_memory_periodically();
  impl.loops.start();
  notify_ready(impl.status_line());
  // Returns once the drain is over: every connection finished, or the drain timeout passed.
  EventLoops::run(impl.main_io());
  impl.loops.stop();
}

void GatewayServer::reload() {
  asio::post(impl_->main_io(), [this] { impl_->reload(); });
}

void GatewayServer::stop() {
  asio::post(impl_->main_io(), [this] { impl_->begin_drain(); });
}

}  // namespace ratls::proxy
