// OpenSSL 3 helpers for the X.509 side of DCAP: owning pointers, certificate/CRL decoding,
// raw ECDSA P-256 signatures, chain and CRL checks at a caller-given time.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "attest/bytes.h"
#include "attest/status.h"
#include "attest/time.h"

namespace ratls::attest {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

X509Ptr clone(const X509Ptr& cert);

// Every certificate of a PEM bundle, in order. Trailing NUL bytes and whitespace after the last
// END line are ignored (quotes' certification data often ends in "\n\0"). Throws AttestError with
// `on_error` when the text holds no certificate, or anything that is not a well-formed certificate.
std::vector<X509Ptr> parse_pem_chain(std::string_view pem, Status on_error);

// One certificate, DER or PEM (detected). Throws AttestError(on_error).
X509Ptr parse_certificate(ByteView der_or_pem, Status on_error);

// The first certificate of a PEM bundle (a server's full chain starts with its leaf), or one DER
// certificate. Throws AttestError(on_error).
X509Ptr parse_leaf_certificate(ByteView der_or_pem, Status on_error);

// A CRL as DER, PEM or hex text of the DER (PCCS style), detected from content.
// Throws AttestError(STATUS_SGX_CRL_UNSUPPORTED_FORMAT).
X509CrlPtr parse_crl(ByteView data);
// The DER bytes of any of those encodings (for storing collateral in one canonical form).
Bytes crl_to_der(ByteView data);

Bytes cert_der(const X509* cert);
// PEM text of a certificate, and of a private key as unencrypted PKCS#8. Throw
// AttestError(STATUS_INVALID_PARAMETER) only when OpenSSL cannot encode (out of memory).
std::string certificate_pem(const X509* cert);
std::string private_key_pem(EVP_PKEY* key);
// 04||X||Y of an EC key of any named curve, whatever point form it was read in; empty if not EC.
Bytes ec_uncompressed_point(EVP_PKEY* key);
Bytes crl_der(const X509_CRL* crl);
Bytes sha256(ByteView data);
// Names as text for messages, control characters escaped (escape_controls) whatever the
// certificate holds.
std::string subject_name(
    const X509* cert);  // RFC 2253 (last RDN first): "C=US,ST=CA,...,CN=Intel SGX Root CA"
std::string issuer_name(const X509* cert);
std::string crl_issuer_name(const X509_CRL* crl);
std::string common_name(const X509* cert);         // first CN of the subject, "" if none
std::string issuer_common_name(const X509* cert);  // first CN of the issuer, "" if none
UnixTime not_before(const X509* cert);
UnixTime not_after(const X509* cert);
UnixTime asn1_time_to_unix(const ASN1_TIME* t);

// The pinned Intel SGX Root CA (attestation-spec §2.1), built into the binary.
X509Ptr intel_sgx_root_ca();

// P-256 public key from raw X||Y (64 bytes). nullptr when the point is not on the curve.
EvpPkeyPtr p256_public_key(ByteView xy);
// X||Y of a P-256 key (64 bytes); empty when the key is not P-256.
Bytes p256_raw_point(EVP_PKEY* key);
// ECDSA-P256 with SHA-256 over `message`; `signature` is raw r||s (64 bytes, big-endian halves).
bool ecdsa_p256_verify_raw(EVP_PKEY* key, ByteView message, ByteView signature);

// Result of a chain check: which certificate failed and how. `ok` means every check passed.
struct ChainCheck {
  enum class Failure {
    kNone,
    kUntrustedRoot,  // the chain's last certificate is not the pinned root
    kBadSignature,   // a certificate is not signed by the next one (or names a different issuer)
    kNotYetValid,    // validity at time T
    kExpired,
    kNotACa,        // an issuer lacks CA basicConstraints
    kWrongKeyType,  // not ECDSA P-256 with SHA-256
    kOther,
  };
  Failure failure = Failure::kNone;
  int depth = -1;  // 0 = leaf; the index into the chain passed in
  std::string message;
  bool ok() const { return failure == Failure::kNone; }
};

// Verifies chain[0] <- chain[1] <- ... <- chain.back() where chain.back() must be byte-identical to
// `root` (pinned), at time `at` (notBefore <= at <= notAfter for every certificate, root included).
// No revocation here: see check_crl.
ChainCheck verify_chain(const std::vector<const X509*>& chain, const X509* root, UnixTime at);

struct CrlCheck {
  enum class Failure {
    kNone,
    kIssuerMismatch,  // CRL issuer DN differs from the expected issuer's subject
    kBadSignature,    // not signed by the expected issuer's key
    kNotYetValid,     // thisUpdate > at
    kExpired,         // nextUpdate < at, or no nextUpdate
    kRevoked,         // the subject certificate's serial is listed
  };
  Failure failure = Failure::kNone;
  std::string message;
  bool ok() const { return failure == Failure::kNone; }
};

// Checks `crl` is issued and signed by `issuer`, is current at `at`, and does not list `subject`.
// Checks are made in that order and the first failure is reported.
CrlCheck check_crl(const X509_CRL* crl, const X509* issuer, const X509* subject, UnixTime at);

}  // namespace ratls::attest
