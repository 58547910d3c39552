#include "attest/sim/hierarchy.h"

#include <nlohmann/json.hpp>

#include "attest/sim/pki.h"
#include "attest/sim/ratls_issuer.h"

namespace ratls::attest::sim {

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr UnixTime kHour = 3600;
constexpr UnixTime kDay = 24 * kHour;
constexpr UnixTime kYear = 365 * kDay;
// Intel issues TCB info, QE identity and PCK CRLs for about 30 days (attestation-spec §3.4).
constexpr UnixTime kCollateralWindow = 30 * kDay;

constexpr std::array<std::uint8_t, 6> kFmspc = {0x53, 0x49, 0x4d, 0x00, 0x00, 0x01};  // "SIM"...
constexpr std::uint16_t kPceSvn = 13;
// The Intel QE's MRSIGNER; the simulated QE identity declares the same value.
constexpr std::array<std::uint8_t, 32> kQeMrsigner = {
    0x8c, 0x4f, 0x57, 0x75, 0xd7, 0x96, 0x50, 0x3e, 0x96, 0x13, 0x7f, 0x77, 0xc6, 0x8a, 0x82, 0x9a,
    0x00, 0x56, 0xac, 0x8d, 0xed, 0x70, 0x14, 0x0b, 0x08, 0x1b, 0x09, 0x44, 0x90, 0xc5, 0x7b, 0xff};

[[noreturn]] void bad_files(const std::string& why) {
  fail(Status::STATUS_INVALID_PARAMETER, "simulated hierarchy: " + why);
}

// SGX TCB components as real platforms have them, with the first two (microcode) set to `level`.
std::array<std::uint8_t, 16> components(std::uint8_t level) {
  return {level, level, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
}

struct LevelSpec {
  std::uint8_t components;
  std::uint16_t pcesvn;
  TcbStatus status;
  std::vector<std::string> advisories;
};

std::string upper_hex(ByteView b) {
  std::string s = to_hex(b);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

ordered_json level_json(const ordered_json& tcb, UnixTime date, TcbStatus status,
                        const std::vector<std::string>& advisories) {
  ordered_json level;
  level["tcb"] = tcb;
  level["tcbDate"] = format_rfc3339(date);
  level["tcbStatus"] = std::string(tcb_status_name(status));
  if (!advisories.empty()) level["advisoryIDs"] = advisories;
  return level;
}

std::vector<LevelSpec> platform_levels(const HierarchyOptions& o) {
  if (o.tcb_unsupported) return {{7, 15, TcbStatus::kUpToDate, {}}};
  if (o.platform_tcb == TcbStatus::kUpToDate) {
    return {{5, kPceSvn, TcbStatus::kUpToDate, {}},
            {3, 11, TcbStatus::kOutOfDate, {"INTEL-SA-00615"}}};
  }
  return {{7, 15, TcbStatus::kUpToDate, {}},
          {5, kPceSvn, o.platform_tcb, {"INTEL-SA-00615"}},
          {3, 11, TcbStatus::kOutOfDate, {"INTEL-SA-00289", "INTEL-SA-00615"}}};
}

std::string tcb_info_body(const HierarchyOptions& o, UnixTime issue, UnixTime next) {
  ordered_json info;
  info["id"] = "SGX";
  info["version"] = 3;
  info["issueDate"] = format_rfc3339(issue);
  info["nextUpdate"] = format_rfc3339(next);
  info["fmspc"] = upper_hex(kFmspc);
  info["pceId"] = "0000";
  info["tcbType"] = 0;
  info["tcbEvaluationDataNumber"] = 17;
  ordered_json levels = ordered_json::array();
  for (const LevelSpec& l : platform_levels(o)) {
    ordered_json comps = ordered_json::array();
    for (std::uint8_t svn : components(l.components)) comps.push_back({{"svn", svn}});
    ordered_json tcb;
    tcb["sgxtcbcomponents"] = comps;
    tcb["pcesvn"] = l.pcesvn;
    levels.push_back(level_json(tcb, o.now - kYear, l.status, l.advisories));
  }
  info["tcbLevels"] = levels;
  return info.dump();
}

std::string qe_identity_body(UnixTime now, UnixTime issue, UnixTime next) {
  ordered_json id;
  id["id"] = "QE";
  id["version"] = 2;
  id["issueDate"] = format_rfc3339(issue);
  id["nextUpdate"] = format_rfc3339(next);
  id["tcbEvaluationDataNumber"] = 17;
  id["miscselect"] = "00000000";
  id["miscselectMask"] = "FFFFFFFF";
  id["attributes"] = "11000000000000000000000000000000";
  id["attributesMask"] = "FBFFFFFFFFFFFFFF0000000000000000";
  id["mrsigner"] = upper_hex(kQeMrsigner);
  id["isvprodid"] = 1;
  ordered_json levels = ordered_json::array();
  levels.push_back(level_json({{"isvsvn", 8}}, now - kYear, TcbStatus::kUpToDate, {}));
  levels.push_back(
      level_json({{"isvsvn", 6}}, now - 2 * kYear, TcbStatus::kOutOfDate, {"INTEL-SA-00615"}));
  levels.push_back(level_json({{"isvsvn", 5}}, now - 3 * kYear, TcbStatus::kOutOfDate,
                              {"INTEL-SA-00477", "INTEL-SA-00615"}));
  id["tcbLevels"] = levels;
  return id.dump();
}

SignedJson sign_json(std::string body, EVP_PKEY* key) {
  const auto sig = sign_raw(key, as_bytes(body));
  return {std::move(body), Bytes(sig.begin(), sig.end())};
}

std::string response_body(const char* member, const SignedJson& item) {
  return std::string("{\"") + member + "\":" + item.body + ",\"signature\":\"" +
         to_hex(item.signature) + "\"}";
}

const std::string& file(const std::map<std::string, std::string>& files, const std::string& name) {
  auto it = files.find(name);
  if (it == files.end()) bad_files(name + " is missing");
  return it->second;
}

X509Ptr cert_file(const std::map<std::string, std::string>& files, const std::string& name) {
  try {
    return parse_certificate(as_bytes(file(files, name)), Status::STATUS_INVALID_PARAMETER);
  } catch (const AttestError& e) {
    bad_files(name + ": " + e.what());
  }
}

EvpPkeyPtr key_file(const std::map<std::string, std::string>& files, const std::string& name) {
  try {
    return load_private_key_pem(file(files, name));
  } catch (const AttestError& e) {
    bad_files(name + ": " + e.what());
  }
}

}  // namespace

QuotingEnclave Hierarchy::quoting_enclave() const {
  QuotingEnclave qe;
  qe.attestation_key = attestation_key.get();
  qe.pck_key = pck_key.get();
  qe.pck_chain_pem =
      certificate_pem(pck.get()) + certificate_pem(pck_ca.get()) + certificate_pem(root.get());
  qe.qe_mrsigner = kQeMrsigner;
  qe.qe_isv_prod_id = 1;
  qe.qe_isv_svn = qe_isv_svn;
  qe.pce_svn = kPceSvn;
  return qe;
}

Hierarchy create_hierarchy(const HierarchyOptions& o) {
  static constexpr TcbStatus kPlatformStatuses[] = {TcbStatus::kUpToDate,
                                                    TcbStatus::kSWHardeningNeeded,
                                                    TcbStatus::kConfigurationNeeded,
                                                    TcbStatus::kConfigurationAndSWHardeningNeeded,
                                                    TcbStatus::kOutOfDate,
                                                    TcbStatus::kOutOfDateConfigurationNeeded,
                                                    TcbStatus::kRevoked};
  if (std::find(std::begin(kPlatformStatuses), std::end(kPlatformStatuses), o.platform_tcb) ==
      std::end(kPlatformStatuses)) {
    fail(Status::STATUS_INVALID_PARAMETER, "platform TCB status " +
                                               std::string(tcb_status_name(o.platform_tcb)) +
                                               " is not an SGX platform status");
  }
  const std::string org(kSimulatedOrganization);
  const std::string tag = o.seed ? "seed " + *o.seed : "time " + std::to_string(o.now);
  Hierarchy h;
  h.root_key = make_p256_key(o.seed, "root");
  h.pck_ca_key = make_p256_key(o.seed, "pck-ca");
  h.pck_key = make_p256_key(o.seed, "pck");
  h.tcb_signing_key = make_p256_key(o.seed, "tcb-signing");
  h.attestation_key = make_p256_key(o.seed, "attestation");
  h.qe_isv_svn = o.qe_isv_svn;

  const UnixTime start = o.now - kDay;
  h.root = issue_certificate({"ratls-gateway simulation SGX Root CA", org, tag + " root", start,
                              o.now + 20 * kYear, true, 1, std::nullopt},
                             h.root_key.get(), nullptr, h.root_key.get());
  h.pck_ca = issue_certificate({"Intel SGX PCK Platform CA", org, tag + " pck-ca", start,
                                o.now + 10 * kYear, true, 0, std::nullopt},
                               h.pck_ca_key.get(), h.root.get(), h.root_key.get());
  PckExtension sgx;
  const Bytes ppid = sha256(as_bytes(tag + " ppid"));
  std::copy_n(ppid.begin(), 16, sgx.ppid.begin());
  sgx.tcb_components = components(5);
  sgx.cpusvn = components(5);
  sgx.pcesvn = kPceSvn;
  sgx.fmspc = kFmspc;
  sgx.sgx_type = 0;
  h.pck = issue_certificate({"Intel SGX PCK Certificate", org, tag + " pck", start,
                             o.now + 7 * kYear, false, std::nullopt, sgx},
                            h.pck_key.get(), h.pck_ca.get(), h.pck_ca_key.get());
  h.tcb_signing = issue_certificate({"Intel SGX TCB Signing", org, tag + " tcb-signing", start,
                                     o.now + 7 * kYear, false, std::nullopt, std::nullopt},
                                    h.tcb_signing_key.get(), h.root.get(), h.root_key.get());

  std::vector<const X509*> revoked_cas;
  if (o.revoke_pck_ca) revoked_cas.push_back(h.pck_ca.get());
  std::vector<const X509*> revoked_pcks;
  if (o.revoke_pck) revoked_pcks.push_back(h.pck.get());
  const X509CrlPtr root_crl =
      issue_crl(h.root.get(), h.root_key.get(), o.now - kHour, o.now + kYear, revoked_cas);
  const X509CrlPtr pck_crl = issue_crl(h.pck_ca.get(), h.pck_ca_key.get(), o.now - kHour,
                                       o.now + kCollateralWindow, revoked_pcks);

  const UnixTime issue = o.expired_collateral ? o.now - kCollateralWindow - kHour : o.now - kHour;
  const UnixTime next = issue + kCollateralWindow;
  Collateral& c = h.collateral;
  c.tcb_info = sign_json(tcb_info_body(o, issue, next), h.tcb_signing_key.get());
  c.qe_identity = sign_json(qe_identity_body(o.now, issue, next), h.tcb_signing_key.get());
  c.tcb_info_issuer_chain = certificate_pem(h.tcb_signing.get()) + certificate_pem(h.root.get());
  c.qe_identity_issuer_chain = c.tcb_info_issuer_chain;
  const std::string pck_crl_text = crl_pem(pck_crl.get());
  const std::string root_crl_text = crl_pem(root_crl.get());
  c.pck_crl.assign(pck_crl_text.begin(), pck_crl_text.end());
  c.root_ca_crl.assign(root_crl_text.begin(), root_crl_text.end());
  c.pck_crl_issuer_chain = certificate_pem(h.pck_ca.get()) + certificate_pem(h.root.get());
  c.source = "simulated hierarchy";
  return h;
}

std::map<std::string, std::string> hierarchy_files(const Hierarchy& h) {
  const Collateral& c = h.collateral;
  std::map<std::string, std::string> f;
  f["root_ca.pem"] = certificate_pem(h.root.get());
  f["collateral/tcb_info.json"] = response_body("tcbInfo", c.tcb_info);
  f["collateral/qe_identity.json"] = response_body("enclaveIdentity", c.qe_identity);
  f["collateral/tcb_info_issuer_chain.pem"] = c.tcb_info_issuer_chain;
  f["collateral/qe_identity_issuer_chain.pem"] = c.qe_identity_issuer_chain;
  f["collateral/pck_crl.pem"] = std::string(as_chars(c.pck_crl));
  f["collateral/root_ca_crl.pem"] = std::string(as_chars(c.root_ca_crl));
  f["collateral/pck_crl_issuer_chain.pem"] = c.pck_crl_issuer_chain;
  f["certs/pck_ca.pem"] = certificate_pem(h.pck_ca.get());
  f["certs/pck.pem"] = certificate_pem(h.pck.get());
  f["certs/tcb_signing.pem"] = certificate_pem(h.tcb_signing.get());
  f["private/root_ca.key"] = private_key_pem(h.root_key.get());
  f["private/pck_ca.key"] = private_key_pem(h.pck_ca_key.get());
  f["private/pck.key"] = private_key_pem(h.pck_key.get());
  f["private/tcb_signing.key"] = private_key_pem(h.tcb_signing_key.get());
  f["private/attestation.key"] = private_key_pem(h.attestation_key.get());
  ordered_json meta;
  meta["simulated"] = true;
  meta["warning"] = "Test hierarchy of ratls-gateway. Never trust it for real enclaves.";
  meta["qe_isv_svn"] = h.qe_isv_svn;
  f["hierarchy.json"] = meta.dump(2) + "\n";
  return f;
}

Hierarchy load_hierarchy(const std::map<std::string, std::string>& files) {
  Hierarchy h;
  h.root = cert_file(files, "root_ca.pem");
  h.pck_ca = cert_file(files, "certs/pck_ca.pem");
  h.pck = cert_file(files, "certs/pck.pem");
  h.tcb_signing = cert_file(files, "certs/tcb_signing.pem");
  h.root_key = key_file(files, "private/root_ca.key");
  h.pck_ca_key = key_file(files, "private/pck_ca.key");
  h.pck_key = key_file(files, "private/pck.key");
  h.tcb_signing_key = key_file(files, "private/tcb_signing.key");
  h.attestation_key = key_file(files, "private/attestation.key");
  try {
    const auto meta = nlohmann::json::parse(file(files, "hierarchy.json"));
    h.qe_isv_svn = meta.at("qe_isv_svn").get<std::uint16_t>();
  } catch (const nlohmann::json::exception& e) {
    bad_files(std::string("hierarchy.json: ") + e.what());
  }
  std::map<std::string, Bytes> collateral;
  const std::string prefix = "collateral/";
  for (const auto& [name, content] : files) {
    if (name.rfind(prefix, 0) == 0)
      collateral[name.substr(prefix.size())] = Bytes(content.begin(), content.end());
  }
  try {
    h.collateral = collateral_from_files(collateral);
  } catch (const AttestError& e) {
    bad_files(std::string("collateral/: ") + e.what());
  }
  h.collateral.source = "simulated hierarchy";
  return h;
}

IssuedCertificate issue_ratls_certificate(const Hierarchy& h, const IssueOptions& o) {
  if (o.format == RatlsFormat::kCosmianTdx) {
    fail(Status::STATUS_INVALID_PARAMETER, "the simulated hierarchy issues SGX quotes only");
  }
  if (o.binding &&
      (o.format == RatlsFormat::kGramineDice ||
       (*o.binding != RatlsFormat::kCosmianSgx && *o.binding != RatlsFormat::kGramineLegacy))) {
    fail(Status::STATUS_INVALID_PARAMETER,
         "another binding rule is for the cosmian and gramine formats, with the cosmian or "
         "gramine rule");
  }
  IssuedCertificate out;
  const bool gramine =
      o.format == RatlsFormat::kGramineLegacy || o.format == RatlsFormat::kGramineDice;
  out.key = gramine ? generate_tls_key(o.format) : make_p256_key(o.seed, "tls");
  EvpPkeyPtr other = o.bind_other_key ? generate_tls_key(o.format) : nullptr;
  EVP_PKEY* bound = other ? other.get() : out.key.get();

  const QuotingEnclave qe = h.quoting_enclave();
  EnclaveSpec enclave = o.enclave;
  Bytes dice_quote;
  Bytes dice_claims;
  if (o.format == RatlsFormat::kGramineDice) {
    dice_claims = dice_claims_for(bound);
    enclave.report_data = binding_report_data(o.format, bound, dice_claims);
    dice_quote = build_sgx_quote(enclave, qe);
    // Gramine 1.8 also carries a legacy quote bound to the SPKI beside the DICE evidence.
    enclave.report_data = binding_report_data(RatlsFormat::kGramineLegacy, bound);
    out.quote = dice_quote;
  } else {
    enclave.report_data = binding_report_data(o.binding.value_or(o.format), bound, {}, o.x25519);
    out.quote = build_sgx_quote(enclave, qe);
  }
  const Bytes legacy_quote =
      o.format == RatlsFormat::kGramineDice ? build_sgx_quote(enclave, qe) : out.quote;
  out.cert = build_ratls_certificate(out.key.get(), o.format, legacy_quote, o.certificate,
                                     dice_quote, dice_claims);
  return out;
}

}  // namespace ratls::attest::sim
