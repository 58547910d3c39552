// The running daemon seen from the command line: its status endpoint (`status`), and making the
// daemon that serves a configuration file re-read it after `apps add` / `apps remove` changed it.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "proxy/config/config.h"

namespace ratls::proxy {

// GET `path` from the gateway at host:port (an IP address): the body, or nullopt with `error`
// saying why (not running, not answering 200).
std::optional<std::string> gateway_get(const std::string& host, int port, const std::string& path,
                                       std::string& error);

// status.json of the gateway at host:port; nullopt with `error` when unreachable or not JSON.
std::optional<nlohmann::json> gateway_status(const std::string& host, int port, std::string& error);

enum class ReloadResult {
  kApplied,       // the gateway serving the file shows the change
  kNoGateway,     // nothing answers on the configuration's address (the change waits for a start)
  kRequested,     // the systemd unit was told to reload, but its status is not reachable here
  kNotApplied,    // a gateway serves the file but did not show the change in time
  kOtherGateway,  // the gateway on that address serves another file: left alone
};

// After the file `config` was read from changed: find the gateway on its first listen address
// (status.json says its pid and file), reload it — `systemctl --user reload ratls-gateway.service`
// when it is that unit's main process, SIGHUP otherwise (only to this user's `ratls-gateway run`)
// — and poll status.json until `applied` holds, at most `timeout`. Says what it did on `out`,
// problems on `err`.
ReloadResult reload_gateway(const Config& config,
                            const std::function<bool(const nlohmann::json&)>& applied,
                            std::ostream& out, std::ostream& err,
                            std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace ratls::proxy
