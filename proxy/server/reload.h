// SIGHUP: the configuration read again and, when it is usable, installed for new requests while
// requests in flight finish with the snapshot they hold. An unusable one is reported (log,
// status page) and the old one stays.
#pragma once

#include <functional>
#include <string>

#include "proxy/pinning/pin_store.h"
#include "proxy/server/config_snapshots.h"
#include "proxy/server/dial_cooldown.h"
#include "proxy/server/event_loops.h"
#include "proxy/server/gateway_server.h"
#include "proxy/status/gateway_state.h"

namespace ratls::proxy {

struct ReloadTargets {
  ConfigSnapshots& snapshots;
  PinStore& pins;
  GatewayState& state;
  DialCooldown& cooldown;
  EventLoops& loops;
  bool socket_activated = false;  // the listen addresses came from systemd
};

// Main loop. Never throws: a failure is logged and recorded in the status.
void reload_configuration(const std::function<GatewayOptions()>& read, const ReloadTargets& t);

// The one-line status systemd shows ("serving 2 app(s), 1 verified").
std::string serving_summary(const ConfigSnapshots& snapshots, const GatewayState& state);

}  // namespace ratls::proxy
