// Rendering a verification for people (a checklist) and for scripts (one JSON object).
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "attest/policy.h"
#include "attest/verifier.h"

namespace ratls::proxy {

struct VerifyOutcome {
  attest::QuoteVerification verification;
  std::vector<attest::Error> policy_errors;  // only evaluated when the quote is genuine
  attest::UnixTime at = 0;
  std::string collateral_source;  // empty: none given
  std::string root;               // "intel" or "custom <sha256>"

  bool accepted() const { return verification.genuine() && policy_errors.empty(); }
  // Genuineness errors first, then policy errors.
  std::vector<attest::Error> all_errors() const;
};

nlohmann::json outcome_json(const VerifyOutcome& outcome);
void print_outcome(const VerifyOutcome& outcome, std::ostream& out);

}  // namespace ratls::proxy
