// Where clients connect: the configured loopback addresses (or the sockets systemd passed), the
// apps' dedicated listeners, and the optional https listener with certificates from the local CA
// chosen by SNI. Accepted connections go to the next event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/config/config.h"
#include "proxy/net/asio_types.h"
#include "proxy/server/event_loops.h"
#include "proxy/trust/local_ca.h"

namespace ratls::proxy {

struct Accepted {
  EventLoop& loop;
  tcp::socket socket;
  std::optional<std::string> app;  // a dedicated listener's app
  bool tls = false;                // arrived on the https listener
};

class Listeners {
 public:
  Listeners(EventLoops& loops, std::function<void(Accepted)> on_accept);

  // Binds everything `config` names (listen, apps[].listen, tls_listen). Throws
  // std::runtime_error naming the address and the reason.
  void start(const Config& config);
  // Stops accepting (drain).
  void close();
  std::vector<std::uint16_t> ports() const;
  // The general listeners are sockets systemd passed, not the configured `listen` addresses.
  bool socket_activated() const { return socket_activated_; }
  // The server context of the https listener (null without tls_listen).
  ssl::context* tls_context() { return tls_context_.get(); }

 private:
  struct Listener {
    tcp::acceptor acceptor;
    std::optional<std::string> app;
    bool tls = false;
  };
  bool bind_one(const std::string& host, std::uint16_t port, const std::string& text,
                const std::optional<std::string>& app, std::string& error);
  void bind(const ListenAddress& address, const std::optional<std::string>& app);
  bool adopt_activation_sockets(bool allow_non_loopback);
  void start_tls(const Config& config);
  static int select_certificate(SSL* ssl, int* alert, void* arg);
  asio::awaitable<void> accept_loop(Listener& l);

  EventLoops& loops_;
  std::function<void(Accepted)> on_accept_;
  std::vector<Listener> listeners_;
  std::optional<LocalCa> local_ca_;
  std::unique_ptr<ssl::context> tls_context_;
  bool closed_ = false;
  bool socket_activated_ = false;
};

}  // namespace ratls::proxy
