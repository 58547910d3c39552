#include "proxy/cli/verify_command.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "attest/collateral.h"
#include "attest/policy.h"
#include "attest/ratls_cert.h"
#include "attest/verifier.h"
#include "proxy/cli/peer_certificate.h"
#include "proxy/cli/verify_report.h"
#include "proxy/collateral/collateral_fetcher.h"
#include "proxy/collateral/collateral_key.h"
#include "proxy/common/clock.h"
#include "proxy/common/file_io.h"
#include "proxy/common/https_url.h"

namespace ratls::proxy {

namespace {

// Input the user must fix: printed as one line, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Marker the simulated hierarchy puts in its root's subject (attest/sim).
constexpr std::string_view kSimulatedMarker = "ratls-gateway simulation";

std::array<std::uint8_t, 32> parse_measurement(const std::string& flag, const std::string& hex) {
  auto value = attest::from_hex_fixed<32>(hex);
  if (!value) throw UsageError(flag + " " + hex + ": expected 64 hex digits");
  return *value;
}

}  // namespace

attest::Policy policy_from_options(const VerifyOptions& o) {
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

namespace {

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

// --root-ca names a certificate file, or a simulated hierarchy's directory (its root_ca.pem).
attest::X509Ptr load_root(const std::string& path) {
  std::string file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    file = (std::filesystem::path(path) / "root_ca.pem").string();
  try {
    return attest::parse_certificate(read_file(file),
                                     attest::Status::STATUS_TRUSTED_ROOT_CA_UNSUPPORTED_FORMAT);
  } catch (const attest::AttestError& e) {
    throw UsageError("--root-ca " + file + ": " + e.what());
  }
}

// Without --collateral: collateral for this quote from the collateral service, or with --offline
// from its cache only. nullptr (and an error saying why) when there is none usable at `at`.
std::shared_ptr<const attest::ParsedCollateral> fetch_collateral(
    const VerifyOptions& o, attest::ByteView certificate, attest::ByteView quote,
    const attest::X509Ptr& root, attest::UnixTime at, std::ostream& err,
    std::vector<attest::Error>& errors) {
  const auto key = certificate.empty() ? collateral_key_for_quote(quote)
                                       : collateral_key_for_certificate(certificate);
  if (!key) return nullptr;  // the verification says why the quote cannot be used
  CollateralFetcherOptions fo;
  fo.base_url = o.pccs;
  fo.offline = o.offline;
  fo.cache_dir = o.cache_dir.empty() ? default_collateral_cache_dir() : o.cache_dir;
  if (root) fo.root = attest::clone(root);
  fo.warn = [&err](const std::string& m) { err << "warning: " << m << "\n"; };
  std::unique_ptr<CollateralFetcher> fetcher;
  try {
    fetcher = std::make_unique<CollateralFetcher>(std::move(fo));
  } catch (const std::exception& e) {
    throw UsageError("--pccs: " + std::string(e.what()));
  }
  std::string problem;
  auto collateral = fetcher->get_for(*key, at, problem);
  if (!collateral) {
    errors.push_back(
        {attest::Status::STATUS_MISSING_COLLATERAL, "no usable collateral: " + problem});
  }
  // A refresh that came due runs in the background: let it update the cache before exiting.
  fetcher->wait_idle(std::chrono::seconds(15));
  return collateral;
}

// Atomic: the certificate appears whole or not at all.
void save_certificate_pem(const std::string& path, const X509* cert) {
  write_file_atomic(path, attest::certificate_pem(cert), 0644);
}

}  // namespace

VerifyOutcome verify_target(const VerifyOptions& o, const attest::Policy& policy,
                            std::ostream& err) {
  const int sources = !o.url.empty() + !o.cert_file.empty() + !o.quote_file.empty();
  if (sources == 0)
    throw UsageError("nothing to verify: pass https://HOST[:PORT], --cert FILE or --quote FILE");
  if (sources > 1)
    throw UsageError("pass only one of https://HOST[:PORT], --cert FILE, --quote FILE");
  if (!o.collateral_path.empty() && (!o.pccs.empty() || !o.cache_dir.empty())) {
    throw UsageError("--collateral cannot be combined with --pccs or --cache-dir");
  }
  if (o.offline && !o.pccs.empty()) {
    throw UsageError("--offline cannot be combined with --pccs (offline never uses the network)");
  }
  VerifyOutcome outcome;
  if (o.at.empty()) {
    outcome.at = now_utc();
  } else {
    auto t = attest::parse_rfc3339(o.at);
    if (!t)
      throw UsageError("--at " + o.at + ": expected an RFC 3339 time such as 2025-07-19T10:01:17Z");
    outcome.at = *t;
  }
  // What to verify: a quote, or a certificate from a file or a live server.
  attest::Bytes quote;
  attest::Bytes certificate;
  if (!o.quote_file.empty()) {
    outcome.subject = "quote " + o.quote_file;
    try {
      quote = attest::decode_quote_file(read_file(o.quote_file));
      (void)attest::parse_quote(quote);
    } catch (const attest::AttestError& e) {
      throw UsageError("--quote " + o.quote_file + ": not a usable quote: " + e.what());
    }
  } else if (!o.cert_file.empty()) {
    outcome.subject = "certificate " + o.cert_file;
    certificate = read_file(o.cert_file);
    try {
      (void)attest::parse_leaf_certificate(certificate,
                                           attest::Status::STATUS_UNSUPPORTED_CERT_FORMAT);
    } catch (const attest::AttestError& e) {
      throw UsageError("--cert " + o.cert_file + ": " + e.what());
    }
  } else {
    std::string why;
    auto url = parse_https_url(o.url, why);
    if (!url) throw UsageError(o.url + ": expected https://HOST[:PORT] (" + why + ")");
    PeerCertificate peer = fetch_peer_certificate(url->host, url->port, o.timeout_ms);
    certificate = peer.der;
    outcome.subject =
        "https://" + url->authority() + " (" + peer.peer_address + ", " + peer.tls_version + ")";
  }

  attest::X509Ptr custom_root;
  outcome.root = "intel";
  if (!o.root_ca_file.empty()) {
    custom_root = load_root(o.root_ca_file);
    outcome.root = "custom " + attest::to_hex(attest::sha256(attest::cert_der(custom_root.get())));
    outcome.simulated =
        attest::subject_name(custom_root.get()).find(kSimulatedMarker) != std::string::npos;
    err << "warning: trusting " << o.root_ca_file << " instead of the Intel SGX Root CA"
        << (outcome.simulated ? " (a SIMULATED hierarchy)" : "")
        << "; results do not prove a genuine Intel enclave\n";
  }

  std::optional<attest::ParsedCollateral> collateral;
  std::shared_ptr<const attest::ParsedCollateral> fetched;
  std::vector<attest::Error> collateral_errors;
  if (o.collateral_path.empty()) {
    fetched =
        fetch_collateral(o, certificate, quote, custom_root, outcome.at, err, collateral_errors);
    if (fetched) outcome.collateral_source = fetched->raw.source;
  } else {
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
      collateral_errors.push_back({e.status(), "collateral from " + raw.source + ": " + e.what()});
    }
  }

  const attest::ParsedCollateral* coll = collateral ? &*collateral : fetched.get();
  if (!certificate.empty()) {
    attest::RatlsVerifyInput in;
    in.certificate = certificate;
    in.collateral = coll;
    in.root = custom_root.get();
    in.at = outcome.at;
    auto r = attest::verify_ratls_certificate(in);
    outcome.certificate = std::move(r.certificate);
    outcome.verification = std::move(r.quote);
    const std::size_t own = r.errors.size() - outcome.verification.errors.size();
    outcome.certificate_errors.assign(r.errors.begin(), r.errors.begin() + static_cast<long>(own));
  } else {
    attest::VerifyInput in;
    in.quote = quote;
    in.collateral = coll;
    in.root = custom_root.get();
    in.at = outcome.at;
    outcome.verification = attest::verify_quote(in);
  }
  if (!collateral_errors.empty()) {
    // The quote's own checks ran without collateral; say why there was none.
    auto& errors = outcome.verification.errors;
    std::erase_if(errors, [](const attest::Error& e) {
      return e.status == attest::Status::STATUS_MISSING_COLLATERAL;
    });
    errors.insert(errors.begin(), collateral_errors.begin(), collateral_errors.end());
  }
  if (outcome.verification.quote) {
    outcome.policy_errors = attest::apply_policy(policy, outcome.verification);
  }
  return outcome;
}

int run_verify(const VerifyOptions& o, std::ostream& out, std::ostream& err) {
  try {
    if (!o.save_cert.empty() && !o.quote_file.empty()) {
      throw UsageError("--save-cert needs a certificate to save (--cert or a URL), not --quote");
    }
    const VerifyOutcome outcome = verify_target(o, policy_from_options(o), err);
    if (o.json) {
      out << outcome_json(outcome).dump(2) << "\n";
    } else {
      print_outcome(outcome, out);
    }
    if (!o.save_cert.empty()) {
      if (outcome.accepted()) {
        save_certificate_pem(o.save_cert, outcome.certificate->cert.get());
        err << "saved the verified certificate to " << o.save_cert << "\n";
      } else {
        err << "not saving " << o.save_cert << ": the certificate was not accepted\n";
      }
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
