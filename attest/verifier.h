// The DCAP quote verification algorithm (attestation-spec §2): quote structure, PCK chain and CRLs,
// TCB info and QE identity with their signing chains, QE report, ISV signature, TCB levels and
// status convergence. Pure: bytes and one verification time in, a description of what held out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/pck_extension.h"
#include "attest/qe_identity.h"
#include "attest/quote.h"
#include "attest/tcb_info.h"
#include "attest/x509.h"

namespace ratls::attest {

// Collateral decoded into OpenSSL and C++ values (no check made yet), so that a caller verifying
// many quotes against the same collateral decodes it once.
struct ParsedCollateral {
  Collateral raw;
  TcbInfo tcb_info;
  QeIdentity qe_identity;
  std::vector<X509Ptr> tcb_info_chain;
  std::vector<X509Ptr> qe_identity_chain;
  X509CrlPtr pck_crl;
  X509CrlPtr root_ca_crl;
  std::vector<X509Ptr> pck_crl_chain;  // may be empty
};

// Throws AttestError with the status of the first item that does not decode.
ParsedCollateral parse_collateral(const Collateral& raw);

struct QuoteVerification {
  std::optional<Quote> quote;
  std::optional<PckExtension> pck;
  std::string pck_ca;  // "platform" or "processor", from the PCK leaf's issuer
  X509Ptr pck_leaf;
  std::optional<TcbStatus> tcb_status;  // converged (platform with QE), the verdict's basis
  std::optional<TcbStatus> platform_tcb_status;
  std::optional<TcbStatus> qe_tcb_status;
  std::optional<UnixTime> tcb_date;
  std::vector<std::string> advisory_ids;  // platform first, then QE, de-duplicated
  std::optional<UnixTime> collateral_expiry;  // earliest nextUpdate / notAfter among collateral
  bool collateral_checked = false;
  std::vector<Error> errors;  // first failure of the genuineness checks; empty when genuine

  bool genuine() const { return errors.empty() && tcb_status.has_value(); }
};

struct VerifyInput {
  ByteView quote;
  const ParsedCollateral* collateral = nullptr;  // nullptr: checks that need none, then rejects
  const X509* root = nullptr;                    // pinned root; nullptr means the built-in Intel root
  UnixTime at = 0;                               // the verification time for every check
};

QuoteVerification verify_quote(const VerifyInput& input);

}  // namespace ratls::attest
