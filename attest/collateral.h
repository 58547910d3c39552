// Verification collateral as obtained, before any check: the signed JSON bytes and signatures,
// issuer chains, CRLs. Decoders for the offline forms users have (attestation-spec §3, issue #2):
// dcap-qvl collateral JSON, a directory of PCS response bodies, a Cosmian evidence.json.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "attest/bytes.h"
#include "attest/status.h"

namespace ratls::attest {

struct SignedJson {
  std::string body;  // exact signed bytes of the `tcbInfo` / `enclaveIdentity` object
  Bytes signature;   // raw r||s, 64 bytes
};

struct Collateral {
  SignedJson tcb_info;
  std::string tcb_info_issuer_chain;  // PEM: TCB signing cert, then root (root may be absent)
  SignedJson qe_identity;
  std::string qe_identity_issuer_chain;  // PEM
  Bytes pck_crl;                         // as received: DER, PEM or hex text of the DER
  std::string pck_crl_issuer_chain;      // PEM, may be empty (the quote's chain names the issuer)
  Bytes root_ca_crl;                     // as received: DER, PEM or hex text of the DER
  std::string source;                    // where it came from, for messages ("file x.json", ...)
};

// Splits a PCS response body `{"<member>":{...},"signature":"<hex>"}` into signed bytes and
// signature. Throws AttestError(on_error) when malformed.
SignedJson split_signed_response(std::string_view body, std::string_view member,
                                 Status on_error);

// dcap-qvl `QuoteCollateralV3` JSON (phala_dcap_qvl/*.collateral.json).
Collateral collateral_from_dcap_qvl_json(std::string_view json);

// Cosmian `evidence.json` (mse home / cenclave evidence): tcb_info is base64 of the PCS body, or
// base64 of the hex text of it (older fixtures); qe_identity base64 of the body; CRLs and the TCB
// signing certificate in PEM. The issuer chains become the TCB signing certificate alone.
Collateral collateral_from_cosmian_evidence(std::string_view json);

// The directory form, given as file name -> content: tcb_info.json, qe_identity.json (PCS bodies),
// tcb_info_issuer_chain.pem, qe_identity_issuer_chain.pem, pck_crl.{der,pem,hex},
// root_ca_crl.{der,pem,hex}, optionally pck_crl_issuer_chain.pem. Unknown names are ignored.
Collateral collateral_from_files(const std::map<std::string, Bytes>& files);

// Which decoder fits: "dcap-qvl", "cosmian-evidence", or "" when the JSON is neither.
std::string_view detect_collateral_json(std::string_view json);

}  // namespace ratls::attest
