// Fetching the leaf certificate an HTTPS server presents, for one-shot verification: TCP, TLS
// >= 1.2 with SNI, no session resumption, no certificate check by OpenSSL (the caller verifies the
// RA-TLS certificate), and no application data sent.
#pragma once

#include <cstdint>
#include <string>

#include "attest/bytes.h"

namespace ratls::proxy {

struct PeerCertificate {
  attest::Bytes der;        // the leaf certificate
  std::string tls_version;  // "TLSv1.3", ...
  std::string cipher;
  std::string peer_address;  // numeric address actually connected to
  std::string subject;       // of the leaf
  // With `webpki`: why the chain or the name does not pass the check mode "webpki" makes (system
  // CA store, host name); empty when it passes.
  std::string webpki_problem;
};

// Throws std::runtime_error with a one-line reason (resolution, connection, timeout, handshake).
// `webpki`: also check the certificate as the gateway does for mode "webpki" (the result is in
// webpki_problem; the handshake completes either way, and no application data is sent).
PeerCertificate fetch_peer_certificate(const std::string& host, std::uint16_t port, int timeout_ms,
                                       bool webpki = false);

}  // namespace ratls::proxy
