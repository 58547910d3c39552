// The WebPKI validator (apps with "mode": "webpki"): OpenSSL checks the chain against the system CA
// store (SSL_CERT_FILE / SSL_CERT_DIR apply) and the host name during the handshake; the app is
// served as "not attested".
#pragma once

#include "proxy/server/certificate_validator.h"
#include "proxy/status/gateway_state.h"

namespace ratls::proxy {

class WebPkiValidator : public CertificateValidator {
 public:
  explicit WebPkiValidator(GatewayState& state);
  ssl::context& context() override { return context_; }
  void prepare(UpstreamStream& stream, const AppConfig& app) override;
  std::string handshake_error(UpstreamStream& stream, const AppConfig& app,
                              const boost::system::error_code& ec) override;
  asio::awaitable<Validation> validate(const AppConfig& app, attest::Bytes der,
                                       attest::UnixTime now,
                                       std::shared_ptr<UpstreamVerifier> verifier) override;

 private:
  ssl::context context_{ssl::context::tls_client};
  GatewayState& state_;
};

}  // namespace ratls::proxy
