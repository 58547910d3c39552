#include "proxy/server/upstream_connector.h"

#include <openssl/ssl.h>

#include "attest/x509.h"
#include "proxy/common/clock.h"
#include "proxy/net/tls_connector.h"

namespace ratls::proxy {

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
  auto conn = std::make_unique<UpstreamConn>(executor, validator.context());
  conn->generation = generation;
  validator.prepare(conn->stream, app);
  const TlsConnectTimeouts timeouts{std::chrono::seconds(connect_timeout_),
                                    std::chrono::seconds(connect_timeout_)};
  const TlsConnectResult connected =
      co_await connect_tls(conn->stream, app.upstream_host, app.upstream_port, timeouts);
  if (connected.stage == TlsConnectResult::Stage::kHandshake && !connected.timed_out()) {
    r.error = validator.handshake_error(conn->stream, app, connected.ec);
    co_return r;
  }
  if (!connected.ok()) {
    r.error = connected.describe(app.upstream_host, app.upstream, timeouts);
    // An upstream that accepts and never answers: the user needs to know which setting bounds it.
    if (connected.timed_out()) r.error += " (http.connect_timeout_seconds)";
    co_return r;
  }
  auto& lowest = beast::get_lowest_layer(conn->stream);
  SSL* ssl = conn->stream.native_handle();
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
