#include "proxy/server/webpki_validator.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "attest/x509.h"
#include "proxy/net/tls_connector.h"

namespace ratls::proxy {

WebPkiValidator::WebPkiValidator(GatewayState& state) : state_(state) {
  configure_upstream_context(context_);
  context_.set_verify_mode(ssl::verify_peer);
  context_.set_default_verify_paths();
}

void WebPkiValidator::prepare(UpstreamStream& stream, const AppConfig& app) {
  // A name OpenSSL will not check fails closed: no certificate is accepted without it.
  if (!expect_host(stream, app.upstream_host)) {
    SSL_set_verify(stream.native_handle(), SSL_VERIFY_PEER,
                   [](int, X509_STORE_CTX*) -> int { return 0; });
  }
}

std::string WebPkiValidator::handshake_error(UpstreamStream& stream, const AppConfig& app,
                                             const boost::system::error_code& ec) {
  const long result = SSL_get_verify_result(stream.native_handle());
  if (result != X509_V_OK) {
    return "the certificate of " + app.upstream + " is not trusted (" +
           X509_verify_cert_error_string(result) + ")";
  }
  return "TLS handshake with " + app.upstream + " failed: " + ec.message();
}

asio::awaitable<Validation> WebPkiValidator::validate(const AppConfig& app, attest::Bytes der,
                                                      attest::UnixTime now,
                                                      std::shared_ptr<UpstreamVerifier> verifier) {
  (void)verifier;
  Validation v;
  v.cert_sha256 = attest::to_hex(attest::sha256(der));
  state_.record_webpki(app.name, v.cert_sha256, now);
  co_return v;
}

}  // namespace ratls::proxy
