// The simulated enclave app of `ratls-gateway demo`: an HTTPS server on loopback presenting a
// simulated RA-TLS certificate, with the seeds' Flask example behaviour (a page, a JSON API, a POST
// that stores and a GET that reads back a value), server-sent events, streamed uploads/downloads
// and a WebSocket echo. Everything it serves says SIMULATED.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace ratls::proxy {

struct DemoAppOptions {
  std::string cert_pem;
  std::string key_pem;
  std::string mrenclave_hex;  // shown on the page
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
};

class DemoApp {
 public:
  explicit DemoApp(DemoAppOptions options);
  ~DemoApp();  // stops and joins
  DemoApp(const DemoApp&) = delete;
  DemoApp& operator=(const DemoApp&) = delete;
  // Binds and starts serving on a background thread. Throws std::runtime_error on bind failure.
  void start();
  std::uint16_t port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ratls::proxy
