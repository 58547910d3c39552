#include "proxy/server/listeners.h"

#include <sys/socket.h>

#include <cctype>
#include <stdexcept>

#include "proxy/common/clock.h"
#include "proxy/common/log.h"
#include "proxy/server/service_notify.h"

namespace ratls::proxy {

Listeners::Listeners(EventLoops& loops, std::function<void(Accepted)> on_accept)
    : loops_(loops), on_accept_(std::move(on_accept)) {}

void Listeners::close() {
  closed_ = true;
  for (auto& l : listeners_) {
    boost::system::error_code ec;
    l.acceptor.close(ec);
  }
}

std::vector<std::uint16_t> Listeners::ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& l : listeners_) out.push_back(l.acceptor.local_endpoint().port());
  return out;
}

// Binds one address; false (with `error` set) when it cannot.
bool Listeners::bind_one(const std::string& host, std::uint16_t port, const std::string& text,
                         const std::optional<std::string>& app, std::string& error) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(host, ec);
  if (ec) {
    error = "listen " + text + ": not an IP address";
    return false;
  }
  tcp::endpoint ep(ip, port);
  tcp::acceptor acceptor(loops_.main().io);
  acceptor.open(ep.protocol(), ec);
  if (!ec && ip.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + text + ": " + ec.message();
    return false;
  }
  listeners_.push_back({std::move(acceptor), app});
  return true;
}

void Listeners::bind(const ListenAddress& address, const std::optional<std::string>& app) {
  std::string error;
  if (address.host != "localhost") {
    if (!bind_one(address.host, address.port, address.text, app, error)) {
      // A machine without IPv6 has no ::1: serving on 127.0.0.1 alone is still useful.
      if (address.host == "::1" && !listeners_.empty()) {
        log(LogLevel::kWarning, error + " (continuing without it)");
        return;
      }
      throw std::runtime_error(error);
    }
    return;
  }
  // "localhost" means both loopback addresses, as browsers may try either.
  if (!bind_one("127.0.0.1", address.port, address.text + " (127.0.0.1)", app, error)) {
    throw std::runtime_error(error);
  }
  const std::uint16_t port = listeners_.back().acceptor.local_endpoint().port();
  if (!bind_one("::1", port, address.text + " (::1)", app, error)) {
    log(LogLevel::kWarning, error + " (continuing with 127.0.0.1 only)");
  }
}

// Sockets systemd passed (socket activation) replace the configured general listeners.
bool Listeners::adopt_activation_sockets(bool allow_non_loopback) {
  const std::vector<int> fds = activation_sockets();
  for (int fd : fds) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
      throw std::runtime_error("socket " + std::to_string(fd) + " from systemd is not a socket");
    }
    tcp::acceptor acceptor(loops_.main().io);
    boost::system::error_code ec;
    acceptor.assign(ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) throw std::runtime_error("cannot use the socket from systemd: " + ec.message());
    const auto address = acceptor.local_endpoint().address();
    if (!address.is_loopback() && !allow_non_loopback) {
      throw std::runtime_error(
          "the socket from systemd listens on " + address.to_string() +
          ", which is not loopback; set \"allow_non_loopback\": true to allow it");
    }
    log(LogLevel::kInfo, "listening on " + address.to_string() + ":" +
                             std::to_string(acceptor.local_endpoint().port()) +
                             " (socket from systemd)");
    listeners_.push_back({std::move(acceptor), std::nullopt});
  }
  return !fds.empty();
}

int Listeners::select_certificate(SSL* ssl, int* alert, void* arg) {
  auto* self = static_cast<Listeners*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  // Without SNI (an IP literal in the URL) there is no name to certify but localhost.
  std::string host = name != nullptr ? name : "localhost";
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  try {
    const auto leaf = self->local_ca_->leaf_for(host, now_utc());
    if (SSL_use_certificate(ssl, leaf->certificate.get()) != 1 ||
        SSL_use_PrivateKey(ssl, leaf->key.get()) != 1) {
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
  } catch (const std::exception& e) {
    log(LogLevel::kWarning, "https listener: no certificate for \"" + host + "\": " + e.what());
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

void Listeners::start_tls(const Config& config) {
  if (config.tls_listen.empty()) return;
  local_ca_ = LocalCa::load_or_create(config.state_dir, now_utc());
  tls_context_ = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = tls_context_->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);  // idle keep-alive clients hold no buffers
  // SSL_CTX_set_tlsext_servername_callback/_arg without their C-style casts.
  SSL_CTX_callback_ctrl(native, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                        reinterpret_cast<void (*)()>(&Listeners::select_certificate));
  SSL_CTX_ctrl(native, SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG, 0, this);
  for (const auto& l : config.tls_listen) {
    const std::size_t before = listeners_.size();
    bind(l, std::nullopt);  // "localhost" may add two
    for (std::size_t i = before; i < listeners_.size(); ++i) listeners_[i].tls = true;
  }
  log(LogLevel::kInfo, "https listener uses the local CA " + local_ca_->certificate_path() +
                           " (install it in browsers with: ratls-gateway trust install)");
}

void Listeners::start(const Config& config) {
  socket_activated_ = adopt_activation_sockets(config.allow_non_loopback);
  if (!socket_activated_) {
    for (const auto& l : config.listen) bind(l, std::nullopt);
  }
  for (const auto& app : config.apps) {
    if (app.listen) bind(*app.listen, app.name);
  }
  start_tls(config);
  for (auto& l : listeners_) asio::co_spawn(loops_.main().io, accept_loop(l), asio::detached);
}

asio::awaitable<void> Listeners::accept_loop(Listener& l) {
  for (;;) {
    EventLoop& loop = loops_.next();
    auto [ec, socket] = co_await l.acceptor.async_accept(loop.io, nothrow);
    if (ec == asio::error::operation_aborted || closed_) co_return;
    if (ec) {
      log(LogLevel::kWarning, "accept failed: " + ec.message());
      asio::steady_timer t(loops_.main().io, std::chrono::milliseconds(100));  // e.g. out of fds
      co_await t.async_wait(nothrow);
      continue;
    }
    on_accept_(Accepted{loop, std::move(socket), l.app, l.tls});
  }
}

}  // namespace ratls::proxy
