#include "proxy/status/verification_checks.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace ratls::proxy {

namespace {

using attest::Status;
using nlohmann::json;

enum class Area { kGenuine, kBinding, kSigner, kCode, kProduct, kProduction, kTcb, kNone };

// Which line of the checklist an error belongs to; anything the list does not name is part of
// the quote's genuineness (signatures, QE identity, PCK chain, CRLs, collateral).
Area area_of(Status s) {
  switch (s) {
    case Status::STATUS_RATLS_KEY_BINDING_MISMATCH:
      return Area::kBinding;
    case Status::STATUS_POLICY_MRSIGNER_NOT_ALLOWED:
      return Area::kSigner;
    case Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED:
      return Area::kCode;
    case Status::STATUS_POLICY_ISVPRODID_MISMATCH:
    case Status::STATUS_POLICY_ISVSVN_TOO_LOW:
      return Area::kProduct;
    case Status::STATUS_POLICY_DEBUG_ENCLAVE:
    case Status::STATUS_POLICY_ENCLAVE_ATTRIBUTES:
      return Area::kProduction;
    case Status::STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED:
    case Status::STATUS_POLICY_ADVISORY_NOT_ALLOWED:
    case Status::STATUS_TCB_OUT_OF_DATE:
    case Status::STATUS_TCB_REVOKED:
    case Status::STATUS_TCB_CONFIGURATION_NEEDED:
    case Status::STATUS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED:
    case Status::STATUS_TCB_NOT_SUPPORTED:
    case Status::STATUS_TCB_UNRECOGNIZED_STATUS:
    case Status::STATUS_TCB_SW_HARDENING_NEEDED:
    case Status::STATUS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
      return Area::kTcb;
    case Status::STATUS_PIN_STORE_UNUSABLE:  // the gateway's own storage, not the upstream
      return Area::kNone;
    default:
      return Area::kGenuine;
  }
}

template <class T>
std::string join(const std::vector<T>& items, const auto& to_text) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += to_text(item);
  }
  return out;
}

std::string expected_one_of(const std::vector<std::array<std::uint8_t, 32>>& values) {
  const std::string list = join(values, [](const auto& v) { return attest::to_hex(v); });
  return values.size() == 1 ? "expected " + list : "expected one of " + list;
}

// What a measurement line expects: the policy's values, else (trust on first use) the pinned one,
// else `otherwise`.
std::string measurement_expected(const std::vector<std::array<std::uint8_t, 32>>& policy,
                                 const Pin* tofu_pin, const std::string Pin::*field,
                                 std::string otherwise) {
  if (!policy.empty()) return expected_one_of(policy);
  if (tofu_pin != nullptr)
    return "expected the pinned " + tofu_pin->*field + " (trust on first use)";
  return otherwise;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string root_label(const std::string& root_ca, bool simulated_root) {
  if (simulated_root) return "the simulated root " + root_ca + " (SIMULATED: no real enclave)";
  if (root_ca.empty() || root_ca == "intel") return "Intel's SGX root";
  return "the configured root " + root_ca;
}

std::vector<Check> ratls_checks(const UpstreamDecision& d, const AppConfig& app,
                                const std::string& root) {
  const Pin* seen = d.observed ? &*d.observed : nullptr;
  const Pin* pinned = d.previous_pin ? &*d.previous_pin : nullptr;
  const ObservedEvidence& ev = d.evidence;
  const attest::Policy& policy = app.policy;

  // The first error of each line: what its ✘ says.
  std::map<Area, std::string> failed;
  for (const auto& e : d.errors) failed.try_emplace(area_of(e.status), e.message);
  // Trust on first use refuses a changed measurement with an MRENCLAVE error (the verifier's
  // last step); say which of the two measurements actually changed.
  const bool tofu = !app.measurement_policy && pinned && seen;
  const bool signer_changed = tofu && pinned->mrsigner != seen->mrsigner;
  const bool code_changed = tofu && pinned->mrenclave != seen->mrenclave;
  if (failed.count(Area::kCode) && (signer_changed || code_changed)) {
    if (signer_changed) failed.try_emplace(Area::kSigner, failed[Area::kCode]);
    if (!code_changed) failed.erase(Area::kCode);
  }
  const bool genuine_failed = failed.count(Area::kGenuine) > 0;
  // Measurements of a quote that is not genuine prove nothing: those lines were not reached.
  const bool measured = ev.quote && seen && !genuine_failed;

  auto line = [&](std::string name, Area area, bool reached, std::string value,
                  std::string expected) {
    Check c{std::move(name), std::nullopt, std::move(value), std::move(expected), {}};
    if (auto it = failed.find(area); it != failed.end()) {
      c.ok = false;
      c.problem = it->second;
    } else if (reached) {
      c.ok = true;
    }
    return c;
  };

  std::vector<Check> out;
  out.push_back(line(
      "genuine enclave", Area::kGenuine, ev.quote,
      ev.quote ? upper(ev.tee) + " quote" + (ev.pck_ca.empty() ? "" : ", " + ev.pck_ca + " PCK CA")
               : "no quote read",
      "quote and QE report signed, PCK chain to " + root + ", CRLs current"));

  const Pin* tofu_pin = tofu ? pinned : nullptr;
  out.push_back(line("operator signer", Area::kSigner, measured,
                     seen && !seen->mrsigner.empty() ? "MRSIGNER " + seen->mrsigner : "",
                     measurement_expected(policy.mrsigner, tofu_pin, &Pin::mrsigner,
                                          "any signer (none in the policy)")));
  out.push_back(
      line("code fingerprint", Area::kCode, measured,
           seen && !seen->mrenclave.empty() ? "MRENCLAVE " + seen->mrenclave : "",
           measurement_expected(policy.mrenclave, tofu_pin, &Pin::mrenclave,
                                "any: pinned on first use (no MRENCLAVE in the policy)")));

  if (policy.isv_prod_id || policy.min_isv_svn) {
    std::string expected;
    if (policy.isv_prod_id) expected = "ISVPRODID " + std::to_string(*policy.isv_prod_id);
    if (policy.min_isv_svn) {
      expected += (expected.empty() ? "" : ", ") + std::string("ISVSVN at least ") +
                  std::to_string(*policy.min_isv_svn);
    }
    out.push_back(line("product / version", Area::kProduct, measured,
                       seen ? "ISVPRODID " + std::to_string(seen->isv_prod_id) + ", ISVSVN " +
                                  std::to_string(seen->isv_svn)
                            : "",
                       "expected " + expected));
  }

  out.push_back(line("production", Area::kProduction, measured,
                     !ev.quote  ? ""
                     : ev.debug ? "DEBUG enclave"
                                : "not debug",
                     policy.allow_debug ? "debug allowed by the policy" : "expected not debug"));

  // The binding is a byte comparison made before the quote is verified, so it is reached
  // whenever the certificate carried a readable quote.
  out.push_back(line("key binding", Area::kBinding, ev.binding_known, ev.binding,
                     "TLS key bound to the quote's report data"));

  const std::string accepted =
      join(policy.accept_tcb, [](attest::TcbStatus s) { return attest::tcb_status_name(s); });
  const bool any_advisory =
      std::find(policy.allow_advisories.begin(), policy.allow_advisories.end(), "*") !=
      policy.allow_advisories.end();
  const std::string advisories_allowed =
      any_advisory ? "any"
      : policy.allow_advisories.empty()
          ? "none"
          : join(policy.allow_advisories, [](const std::string& s) { return s; });
  std::string tcb_value;
  if (seen && !seen->tcb_status.empty()) {
    tcb_value = seen->tcb_status + ", advisories: " +
                (seen->advisory_ids.empty()
                     ? std::string("none")
                     : join(seen->advisory_ids, [](const std::string& s) { return s; }));
  }
  out.push_back(
      line("TCB status", Area::kTcb, !genuine_failed && !tcb_value.empty(), tcb_value,
           "TCB statuses accepted: " + accepted + "; advisories allowed: " + advisories_allowed));
  return out;
}

std::vector<Check> webpki_checks(const std::string& host, const std::string& cert_sha256) {
  return {{"certificate chain and host name",
           true,
           "certificate SHA-256 " + cert_sha256,
           "a chain to the system CA store, valid for " + host + " (not attested)",
           {}}};
}

json checks_to_json(const std::vector<Check>& checks) {
  json out = json::array();
  for (const Check& c : checks) {
    out.push_back({{"name", c.name},
                   {"ok", c.ok ? json(*c.ok) : json(nullptr)},
                   {"value", c.value},
                   {"expected", c.expected},
                   {"problem", c.problem.empty() ? json(nullptr) : json(c.problem)}});
  }
  return out;
}

}  // namespace ratls::proxy
