#include "proxy/cli/verify_report.h"

namespace ratls::proxy {

using attest::Status;
using attest::to_hex;
using nlohmann::json;

namespace {

json status_or_null(const std::optional<attest::TcbStatus>& s) {
  return s ? json(attest::tcb_status_name(*s)) : json(nullptr);
}

bool has_error(const VerifyOutcome& o, std::initializer_list<Status> statuses) {
  for (const auto& e : o.all_errors()) {
    for (Status s : statuses) {
      if (e.status == s) return true;
    }
  }
  return false;
}

const char* mark(bool ok) {
  return ok ? "\u2714" : "\u2718";
}

}  // namespace

std::vector<attest::Error> VerifyOutcome::all_errors() const {
  std::vector<attest::Error> all = certificate_errors;
  all.insert(all.end(), verification.errors.begin(), verification.errors.end());
  all.insert(all.end(), policy_errors.begin(), policy_errors.end());
  return all;
}

json outcome_json(const VerifyOutcome& o) {
  const auto& v = o.verification;
  json j;
  j["verdict"] = o.accepted() ? "accepted" : "rejected";
  j["subject_verified"] = o.subject;
  j["simulated"] = o.simulated;
  const auto* c = o.certificate ? &*o.certificate : nullptr;
  j["format"] = c ? json(attest::ratls_format_name(c->format)) : json(nullptr);
  j["binding"] = !c                           ? json(nullptr)
                 : c->binding_ok              ? json("ok")
                 : c->binding_problem.empty() ? json(nullptr)
                                              : json("mismatch");
  j["cert_sha256"] = c ? json(to_hex(c->cert_sha256)) : json(nullptr);
  j["spki_sha256"] = c ? json(to_hex(c->spki_sha256)) : json(nullptr);
  j["not_before"] = c ? json(attest::format_rfc3339(c->not_before)) : json(nullptr);
  j["not_after"] = c ? json(attest::format_rfc3339(c->not_after)) : json(nullptr);
  j["subject"] = c ? json(c->subject) : json(nullptr);
  j["enclave_x25519_public_key"] =
      c && c->enclave_x25519 ? json(to_hex(*c->enclave_x25519)) : json(nullptr);
  j["verification_time"] = attest::format_rfc3339(o.at);
  j["root_ca"] = o.root;
  j["collateral_source"] = o.collateral_source.empty() ? json(nullptr) : json(o.collateral_source);
  j["tee"] = v.quote ? json(attest::tee_name(v.quote->tee)) : json(nullptr);
  j["quote_version"] = v.quote ? json(v.quote->version) : json(nullptr);
  j["tcb_status"] = status_or_null(v.tcb_status);
  j["platform_tcb_status"] = status_or_null(v.platform_tcb_status);
  j["qe_tcb_status"] = status_or_null(v.qe_tcb_status);
  j["tcb_date"] = v.tcb_date ? json(attest::format_rfc3339(*v.tcb_date)) : json(nullptr);
  j["advisory_ids"] = v.advisory_ids;
  j["collateral_expiry"] =
      v.collateral_expiry ? json(attest::format_rfc3339(*v.collateral_expiry)) : json(nullptr);
  const attest::EnclaveReport* er =
      v.quote && v.quote->enclave_report ? &*v.quote->enclave_report : nullptr;
  const attest::TdReport* td = v.quote && v.quote->td_report ? &*v.quote->td_report : nullptr;
  j["mrenclave"] = er ? json(to_hex(er->mrenclave)) : json(nullptr);
  j["mrsigner"] = er ? json(to_hex(er->mrsigner)) : json(nullptr);
  j["isv_prod_id"] = er ? json(er->isv_prod_id) : json(nullptr);
  j["isv_svn"] = er ? json(er->isv_svn) : json(nullptr);
  j["attributes"] = er ? json(to_hex(er->attributes)) : json(nullptr);
  j["debug"] = er ? json(er->debug()) : td ? json(td->debug()) : json(nullptr);
  j["report_data"] = v.quote ? json(to_hex(v.quote->report_data())) : json(nullptr);
  if (td) {
    j["mrtd"] = to_hex(td->mrtd);
    j["rtmr"] = json::array();
    for (const auto& r : td->rtmr) j["rtmr"].push_back(to_hex(r));
    j["td_attributes"] = to_hex(td->td_attributes);
    j["tee_tcb_svn"] = to_hex(td->tee_tcb_svn);
  }
  j["fmspc"] = v.pck ? json(to_hex(v.pck->fmspc)) : json(nullptr);
  j["pce_id"] = v.pck ? json(to_hex(v.pck->pce_id)) : json(nullptr);
  j["pck_ca"] = v.pck_ca.empty() ? json(nullptr) : json(v.pck_ca);
  j["errors"] = json::array();
  for (const auto& e : o.all_errors()) {
    j["errors"].push_back({{"code", attest::status_name(e.status)}, {"message", e.message}});
  }
  return j;
}

void print_outcome(const VerifyOutcome& o, std::ostream& out) {
  const auto& v = o.verification;
  const auto errors = o.all_errors();
  if (o.accepted()) {
    out << "VERIFIED\n";
  } else {
    out << "REJECTED: " << (errors.empty() ? "verification incomplete" : errors.front().message)
        << "\n";
  }
  out << "  verified            " << o.subject << "\n";
  out << "  verification time   " << attest::format_rfc3339(o.at) << "\n";
  if (o.simulated) {
    out << "  SIMULATED           trusted root is a simulated hierarchy: no real enclave is "
           "proven\n";
  } else if (o.root != "intel") {
    out << "  trust anchor        " << o.root << " (NOT the Intel SGX Root CA)\n";
  }
  if (o.certificate) {
    const auto& c = *o.certificate;
    out << "    certificate         " << c.subject << "\n";
    out << "    valid               " << attest::format_rfc3339(c.not_before) << " .. "
        << attest::format_rfc3339(c.not_after) << "\n";
    out << "    SHA-256             " << to_hex(c.cert_sha256) << "\n";
    out << "    format              " << attest::ratls_format_name(c.format) << "\n";
  }
  if (!v.quote) {
    for (const auto& e : errors) out << "  " << mark(false) << " " << e.message << "\n";
    return;
  }
  const auto& q = *v.quote;
  const bool genuine_crypto =
      v.pck.has_value() && !has_error(o, {Status::STATUS_INVALID_QE_REPORT_SIGNATURE,
                                          Status::STATUS_INVALID_QE_REPORT_DATA,
                                          Status::STATUS_INVALID_QUOTE_SIGNATURE});
  out << "  " << mark(v.genuine()) << " genuine enclave     " << attest::tee_name(q.tee)
      << " quote v" << q.version;
  if (v.pck) out << ", FMSPC " << to_hex(v.pck->fmspc) << ", PCK CA " << v.pck_ca;
  if (!v.genuine() && genuine_crypto && !v.collateral_checked) out << " (signatures only)";
  out << "\n";
  if (q.enclave_report) {
    const auto& r = *q.enclave_report;
    out << "  " << mark(!has_error(o, {Status::STATUS_POLICY_MRSIGNER_NOT_ALLOWED}))
        << " operator signer     MRSIGNER " << to_hex(r.mrsigner) << "\n";
    out << "  " << mark(!has_error(o, {Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED}))
        << " code fingerprint    MRENCLAVE " << to_hex(r.mrenclave) << "\n";
    out << "  "
        << mark(!has_error(
               o, {Status::STATUS_POLICY_ISVPRODID_MISMATCH, Status::STATUS_POLICY_ISVSVN_TOO_LOW}))
        << " product / version   ISVPRODID " << r.isv_prod_id << ", ISVSVN " << r.isv_svn << "\n";
    out << "  " << mark(!r.debug() || !has_error(o, {Status::STATUS_POLICY_DEBUG_ENCLAVE}))
        << " production mode     " << (r.debug() ? "DEBUG enclave" : "not debug") << " (attributes "
        << to_hex(r.attributes) << ")\n";
  } else if (q.td_report) {
    out << "  - trust domain        MRTD " << to_hex(q.td_report->mrtd) << "\n";
  }
  if (o.certificate) {
    const auto& c = *o.certificate;
    out << "  " << mark(c.binding_ok) << " key binding         "
        << (c.binding_ok ? c.binding_rule
                         : (c.binding_problem.empty() ? "unknown" : c.binding_problem))
        << "\n";
    if (c.enclave_x25519) out << "    enclave X25519 key  " << to_hex(*c.enclave_x25519) << "\n";
  } else {
    out << "    report data         " << to_hex(q.report_data()) << "\n";
  }
  if (v.tcb_status) {
    out << "  "
        << mark(!has_error(
               o, {Status::STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED,
                   Status::STATUS_POLICY_ADVISORY_NOT_ALLOWED, Status::STATUS_TCB_REVOKED}))
        << " TCB status          " << attest::tcb_status_name(*v.tcb_status) << " (platform "
        << (v.platform_tcb_status ? attest::tcb_status_name(*v.platform_tcb_status) : "?")
        << ", QE " << (v.qe_tcb_status ? attest::tcb_status_name(*v.qe_tcb_status) : "?") << ")\n";
    if (!v.advisory_ids.empty()) {
      out << "    advisories         ";
      for (const auto& id : v.advisory_ids) out << " " << id;
      out << "\n";
    }
  } else {
    out << "  " << mark(false) << " TCB status          not established\n";
  }
  if (v.collateral_expiry) {
    out << "    collateral valid to " << attest::format_rfc3339(*v.collateral_expiry) << " ("
        << o.collateral_source << ")\n";
  }
  if (!errors.empty()) {
    out << "  problems:\n";
    for (const auto& e : errors) {
      out << "    " << attest::status_name(e.status) << ": " << e.message << "\n";
    }
  }
}

}  // namespace ratls::proxy
