#include "proxy/net/tls_connector.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace ratls::proxy {

namespace {

bool is_timeout(const boost::system::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::timed_out;
}

}  // namespace

bool expect_host(TlsStream& stream, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return is_ip_literal(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1
                             : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
}

std::string millis(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string numeric_address(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

bool TlsConnectResult::timed_out() const {
  return stage != Stage::kDone && is_timeout(ec);
}

std::string TlsConnectResult::describe(std::string_view host, std::string_view where,
                                       const TlsConnectTimeouts& timeouts) const {
  switch (stage) {
    case Stage::kResolve:
      return "cannot resolve " + std::string(host) + ": " +
             (is_timeout(ec) ? "timed out after " + millis(timeouts.connect) : ec.message());
    case Stage::kConnect:
      return "cannot connect to " + std::string(where) + ": " +
             (is_timeout(ec) ? "timed out after " + millis(timeouts.connect) : ec.message());
    case Stage::kHandshake:
      return "TLS handshake with " + std::string(where) + " failed: " +
             (is_timeout(ec) ? "timed out after " + millis(timeouts.handshake) : ec.message());
    case Stage::kDone:
      break;
  }
  return {};
}

asio::awaitable<TlsConnectResult> connect_tls(TlsStream& stream, const std::string& host,
                                              std::uint16_t port, TlsConnectTimeouts timeouts) {
  TlsConnectResult r;
  auto ex = stream.get_executor();
  // The resolver is cancelled by a timer that may fire after this coroutine moved on: it is held
  // weakly there.
  auto resolver = std::make_shared<tcp::resolver>(ex);
  asio::steady_timer resolve_timer(ex, timeouts.connect);
  resolve_timer.async_wait(
      [weak = std::weak_ptr<tcp::resolver>(resolver)](boost::system::error_code ec) {
        if (auto res = weak.lock(); res && !ec) res->cancel();
      });
  auto [rec, endpoints] = co_await resolver->async_resolve(host, std::to_string(port), nothrow);
  resolve_timer.cancel();
  if (rec) {
    r.stage = TlsConnectResult::Stage::kResolve;
    r.ec = rec;
    co_return r;
  }
  // One deadline for every address tried: the first that accepts is used.
  stream.expires_after(timeouts.connect);
  boost::system::error_code cec = asio::error::host_not_found;
  tcp::endpoint endpoint;
  for (const auto& entry : endpoints) {
    cec = co_await stream.connect(entry.endpoint());
    if (!cec) {
      endpoint = entry.endpoint();
      break;
    }
    if (cec == beast::error::timeout) break;
  }
  if (cec) {
    r.stage = TlsConnectResult::Stage::kConnect;
    r.ec = cec;
    co_return r;
  }
  r.peer = endpoint;
  boost::system::error_code nodelay_ec;
  stream.socket().set_option(tcp::no_delay(true), nodelay_ec);
  if (!is_ip_literal(host)) {
    // SSL_set_tlsext_host_name without its C-style cast.
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  stream.expires_after(timeouts.handshake);
  auto [hec, hn] = co_await stream.async_handshake(nothrow);
  if (hec) {
    r.stage = TlsConnectResult::Stage::kHandshake;
    r.ec = hec;
    co_return r;
  }
  stream.expires_never();
  co_return r;
}

}  // namespace ratls::proxy
