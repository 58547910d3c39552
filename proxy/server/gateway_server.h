// The gateway daemon's network side: loopback listeners, routing by Host, the upstream pool with
// verification of every new connection before a byte is written to it, the streaming relay, the
// WebSocket tunnel, the status endpoints. Asio/Beast stay in the .cpp (compile time).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "proxy/config/config.h"
#include "proxy/pinning/upstream_verifier.h"

namespace ratls::proxy {

struct GatewayOptions {
  Config config;
  attest::X509Ptr root;  // null: the built-in Intel SGX Root CA
  bool simulated_root = false;
  std::shared_ptr<CollateralSource> collateral;
  // Event loops serving connections (each connection stays on one). 0: one per core, at most 4.
  int threads = 0;
  // Re-reads the configuration for SIGHUP (config, root, simulated_root and collateral are used);
  // throws with a one-line reason when the new configuration is not usable. Empty: no reload.
  std::function<GatewayOptions()> reload;
};

class GatewayServer {
 public:
  explicit GatewayServer(GatewayOptions options);
  ~GatewayServer();
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // Binds every listener. Throws std::runtime_error naming the address and the reason.
  void start();
  // The ports actually bound, in listener order (configured port 0 gets a real one).
  std::vector<std::uint16_t> bound_ports() const;
  // Serves until SIGINT/SIGTERM or stop(); then stops accepting, lets in-flight requests finish
  // (up to `drain_seconds`) and returns.
  void run(int drain_seconds = 10);
  // Thread-safe: as SIGHUP.
  void reload();
  // Thread-safe.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ratls::proxy
