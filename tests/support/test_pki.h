// Small OpenSSL helpers that build keys, certificates and CRLs inside a test (P-256 / SHA-256 by
// default, X.509 v3), so chain and CRL checks can be exercised one failure at a time. Built on
// OpenSSL directly, independent of attest/ and attest/sim/, so they can check those.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attest/bytes.h"
#include "attest/time.h"
#include "attest/x509.h"

namespace ratls::test {

// A fresh EC key on `curve` ("P-256", "P-384"). Fails the test (and returns null) on error.
attest::EvpPkeyPtr make_ec_key(const char* curve = "P-256");

struct CertSpec {
  std::string common_name = "Test";
  std::string organization = "ratls-gateway tests";
  std::uint64_t serial = 1;
  attest::UnixTime not_before = 0;
  attest::UnixTime not_after = 0;
  // basicConstraints (critical) present, with this CA flag; CA certificates also get a critical
  // keyUsage keyCertSign+cRLSign, leaves digitalSignature.
  bool basic_constraints = true;
  bool ca = false;
  int path_length = -1;  // CA only; -1 leaves it out
  int version = 3;       // 1 or 3
};

// A certificate for `key` signed by `issuer_key` with ECDSA-SHA256; `issuer` null means
// self-signed (issuer name = subject name). Fails the test and returns null on error.
attest::X509Ptr make_cert(const CertSpec& spec, EVP_PKEY* key, const X509* issuer,
                          EVP_PKEY* issuer_key);

struct CrlSpec {
  attest::UnixTime this_update = 0;
  std::optional<attest::UnixTime> next_update;
  std::vector<std::uint64_t> revoked_serials;
};

// A v2 CRL named as issued by `issuer_name_of`'s subject, signed by `signing_key` (SHA-256).
attest::X509CrlPtr make_crl(const X509* issuer_name_of, EVP_PKEY* signing_key, const CrlSpec& spec);

// Raw r||s (64 bytes) ECDSA-P256/SHA-256 signature of `message` (EVP_DigestSign, then the DER
// signature split into zero-padded halves).
attest::Bytes sign_p256_raw(EVP_PKEY* key, attest::ByteView message);

// DER <-> PEM for certificates and CRLs.
std::string cert_pem(const X509* cert);
std::string crl_pem(const X509_CRL* crl);

// A three-level hierarchy: root CA -> intermediate CA -> leaf, all P-256, valid [from, to].
struct TestPki {
  attest::EvpPkeyPtr root_key, intermediate_key, leaf_key;
  attest::X509Ptr root, intermediate, leaf;
  std::vector<const X509*> chain() const { return {leaf.get(), intermediate.get(), root.get()}; }
};
TestPki make_test_pki(attest::UnixTime from, attest::UnixTime to);

}  // namespace ratls::test
