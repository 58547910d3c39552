#include "proxy/cli/peer_certificate.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <stdexcept>

#include "proxy/common/https_url.h"
#include "proxy/net/asio_types.h"
#include "proxy/net/tls_connector.h"

namespace ratls::proxy {

PeerCertificate fetch_peer_certificate(const std::string& host, std::uint16_t port,
                                       int timeout_ms) {
  asio::io_context io(1);
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // RA-TLS certificates are self-signed: OpenSSL must not judge them, the attestation does.
  ctx.set_verify_mode(ssl::verify_none);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  TlsStream stream(io, ctx);
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
  out.tls_version = SSL_get_version(ssl);
  out.cipher = SSL_get_cipher_name(ssl);
  // close_notify only, bounded: no application byte is ever written on this connection.
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  stream.async_shutdown([](boost::system::error_code) {});
  io.restart();
  io.run();
  return out;
}

}  // namespace ratls::proxy
