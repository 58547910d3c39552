#include "proxy/server/upstream_connector.h"

#include <openssl/ssl.h>

#include "attest/x509.h"
#include "proxy/common/clock.h"

namespace ratls::proxy {

namespace {

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

void configure_upstream_context(ssl::context& ctx) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(native, kAlpn, sizeof kAlpn);
}

UpstreamConnector::UpstreamConnector(CertificateValidator& ratls, CertificateValidator& webpki,
                                     Metrics& metrics, int connect_timeout_seconds)
    : ratls_(ratls),
      webpki_(webpki),
      metrics_(metrics),
      connect_timeout_(connect_timeout_seconds) {}

asio::awaitable<DialResult> UpstreamConnector::connect(asio::any_io_executor executor,
                                                       const AppConfig& app,
                                                       std::shared_ptr<UpstreamVerifier> verifier,
                                                       unsigned generation) {
  DialResult r;
  CertificateValidator& validator = app.mode == UpstreamMode::kRatls ? ratls_ : webpki_;
  tcp::resolver resolver(executor);
  auto [rec, results] = co_await resolver.async_resolve(app.upstream_host,
                                                        std::to_string(app.upstream_port), nothrow);
  if (rec) {
    r.error = "cannot resolve " + app.upstream_host + ": " + rec.message();
    co_return r;
  }
  auto conn = std::make_unique<UpstreamConn>(executor, validator.context());
  conn->generation = generation;
  auto& lowest = beast::get_lowest_layer(conn->stream);
  lowest.expires_after(std::chrono::seconds(connect_timeout_));
  auto [cec, ep] = co_await lowest.async_connect(results, nothrow);
  if (cec) {
    r.error = "cannot connect to " + app.upstream + ": " + cec.message();
    co_return r;
  }
  boost::system::error_code nodelay_ec;
  lowest.socket().set_option(tcp::no_delay(true), nodelay_ec);
  SSL* ssl = conn->stream.native_handle();
  if (!is_ip_literal(app.upstream_host)) {
    // SSL_set_tlsext_host_name without its C-style cast.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(app.upstream_host.c_str()));
  }
  validator.prepare(conn->stream, app);
  auto [hec] = co_await conn->stream.async_handshake(ssl::stream_base::client, nothrow);
  if (hec) {
    r.error = validator.handshake_error(conn->stream, app, hec);
    co_return r;
  }
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) {
    r.error = app.upstream + " presented no certificate";
    co_return r;
  }
  attest::Bytes der = attest::cert_der(peer);
  X509_free(peer);
  metrics_.upstream_connection_opened(app.name);
  Validation v = co_await validator.validate(app, std::move(der), now_utc(), std::move(verifier));
  if (v.refusal) {
    lowest.close();  // nothing of the request was written to it
    r.refusal = std::move(v.refusal);
    co_return r;
  }
  lowest.expires_never();
  conn->cert_sha256 = std::move(v.cert_sha256);
  r.conn = std::move(conn);
  co_return r;
}

}  // namespace ratls::proxy
