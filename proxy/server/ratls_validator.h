// The RA-TLS validator: the certificate is self-signed (OpenSSL checks only that the peer holds its
// key), and attest/ plus the pin rules decide right after the handshake, on the validator's own
// pool of 2-4 threads beside the event loops: verification is CPU work and may wait for collateral
// from the network, and the loops keep serving other connections and apps meanwhile.
#pragma once

#include "proxy/server/certificate_validator.h"
#include "proxy/status/gateway_state.h"
#include "proxy/status/metrics.h"

namespace ratls::proxy {

class RatlsValidator : public CertificateValidator {
 public:
  RatlsValidator(Metrics& metrics, GatewayState& state);
  // Waits for the verifications under way (they post their results to the loops: call it after
  // the loops stopped, before they are destroyed).
  void join() { verify_pool_.join(); }
  ssl::context& context() override { return context_; }
  void prepare(UpstreamStream& stream, const AppConfig& app) override;
  std::string handshake_error(UpstreamStream& stream, const AppConfig& app,
                              const boost::system::error_code& ec) override;
  asio::awaitable<Validation> validate(const AppConfig& app, attest::Bytes der,
                                       attest::UnixTime now,
                                       std::shared_ptr<UpstreamVerifier> verifier) override;

 private:
  ssl::context context_{ssl::context::tls_client};
  asio::thread_pool verify_pool_;
  Metrics& metrics_;
  GatewayState& state_;
};

}  // namespace ratls::proxy
