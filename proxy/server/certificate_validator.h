// What decides whether an upstream that completed its TLS handshake may receive a request. The
// connector does TCP and TLS; a validator owns the TLS client context it needs and decides after
// the handshake (the shape of Envoy's certificate-validator interface). Two exist: RA-TLS
// (attestation, policy, pins) and WebPKI (the system CA store and the host name).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "attest/bytes.h"
#include "attest/time.h"
#include "proxy/config/config.h"
#include "proxy/net/asio_types.h"
#include "proxy/pinning/upstream_verifier.h"
#include "proxy/server/upstream_connection.h"

namespace ratls::proxy {

struct Validation {
  std::optional<UpstreamDecision> refusal;  // set: refused (the connection is closed unused)
  std::string cert_sha256;                  // the accepted certificate (pooled connections are
                                            // checked against the pin with it)
};

class CertificateValidator {
 public:
  virtual ~CertificateValidator() = default;
  // The TLS client context connections for this validator are made with.
  virtual ssl::context& context() = 0;
  // Before the handshake (the connector has set SNI).
  virtual void prepare(UpstreamStream& stream, const AppConfig& app) = 0;
  // A failed handshake in words.
  virtual std::string handshake_error(UpstreamStream& stream, const AppConfig& app,
                                      const boost::system::error_code& ec) = 0;
  // After the handshake: `der` is the certificate the upstream presented; `verifier` the
  // configuration's (replaced on reload).
  virtual asio::awaitable<Validation> validate(const AppConfig& app, attest::Bytes der,
                                               attest::UnixTime now,
                                               std::shared_ptr<UpstreamVerifier> verifier) = 0;
};

// A TLS client context as every upstream connection gets it: TLS 1.2 at least, ALPN http/1.1, no
// session resumption (every new connection presents its certificate and is verified), record
// buffers released while idle.
void configure_upstream_context(ssl::context& ctx);

}  // namespace ratls::proxy
