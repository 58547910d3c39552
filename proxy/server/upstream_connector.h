// Dials an app's upstream: resolve, TCP connect, TLS handshake with SNI, then the app's validator
// (RA-TLS or WebPKI) decides before a byte of any request is written.
#pragma once

#include <memory>

#include "proxy/server/certificate_validator.h"
#include "proxy/status/metrics.h"

namespace ratls::proxy {

class UpstreamConnector {
 public:
  UpstreamConnector(CertificateValidator& ratls, CertificateValidator& webpki, Metrics& metrics,
                    int connect_timeout_seconds);

  // A verified connection made on `executor` (the caller's event loop), tagged with the
  // configuration `generation` it was verified under; or the error or refusal.
  asio::awaitable<DialResult> connect(asio::any_io_executor executor, const AppConfig& app,
                                      std::shared_ptr<UpstreamVerifier> verifier,
                                      unsigned generation);

 private:
  CertificateValidator& ratls_;
  CertificateValidator& webpki_;
  Metrics& metrics_;
  int connect_timeout_;
};

}  // namespace ratls::proxy
