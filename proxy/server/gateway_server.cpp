#include "proxy/server/gateway_server.h"

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "proxy/common/log.h"
#include "proxy/net/asio_types.h"
#include "proxy/pinning/pin_store.h"
#include "proxy/server/client_session.h"
#include "proxy/server/config_snapshots.h"
#include "proxy/server/dial_cooldown.h"
#include "proxy/server/event_loops.h"
#include "proxy/server/housekeeping.h"
#include "proxy/server/listeners.h"
#include "proxy/server/memory_release.h"
#include "proxy/server/pins_watch.h"
#include "proxy/server/ratls_validator.h"
#include "proxy/server/reload_limits.h"
#include "proxy/server/server_context.h"
#include "proxy/server/service_notify.h"
#include "proxy/server/upstream_connector.h"
#include "proxy/server/webpki_validator.h"
#include "proxy/status/gateway_state.h"
#include "proxy/status/metrics.h"

namespace ratls::proxy {

struct GatewayServer::Impl {
  explicit Impl(GatewayOptions o)
      : options(std::move(o)),
        pins((std::filesystem::path(options.config.state_dir) / "pins.json").string()),
        snapshots(options.config,
                  std::make_shared<UpstreamVerifier>(
                      std::move(options.root), options.simulated_root, options.collateral, pins)) {
    try {
      pins.load();
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("cannot start: ") + e.what());
    }
    state.configure(options.config, options.simulated_root);
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
    pins_watch.reset();
    housekeeping.reset();
    drain_timer.reset();
    signals.reset();
    reload_signals.reset();
  }

  GatewayOptions options;
  PinStore pins;
  // The configuration and its verifier, replaced whole on reload; each request keeps the snapshot
  // it started with.
  ConfigSnapshots snapshots;
  GatewayState state;
  Metrics metrics;
  std::optional<asio::signal_set> reload_signals;
  DialCooldown cooldown;
  std::atomic<bool> draining{false};
  std::atomic<bool> destroying{false};
  int drain_seconds = 10;
  std::atomic<int> active_sessions{0};
  MemoryRelease memory_release;
  std::unique_ptr<asio::steady_timer> drain_timer;
  std::optional<asio::signal_set> signals;
  // Verification is CPU work and may wait for collateral from the network: it runs here, so the
  // event loops keep serving other connections and apps meanwhile.
  asio::thread_pool verify_pool{verification_threads()};
  // New upstream connections: TCP and TLS here, then the app's validator decides.
  RatlsValidator ratls_validator{verify_pool, metrics, state};
  WebPkiValidator webpki_validator{state};
  UpstreamConnector connector{ratls_validator, webpki_validator, metrics,
                              options.config.connect_timeout};
  // Session counting is defined out of line (it reaches members declared after it).
  struct Sessions : SessionTracker {
    explicit Sessions(Impl& i) : impl(i) {}
    void session_opened() override;
    void session_closed() override;
    Impl& impl;
  };
  Sessions sessions{*this};
  // What each client connection reaches of the server.
  ServerContext context{{options.config.connect_timeout, options.config.header_timeout,
                         options.config.idle_timeout, options.config.tunnel_idle_timeout},
                        snapshots,
                        pins,
                        state,
                        metrics,
                        cooldown,
                        connector,
                        sessions,
                        draining};

  // Declared last: pending coroutines reach into the members above and are destroyed with their
  // loop's io_context.
  EventLoops loops{options.threads};
  std::unique_ptr<Listeners> listeners =
      std::make_unique<Listeners>(loops, [this](Accepted a) { on_accepted(std::move(a)); });
  asio::io_context& main_io() { return loops.main().io; }
  // Bound to the main loop: `pins accept`/`forget` reach the pin store as the file is replaced.
  std::unique_ptr<PinsWatch> pins_watch = std::make_unique<PinsWatch>(main_io(), pins);
  std::unique_ptr<Housekeeping> housekeeping =
      std::make_unique<Housekeeping>(main_io(), memory_release, [this] { sweep_loops(); });

  // Each serving loop closes its own connections that waited too long: clients past their
  // header or idle deadline, pooled upstream connections past the pool's limit.
  void sweep_loops() {
    for (std::size_t i = 1; i < loops.all().size(); ++i) {
      asio::post(loops.all()[i]->io, [this, &w = *loops.all()[i]] {
        const auto now = std::chrono::steady_clock::now();
        w.idle_clients.close_expired(now);  // counted when their sessions end
        if (w.pool.close_expired(now) > 0) memory_release.connection_closed();
      });
    }
  }

  // The session's coroutine frame is created on its own loop, not on the accepting thread: frames
  // made there would sit in the main thread's malloc arena among Asio's never-freed per-socket
  // state and keep those pages resident after a burst of connections has closed.
  void on_accepted(Accepted a) {
    EventLoop& loop = a.loop;
    asio::post(loop.io, [this, &loop, a = std::move(a)]() mutable {
      if (a.tls) {
        asio::co_spawn(loop.io,
                       serve_tls_client(context, loop, std::move(a.socket),
                                        *listeners->tls_context(), std::move(a.app)),
                       asio::detached);
      } else {
        asio::co_spawn(loop.io,
                       serve_plain_client(context, loop, std::move(a.socket), std::move(a.app)),
                       asio::detached);
      }
    });
  }

  static std::size_t verification_threads() {
    return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 4);
  }

  // Each loop may hold its share of the connections allowed per app (at least one).
  void share_upstream_connections(const Config& c) {
    const std::size_t n = loops.serving();
    const std::size_t per_loop =
        std::max<std::size_t>(1, (c.upstream_connections_per_app + n - 1) / n);
    for (auto& w : loops.all()) {
      asio::post(w->io, [&w = *w, per_loop] { w.upstream_slots.set_limit(per_loop); });
    }
  }

  // Shutdown: verifications waiting for collateral fail at once instead of holding the drain.
  void interrupt_verifications() { snapshots.interrupt_verifications(); }

  std::string status_line() const {
    std::size_t verified = 0;
    for (const auto& a : state.snapshot()) verified += a.state == "verified" ? 1 : 0;
    return "serving " + std::to_string(snapshots.current().config->apps.size()) + " app(s), " +
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
      const std::shared_ptr<const Config> config = snapshots.current().config;
      for (const std::string& warning :
           changes_needing_restart(*config, next.config, listeners->socket_activated())) {
        log(LogLevel::kWarning, warning);
      }
      auto next_verifier = std::make_shared<UpstreamVerifier>(
          std::move(next.root), next.simulated_root, next.collateral, pins);
      state.configure(next.config, next.simulated_root);
      const ConfigSnapshot installed =
          snapshots.replace(std::move(next.config), std::move(next_verifier));
      // Connections verified under the old configuration are never reused: take_pooled and
      // give_back check the generation. Idle ones of apps the new configuration dropped would
      // never be taken again, so they are closed here.
      for (auto& w : loops.all()) {
        asio::post(w->io, [&w = *w, kept = installed.names] { w.pool.keep_only(*kept); });
      }
      cooldown.clear();
      share_upstream_connections(*installed.config);
      state.record_reload("");
      log(LogLevel::kInfo,
          "configuration reloaded: " + std::to_string(installed.config->apps.size()) + " app(s)");
      if (installed.config->apps.empty()) log(LogLevel::kInfo, std::string(kNoAppsHint));
    } catch (const std::exception& e) {
      state.record_reload(e.what());
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

  void begin_drain() {
    if (draining) return;
    draining = true;
    notify_stopping();
    if (signals) signals->cancel();
    if (reload_signals) reload_signals->cancel();
    housekeeping->stop();
    pins_watch->stop();
    log(LogLevel::kInfo, "stopping: no new connections, finishing requests in flight");
    interrupt_verifications();
    listeners->close();
    for (auto& w : loops.all()) {
      asio::post(w->io, [&w = *w] {
        w.idle_clients.close_idle();
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
};

// Counts sessions so a drain ends as soon as the last one finishes.
void GatewayServer::Impl::Sessions::session_opened() {
  ++impl.active_sessions;
  impl.metrics.connection_opened();
}

void GatewayServer::Impl::Sessions::session_closed() {
  impl.metrics.connection_closed();
  impl.memory_release.connection_closed();
  // The last connection of a drain ends it (the drain timer lives on the main loop).
  if (--impl.active_sessions == 0 && impl.draining && !impl.destroying) {
    asio::post(impl.main_io(), [&i = impl] {
      if (i.drain_timer) i.drain_timer->cancel();
    });
  }
}

GatewayServer::GatewayServer(GatewayOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
GatewayServer::~GatewayServer() = default;

void GatewayServer::start() {
  impl_->listeners->start(*impl_->snapshots.current().config);
  impl_->share_upstream_connections(*impl_->snapshots.current().config);
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
  impl.pins_watch->start();
  impl.housekeeping->start(watchdog_ping_interval());
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
