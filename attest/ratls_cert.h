// RA-TLS certificates: finding the quote an enclave put in its self-signed certificate, and the
// rule by which that quote binds the certificate's key (attestation-spec §4, cosmian-ratls §1-2).
//
// Formats, detected from the certificate:
//  - cosmian-sgx:  OID 1.2.840.113741.1337.6, REPORTDATA[0:32] = SHA-256(04||X||Y), [32:64] the
//                  enclave's X25519 key (or zero);
//  - cosmian-tdx:  OID 1.2.840.113741.1337.8, same binding, TDX quote;
//  - gramine-legacy: the doubly wrapped OID 0.6.9.42.840.113741.1337.6 Gramine really emits (or the
//                  plain .1337.6 on a P-384 / GramineDevelopers certificate), REPORTDATA[0:32] =
//                  SHA-256(DER SubjectPublicKeyInfo);
//  - gramine-dice: TCG tagged evidence 2.23.133.5.4.9, CBOR tag 60000 [quote, claims], with
//                  REPORTDATA[0:32] = SHA-256(claims) and claims["pubkey-hash"] = H(SPKI).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "attest/bytes.h"
#include "attest/status.h"
#include "attest/verifier.h"
#include "attest/x509.h"

namespace ratls::attest {

enum class RatlsFormat { kCosmianSgx, kCosmianTdx, kGramineLegacy, kGramineDice };
std::string_view ratls_format_name(RatlsFormat f);  // "cosmian-sgx", "cosmian-tdx", ...

struct RatlsCertificate {
  X509Ptr cert;
  RatlsFormat format = RatlsFormat::kCosmianSgx;
  Bytes quote;  // the quote the binding and verification are about
  bool binding_ok = false;
  std::string binding_rule;     // e.g. "SHA-256 of the uncompressed EC point"
  std::string binding_problem;  // why binding_ok is false (one line)
  std::array<std::uint8_t, 32> cert_sha256{};
  std::array<std::uint8_t, 32> spki_sha256{};
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  std::string subject;
  std::optional<std::array<std::uint8_t, 32>> enclave_x25519;  // cosmian: REPORTDATA[32:64] if not 0
  bool self_signature_ok = false;
};

// Decodes a certificate (PEM or DER) and its RA-TLS evidence. Throws AttestError:
//  STATUS_UNSUPPORTED_CERT_FORMAT when the input is not one X.509 certificate;
//  STATUS_NOT_RATLS_CERTIFICATE when it carries no quote extension (an ordinary certificate);
//  STATUS_RATLS_INVALID_EVIDENCE when the evidence is malformed or ambiguous (two quote extensions).
// The quote itself is not verified here; binding_ok only compares bytes.
RatlsCertificate parse_ratls_certificate(ByteView der_or_pem);

struct RatlsVerification {
  std::optional<RatlsCertificate> certificate;
  QuoteVerification quote;
  std::vector<Error> errors;  // certificate-level problems first, then the quote's
  bool genuine() const { return errors.empty() && quote.genuine(); }
};

struct RatlsVerifyInput {
  ByteView certificate;
  const ParsedCollateral* collateral = nullptr;
  const X509* root = nullptr;
  UnixTime at = 0;
  bool enforce_validity = true;  // the certificate's own notBefore/notAfter at `at`
};

// Certificate self-signature, validity, key binding, then the full quote verification.
RatlsVerification verify_ratls_certificate(const RatlsVerifyInput& input);

}  // namespace ratls::attest
