// Keys, certificates and CRLs of the simulated provisioning hierarchy, shaped like Intel's (P-256,
// ECDSA-SHA256, v3, the same CNs the verifier looks for) so the real verification path runs on
// them.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/bytes.h"
#include "attest/pck_extension.h"
#include "attest/time.h"
#include "attest/x509.h"

namespace ratls::attest::sim {

// A P-256 key: derived from `seed` and `label` when a seed is given (reproducible tests), fresh
// otherwise.
EvpPkeyPtr make_p256_key(const std::optional<std::string>& seed, std::string_view label);

// Throws AttestError(STATUS_INVALID_PARAMETER) when `pem` is not a private key.
EvpPkeyPtr load_private_key_pem(std::string_view pem);
std::string crl_pem(const X509_CRL* crl);

// Adds an extension in OpenSSL's configuration syntax (e.g. "critical,CA:FALSE"), issued by
// `issuer` (the certificate itself when self-signed).
void add_conf_extension(X509* cert, const X509* issuer, int nid, const std::string& value);
// Adds a non-critical extension `oid_text` (dotted) whose extnValue holds `value` as it is.
void add_raw_extension(X509* cert, const char* oid_text, const Bytes& value);

struct CertificateSpec {
  std::string common_name;
  std::string organization;
  std::string serial_label;  // the serial is derived from it (stable across runs with a seed)
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  bool ca = false;
  std::optional<int> path_length;   // CA certificates only
  std::optional<PckExtension> sgx;  // the PCK SGX extension (PCK leaves only)
};

// Signs a certificate for `key` with `issuer_key`; `issuer` null means self-signed.
X509Ptr issue_certificate(const CertificateSpec& spec, EVP_PKEY* key, const X509* issuer,
                          EVP_PKEY* issuer_key);

// A CRL of `issuer` listing the serials of `revoked`.
X509CrlPtr issue_crl(const X509* issuer, EVP_PKEY* issuer_key, UnixTime this_update,
                     UnixTime next_update, const std::vector<const X509*>& revoked);

// DER of the PCK SGX extension value (attestation-spec §2.4), the inverse of
// parse_pck_extension_value.
Bytes encode_pck_extension(const PckExtension& ext);

// Raw r||s ECDSA-P256/SHA-256 signature of `message`.
std::array<std::uint8_t, 64> sign_raw(EVP_PKEY* key, ByteView message);

}  // namespace ratls::attest::sim
