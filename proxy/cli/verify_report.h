// Rendering a verification for people (a checklist) and for scripts (one JSON object).
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "attest/policy.h"
#include "attest/ratls_cert.h"
#include "attest/verifier.h"

namespace ratls::proxy {

struct VerifyOutcome {
  std::string subject;  // what was verified: "quote FILE", "certificate FILE", "https://..."
  std::optional<attest::RatlsCertificate> certificate;  // --cert and URL forms
  std::vector<attest::Error> certificate_errors;  // not RA-TLS, self-signature, validity, binding
  attest::QuoteVerification verification;
  std::vector<attest::Error> policy_errors;
  attest::UnixTime at = 0;
  std::string collateral_source;  // empty: none given
  std::string root;               // "intel" or "custom <sha256>"
  bool simulated = false;         // the trusted root is a simulated hierarchy's

  bool accepted() const {
    return certificate_errors.empty() && verification.genuine() && policy_errors.empty();
  }
  // Certificate errors, then genuineness errors, then policy errors.
  std::vector<attest::Error> all_errors() const;
};

nlohmann::json outcome_json(const VerifyOutcome& outcome);
void print_outcome(const VerifyOutcome& outcome, std::ostream& out);

}  // namespace ratls::proxy
