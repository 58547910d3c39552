#include "proxy/server/gateway_server.h"

#include <chrono>
#include <memory>

#include "proxy/common/log.h"
#include "proxy/net/asio_types.h"
#include "proxy/pinning/pin_store.h"
#include "proxy/server/client_session.h"
#include "proxy/server/config_snapshots.h"
#include "proxy/server/dial_cooldown.h"
#include "proxy/server/drain.h"
#include "proxy/server/event_loops.h"
#include "proxy/server/housekeeping.h"
#include "proxy/server/listeners.h"
#include "proxy/server/memory_release.h"
#include "proxy/server/pins_watch.h"
#include "proxy/server/process_signals.h"
#include "proxy/server/ratls_validator.h"
#include "proxy/server/reload.h"
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
    snapshots.interrupt_verifications();
    loops.stop();
    ratls_validator.join();
    drain.abandon();  // before the loops' destruction ends the sessions still pending
    listeners.reset();
    pins_watch.reset();
    housekeeping.reset();
    signals.reset();
  }

  GatewayOptions options;
  PinStore pins;
  // The configuration and its verifier, replaced whole on reload; each request keeps the snapshot
  // it started with.
  ConfigSnapshots snapshots;
  GatewayState state;
  Metrics metrics;
  DialCooldown cooldown;
  MemoryRelease memory_release;
  int drain_seconds = 10;
  // New upstream connections: TCP and TLS here, then the app's validator decides.
  RatlsValidator ratls_validator{metrics, state};
  WebPkiValidator webpki_validator{state};
  UpstreamConnector connector{ratls_validator, webpki_validator, metrics,
                              options.config.connect_timeout};
  // Counts the client connections; refers to the loops, which it uses only once they run.
  Drain drain{loops, metrics, memory_release};
  // What each client connection reaches of the server.
  ServerContext context{{options.config.connect_timeout, options.config.header_timeout,
                         options.config.idle_timeout, options.config.tunnel_idle_timeout},
                        snapshots,
                        pins,
                        state,
                        metrics,
                        cooldown,
                        connector,
                        drain,
                        drain.flag()};

  // Declared last: pending coroutines reach into the members above and are destroyed with their
  // loop's io_context.
  EventLoops loops{options.threads};
  std::unique_ptr<Listeners> listeners = std::make_unique<Listeners>(loops, [this](Accepted a) {
    start_session(context, std::move(a), listeners->tls_context());
  });
  // Bound to the main loop: `pins accept`/`forget` reach the pin store as the file is replaced.
  std::unique_ptr<PinsWatch> pins_watch = std::make_unique<PinsWatch>(loops.main().io, pins);
  std::unique_ptr<Housekeeping> housekeeping =
      std::make_unique<Housekeeping>(loops, memory_release);
  std::unique_ptr<ProcessSignals> signals = std::make_unique<ProcessSignals>(
      loops.main().io, [this] { begin_drain(); }, [this] { reload(); });

  void reload() {
    reload_configuration(options.reload,
                         {snapshots, pins, state, cooldown, loops, listeners->socket_activated()});
  }

  void begin_drain() {
    if (!drain.begin()) return;
    notify_stopping();
    signals->stop();
    housekeeping->stop();
    pins_watch->stop();
    log(LogLevel::kInfo, "stopping: no new connections, finishing requests in flight");
    // Verifications waiting for collateral fail at once instead of holding the drain.
    snapshots.interrupt_verifications();
    listeners->close();
    drain.close_connections(std::chrono::seconds(drain_seconds));
  }
};

GatewayServer::GatewayServer(GatewayOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
GatewayServer::~GatewayServer() = default;

void GatewayServer::start() {
  impl_->listeners->start(*impl_->snapshots.current().config);
  impl_->loops.share_upstream_limit(
      impl_->snapshots.current().config->upstream_connections_per_app);
}

std::vector<std::uint16_t> GatewayServer::bound_ports() const {
  return impl_->listeners->ports();
}

void GatewayServer::run(int drain_seconds) {
  Impl& impl = *impl_;
  impl.drain_seconds = drain_seconds;
  impl.signals->start();
  impl.pins_watch->start();
  impl.housekeeping->start(watchdog_ping_interval());
  impl.loops.start();
  notify_ready(serving_summary(impl.snapshots, impl.state));
  // Returns once the drain is over: every connection finished, or the drain timeout passed.
  EventLoops::run(impl.loops.main().io);
  impl.loops.stop();
}

void GatewayServer::reload() {
  asio::post(impl_->loops.main().io, [this] { impl_->reload(); });
}

void GatewayServer::stop() {
  asio::post(impl_->loops.main().io, [this] { impl_->begin_drain(); });
}

}  // namespace ratls::proxy
