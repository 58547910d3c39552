// Building RA-TLS certificates around a quote, in each format the verifier knows, for the
// simulated hierarchy (`ratls-gateway sim issue`) and for tests.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "attest/ratls_cert.h"
#include "attest/x509.h"

namespace ratls::attest::sim {

// A fresh TLS key of the curve the format's producers use: P-256 (Cosmian), P-384 (Gramine).
EvpPkeyPtr generate_tls_key(RatlsFormat format);

// The CBOR claims map Gramine's DICE evidence carries: {"pubkey-hash": [1, SHA-256(SPKI)]}.
Bytes dice_claims_for(EVP_PKEY* key);

// What the enclave puts in REPORTDATA so that the quote binds `key` under `format`'s rule.
// `dice_claims` is only used by kGramineDice; `x25519` only by the Cosmian formats.
std::array<std::uint8_t, 64> binding_report_data(
    RatlsFormat format, EVP_PKEY* key, const Bytes& dice_claims = {},
    const std::optional<std::array<std::uint8_t, 32>>& x25519 = {});

struct RatlsCertificateOptions {
  std::string common_name = "localhost";
  std::vector<std::string> subject_alt_names{"localhost", "127.0.0.1"};  // IPs detected
  UnixTime not_before = 0;
  UnixTime not_after = 0;
};

// Self-signed certificate for `key` carrying the evidence:
//  - Cosmian SGX/TDX: the quote in OID 1.2.840.113741.1337.6 / .8;
//  - Gramine legacy: the quote under the doubly wrapped OID Gramine emits;
//  - Gramine DICE: `quote` in the legacy extension and `dice_quote` with `dice_claims` in the TCG
//    tagged-evidence extension (as Gramine 1.8 does).
// Throws AttestError(STATUS_INVALID_PARAMETER) on OpenSSL failures.
X509Ptr build_ratls_certificate(EVP_PKEY* key, RatlsFormat format, const Bytes& quote,
                                const RatlsCertificateOptions& options,
                                const Bytes& dice_quote = {}, const Bytes& dice_claims = {});

}  // namespace ratls::attest::sim
