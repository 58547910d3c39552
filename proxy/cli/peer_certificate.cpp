#include "proxy/cli/peer_certificate.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <stdexcept>

#include "attest/x509.h"
#include "proxy/common/https_url.h"
#include "proxy/net/asio_types.h"
#include "proxy/net/tls_connector.h"
#include "proxy/server/certificate_validator.h"

namespace ratls::proxy {

PeerCertificate fetch_peer_certificate(const std::string& host, std::uint16_t port, int timeout_ms,
                                       bool webpki) {
  asio::io_context io(1);
  ssl::context ctx(ssl::context::tls_client);
  // The gateway's own client settings (TLS >= 1.2, no resumption, ALPN http/1.1), so the
  // upstream presents what it presents to the gateway.
  configure_upstream_context(ctx);
  // RA-TLS certificates are self-signed: OpenSSL must not judge them, the attestation does. With
  // `webpki` the chain and name are checked too, but read after the handshake, to report the
  // problem rather than fail with a bare alert.
  ctx.set_verify_mode(ssl::verify_none);
  if (webpki) {
    boost::system::error_code ec;
    ctx.set_default_verify_paths(ec);  // SSL_CERT_FILE / SSL_CERT_DIR apply
    if (ec) throw std::runtime_error("cannot load the system CA store: " + ec.message());
  }
  TlsStream stream(io.get_executor(), ctx);
  if (webpki) {
    // What the gateway's WebPKI validator checks: the system store and the name.
    if (!expect_host(stream, host)) throw std::runtime_error("cannot check the name " + host);
  }
  const TlsConnectTimeouts timeouts{std::chrono::milliseconds(timeout_ms),
                                    std::chrono::milliseconds(timeout_ms)};
  auto connecting = asio::co_spawn(io, connect_tls(stream, host, port, timeouts), asio::use_future);
  io.run();
  const TlsConnectResult connected = connecting.get();
  if (!connected.ok()) {
    throw std::runtime_error(
        connected.describe(host, HttpsUrl{host, port, {}}.authority(), timeouts));
  }
  PeerCertificate out;
  out.peer_address = numeric_address(connected.peer);
  SSL* ssl = stream.native_handle();
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) throw std::runtime_error(out.peer_address + " presented no certificate");
  unsigned char* der = nullptr;
  const int len = i2d_X509(leaf, &der);
  if (len <= 0) throw std::runtime_error("cannot encode the peer certificate");
  out.der.assign(der, der + len);
  OPENSSL_free(der);
  out.subject = attest::subject_name(leaf);
  if (webpki) {
    const long result = SSL_get_verify_result(ssl);
    if (result != X509_V_OK) out.webpki_problem = X509_verify_cert_error_string(result);
  }
  out.tls_version = SSL_get_version(ssl);
  out.cipher = SSL_get_cipher_name(ssl);
  // close_notify only, bounded: no application byte is ever written on this connection.
  stream.expires_after(std::chrono::seconds(1));
  stream.async_shutdown([](boost::system::error_code, std::size_t) {});
  io.restart();
  io.run();
  return out;
}

}  // namespace ratls::proxy
