// The simulated provisioning hierarchy: a root CA, a PCK Platform CA, one platform's PCK leaf, a
// TCB signing certificate, signed TCB info and QE identity, root and PCK CRLs, and the QE that
// signs quotes. Never trusted unless a user names its root explicitly; every subject carries
// kSimulatedOrganization so reports can say "simulated".
//
// Pure like the rest of attest/: the caller passes the time and gets file contents back; writing
// them to disk is the command's job.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "attest/collateral.h"
#include "attest/ratls_cert.h"
#include "attest/sim/quote_builder.h"
#include "attest/sim/ratls_issuer.h"
#include "attest/tcb_status.h"
#include "attest/x509.h"

namespace ratls::attest::sim {

inline constexpr std::string_view kSimulatedOrganization = "ratls-gateway simulation";

// The negative cases the real vectors lack are options of the hierarchy.
struct HierarchyOptions {
  UnixTime now = 0;
  std::optional<std::string> seed;                // reproducible keys and serials
  TcbStatus platform_tcb = TcbStatus::kUpToDate;  // status of the TCB level the platform reaches
  bool tcb_unsupported = false;                   // the platform is below every TCB level
  std::uint16_t qe_isv_svn = 8;     // 8 reaches UpToDate, 6 OutOfDate, below 5 is not supported
  bool revoke_pck = false;          // PCK leaf listed in the PCK CRL
  bool revoke_pck_ca = false;       // PCK CA listed in the root CA CRL
  bool expired_collateral = false;  // TCB info and QE identity nextUpdate one hour before `now`
};

struct Hierarchy {
  X509Ptr root;
  X509Ptr pck_ca;
  X509Ptr pck;
  X509Ptr tcb_signing;
  EvpPkeyPtr root_key;
  EvpPkeyPtr pck_ca_key;
  EvpPkeyPtr pck_key;
  EvpPkeyPtr tcb_signing_key;
  EvpPkeyPtr attestation_key;
  std::uint16_t qe_isv_svn = 0;
  Collateral collateral;

  QuotingEnclave quoting_enclave() const;
};

Hierarchy create_hierarchy(const HierarchyOptions& options);

// The directory layout of `sim init` (relative path -> content): root_ca.pem, collateral/* in the
// layout `--collateral DIR` reads, certs/*.pem, private/*.key (the caller writes these with mode
// 0600), hierarchy.json.
std::map<std::string, std::string> hierarchy_files(const Hierarchy& h);
// Inverse of hierarchy_files. Throws AttestError(STATUS_INVALID_PARAMETER) naming the first
// missing or malformed file.
Hierarchy load_hierarchy(const std::map<std::string, std::string>& files);

struct IssueOptions {
  EnclaveSpec enclave;  // report_data is ignored: the binding is computed for the new key
  RatlsFormat format = RatlsFormat::kCosmianSgx;
  RatlsCertificateOptions certificate;
  std::optional<std::array<std::uint8_t, 32>> x25519;  // Cosmian REPORTDATA[32:64]
  bool bind_other_key = false;  // negative case: the quote binds a different key than the cert's
  // Negative case: REPORTDATA made by another format's rule (kCosmianSgx: SHA-256 of the EC point,
  // kGramineLegacy: SHA-256 of the SPKI) while the certificate keeps `format`, so a verifier that
  // guessed the rule from the data would accept it. Unset: the format's own rule.
  std::optional<RatlsFormat> binding;
  std::optional<std::string> seed;
};

struct IssuedCertificate {
  X509Ptr cert;
  EvpPkeyPtr key;
  Bytes quote;
};

// An RA-TLS certificate and its key, the quote signed by the hierarchy's QE.
IssuedCertificate issue_ratls_certificate(const Hierarchy& h, const IssueOptions& options);

}  // namespace ratls::attest::sim
