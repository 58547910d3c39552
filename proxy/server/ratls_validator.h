// The RA-TLS validator: the certificate is self-signed (OpenSSL checks only that the peer holds its
// key), and attest/ plus the pin rules decide right after the handshake, on a thread pool beside
// the event loops (verification may wait for collateral from the network).
#pragma once

#include "proxy/server/certificate_validator.h"
#include "proxy/status/gateway_state.h"
#include "proxy/status/metrics.h"

namespace ratls::proxy {

class RatlsValidator : public CertificateValidator {
 public:
  RatlsValidator(asio::thread_pool& verify_pool, Metrics& metrics, GatewayState& state);
  ssl::context& context() override { return context_; }
  void prepare(UpstreamStream& stream, const AppConfig& app) override;
  std::string handshake_error(UpstreamStream& stream, const AppConfig& app,
                              const boost::system::error_code& ec) override;
  asio::awaitable<Validation> validate(const AppConfig& app, attest::Bytes der,
                                       attest::UnixTime now,
                                       std::shared_ptr<UpstreamVerifier> verifier) override;

 private:
  ssl::context context_{ssl::context::tls_client};
  asio::thread_pool& verify_pool_;
  Metrics& metrics_;
  GatewayState& state_;
};

}  // namespace ratls::proxy
