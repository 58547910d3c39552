#include "proxy/verify_command.h"

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "attest/collateral.h"
#include "attest/policy.h"
#include "attest/verifier.h"
#include "proxy/file_io.h"
#include "proxy/verify_report.h"

namespace ratls::proxy {

namespace {

// Input the user must fix: printed as one line, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

attest::UnixTime now_utc() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::array<std::uint8_t, 32> parse_measurement(const std::string& flag, const std::string& hex) {
  auto value = attest::from_hex_fixed<32>(hex);
  if (!value) throw UsageError(flag + " " + hex + ": expected 64 hex digits");
  return *value;
}

attest::Policy build_policy(const VerifyOptions& o) {
  attest::Policy p;
  for (const auto& m : o.mrenclave) p.mrenclave.push_back(parse_measurement("--mrenclave", m));
  for (const auto& m : o.mrsigner) p.mrsigner.push_back(parse_measurement("--mrsigner", m));
  for (const auto& file : o.signer_key_files) {
    auto pem = read_file(file);
    try {
      p.mrsigner.push_back(attest::mrsigner_from_signer_key_pem(attest::as_chars(pem)));
    } catch (const attest::AttestError& e) {
      throw UsageError("--signer-key " + file + ": " + e.what());
    }
  }
  if (o.isv_prod_id) p.isv_prod_id = static_cast<std::uint16_t>(*o.isv_prod_id);
  if (o.min_isv_svn) p.min_isv_svn = static_cast<std::uint16_t>(*o.min_isv_svn);
  p.allow_debug = o.allow_debug;
  if (!o.accept_tcb.empty()) {
    p.accept_tcb.clear();
    for (const auto& name : o.accept_tcb) {
      auto s = attest::parse_tcb_status(name);
      if (!s) {
        throw UsageError("--accept-tcb " + name +
                         ": unknown TCB status (UpToDate, SWHardeningNeeded, ConfigurationNeeded, "
                         "ConfigurationAndSWHardeningNeeded, OutOfDate, "
                         "OutOfDateConfigurationNeeded)");
      }
      if (*s == attest::TcbStatus::kRevoked) {
        throw UsageError("--accept-tcb Revoked: a revoked TCB is never acceptable");
      }
      p.accept_tcb.push_back(*s);
    }
  }
  p.allow_advisories = o.allow_advisories;
  return p;
}

attest::Collateral load_collateral(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    auto c = attest::collateral_from_files(read_directory(path));
    c.source = "directory " + path;
    return c;
  }
  auto data = read_file(path);
  std::string_view text = attest::as_chars(data);
  std::string_view kind = attest::detect_collateral_json(text);
  attest::Collateral c;
  if (kind == "dcap-qvl") {
    c = attest::collateral_from_dcap_qvl_json(text);
  } else if (kind == "cosmian-evidence") {
    c = attest::collateral_from_cosmian_evidence(text);
  } else {
    throw UsageError("--collateral " + path +
                     ": not a dcap-qvl collateral JSON, a Cosmian evidence.json or a directory");
  }
  c.source = std::string(kind) + " " + path;
  return c;
}

}  // namespace

int run_verify(const VerifyOptions& o, std::ostream& out, std::ostream& err) {
  try {
    if (o.quote_file.empty()) throw UsageError("nothing to verify: pass --quote FILE");
    VerifyOutcome outcome;
    if (o.at.empty()) {
      outcome.at = now_utc();
    } else {
      auto t = attest::parse_rfc3339(o.at);
      if (!t) throw UsageError("--at " + o.at + ": expected an RFC 3339 time such as 2025-07-19T10:01:17Z");
      outcome.at = *t;
    }
    attest::Policy policy = build_policy(o);

    attest::Bytes quote;
    try {
      quote = attest::decode_quote_file(read_file(o.quote_file));
    } catch (const attest::AttestError& e) {
      throw UsageError("--quote " + o.quote_file + ": " + e.what());
    }
    try {
      (void)attest::parse_quote(quote);
    } catch (const attest::AttestError& e) {
      throw UsageError("--quote " + o.quote_file + ": not a usable quote: " + e.what());
    }

    attest::X509Ptr custom_root;
    outcome.root = "intel";
    if (!o.root_ca_file.empty()) {
      try {
        custom_root = attest::parse_certificate(read_file(o.root_ca_file),
                                                attest::Status::STATUS_TRUSTED_ROOT_CA_UNSUPPORTED_FORMAT);
      } catch (const attest::AttestError& e) {
        throw UsageError("--root-ca " + o.root_ca_file + ": " + e.what());
      }
      outcome.root = "custom " + attest::to_hex(attest::sha256(attest::cert_der(custom_root.get())));
      err << "warning: trusting " << o.root_ca_file
          << " instead of the Intel SGX Root CA; results do not prove a genuine Intel enclave\n";
    }

    std::optional<attest::ParsedCollateral> collateral;
    if (!o.collateral_path.empty()) {
      attest::Collateral raw;
      try {
        raw = load_collateral(o.collateral_path);
      } catch (const attest::AttestError& e) {
        throw UsageError("--collateral " + o.collateral_path + ": " + e.what());
      }
      outcome.collateral_source = raw.source;
      try {
        collateral = attest::parse_collateral(raw);
      } catch (const attest::AttestError& e) {
        // Collateral that does not decode is a verification failure, reported like the others.
        outcome.verification.errors.push_back(
            {e.status(), "collateral from " + raw.source + ": " + e.what()});
      }
    }

    if (outcome.verification.errors.empty()) {
      attest::VerifyInput input;
      input.quote = quote;
      input.collateral = collateral ? &*collateral : nullptr;
      input.root = custom_root.get();
      input.at = outcome.at;
      outcome.verification = attest::verify_quote(input);
    } else {
      try {
        outcome.verification.quote = attest::parse_quote(quote);
      } catch (const attest::AttestError& e) {
        outcome.verification.errors.push_back(e.error());
      }
    }
    if (outcome.verification.genuine()) {
      outcome.policy_errors = attest::apply_policy(policy, outcome.verification);
    }
    if (o.json) {
      out << outcome_json(outcome).dump(2) << "\n";
    } else {
      print_outcome(outcome, out);
    }
    return outcome.accepted() ? 0 : 1;
  } catch (const UsageError& e) {
    err << "ratls-gateway verify: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "ratls-gateway verify: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace ratls::proxy
