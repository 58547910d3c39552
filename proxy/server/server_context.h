// What a client connection's code reaches of the server: the configuration snapshots, the pin
// store, the status and metrics, the dial cooldown, the upstream connector, the timeouts and the
// drain flag. One struct of references, so the connection roles (client session, exchange,
// responses, status endpoints) depend on these and nothing else.
#pragma once

#include <atomic>

#include "proxy/pinning/pin_store.h"
#include "proxy/server/config_snapshots.h"
#include "proxy/server/dial_cooldown.h"
#include "proxy/server/upstream_connector.h"
#include "proxy/status/gateway_state.h"
#include "proxy/status/metrics.h"

namespace ratls::proxy {

struct Timeouts {
  int connect = 10;        // TCP connect + TLS handshake, seconds
  int header = 30;         // a request's head from the client (slowloris)
  int idle = 60;           // a keep-alive connection, or a stalled body, with no progress
  int tunnel_idle = 3600;  // a WebSocket tunnel with no bytes either way
};

// Told when client connections open and close (counts, drain, memory release).
class SessionTracker {
 public:
  virtual ~SessionTracker() = default;
  virtual void session_opened() = 0;
  virtual void session_closed() = 0;
};

struct ServerContext {
  Timeouts timeouts;
  ConfigSnapshots& snapshots;
  PinStore& pins;
  GatewayState& state;
  Metrics& metrics;
  DialCooldown& cooldown;
  UpstreamConnector& connector;
  SessionTracker& sessions;
  const std::atomic<bool>& draining;
};

}  // namespace ratls::proxy
