// The checklist of one verification, as the status page and status.json show it: one line per
// check (genuine enclave, signer, code, production, key binding, TCB), derived from what the
// verifier decided and the policy the app is configured with.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/config/config.h"
#include "proxy/pinning/upstream_verifier.h"

namespace ratls::proxy {

struct Check {
  std::string name;        // "genuine enclave", "operator signer", ...
  std::optional<bool> ok;  // nullopt: not checked (an earlier check failed, or nothing to judge)
  std::string value;       // what the upstream presented
  std::string expected;    // the policy it was checked against
  std::string problem;     // the failure's message, when ok is false
  friend bool operator==(const Check&, const Check&) = default;
};

// `root` names the trust anchor the PCK chain must reach, e.g. "Intel's SGX root".
std::vector<Check> ratls_checks(const UpstreamDecision& d, const AppConfig& app,
                                const std::string& root);
// A WebPKI app is not attested: its one check is the certificate chain and host name.
std::vector<Check> webpki_checks(const std::string& host, const std::string& cert_sha256);

// The anchor named in the "genuine enclave" line for a configuration's root_ca.
std::string root_label(const std::string& root_ca, bool simulated_root);

// [{name, ok (true/false/null), value, expected, problem (null when none)}]
nlohmann::json checks_to_json(const std::vector<Check>& checks);

}  // namespace ratls::proxy
