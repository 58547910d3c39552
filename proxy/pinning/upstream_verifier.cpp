#include "proxy/pinning/upstream_verifier.h"

#include <filesystem>
#include <functional>
#include <optional>

#include "attest/policy.h"
#include "proxy/common/file_io.h"

namespace ratls::proxy {

namespace {

Pin pin_of(const attest::RatlsVerification& v, attest::UnixTime now, bool simulated) {
  Pin p;
  const auto& c = *v.certificate;
  p.cert_sha256 = attest::to_hex(c.cert_sha256);
  p.spki_sha256 = attest::to_hex(c.spki_sha256);
  if (v.quote.quote && v.quote.quote->enclave_report) {
    const auto& r = *v.quote.quote->enclave_report;
    p.mrenclave = attest::to_hex(r.mrenclave);
    p.mrsigner = attest::to_hex(r.mrsigner);
    p.isv_prod_id = r.isv_prod_id;
    p.isv_svn = r.isv_svn;
  }
  if (v.quote.tcb_status) p.tcb_status = std::string(attest::tcb_status_name(*v.quote.tcb_status));
  p.advisory_ids = v.quote.advisory_ids;
  p.collateral_expiry = v.quote.collateral_expiry.value_or(0);
  p.verified_at = now;
  p.simulated = simulated;
  return p;
}

ObservedEvidence evidence_of(const attest::RatlsVerification& v) {
  ObservedEvidence e;
  const auto& q = v.quote.quote;
  e.quote = q.has_value();
  if (q) {
    e.tee = std::string(attest::tee_name(q->tee));
    e.debug =
        q->enclave_report ? q->enclave_report->debug() : q->td_report && q->td_report->debug();
  }
  e.pck_ca = v.quote.pck_ca;
  if (v.certificate) {
    const auto& c = *v.certificate;
    e.binding_ok = c.binding_ok;
    e.binding_known = c.binding_ok || !c.binding_problem.empty();
    e.binding = c.binding_ok ? c.binding_rule : c.binding_problem;
  }
  return e;
}

std::string short_hex(const std::string& hex) {
  return hex.size() > 16 ? hex.substr(0, 16) + "…" : hex;
}

// Runs a pin store mutation; what went wrong, if anything (verify() never throws: an exception
// escaping it would close the client's connection without a word).
std::optional<PinStoreError> write_pins(const PinStore& pins, const std::function<void()>& write) {
  try {
    write();
    return std::nullopt;
  } catch (const PinStoreError& e) {
    return e;
  } catch (const std::exception& e) {
    return PinStoreError(PinStoreError::Operation::kWrite, pins.path(), e.what(), e.what());
  }
}

// A decision that had to record a pin (or a pending candidate) and could not is a refusal: serving
// an app whose trust on first use was never written down would let a later, different measurement
// be pinned as "first" again. Other refusals already in `d` stay listed after this one.
void refuse_for_pin_store(UpstreamDecision& d, const PinStoreError& e) {
  const bool read = e.operation() == PinStoreError::Operation::kRead;
  d.accepted = false;
  d.pin_changed = false;
  d.reason = "the pin store " + e.path() + " cannot be " + (read ? "read" : "written") + ": " +
             e.problem();
  const std::string dir = std::filesystem::path(e.path()).parent_path().string();
  d.advice = read ? "fix or remove " + e.path() +
                        " (removing it forgets every pin); the gateway never overwrites a file it "
                        "cannot read, and records no pin until it can"
                  : "make " + dir +
                        " a directory this user can write to; the pin store was left unchanged";
  d.errors.insert(d.errors.begin(), {attest::Status::STATUS_PIN_STORE_UNUSABLE, d.reason});
}

}  // namespace

std::string describe_errors(const std::vector<attest::Error>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += std::string(attest::status_name(e.status)) + ": " + e.message;
  }
  return out;
}

UpstreamVerifier::UpstreamVerifier(attest::X509Ptr root, bool simulated_root,
                                   std::shared_ptr<CollateralSource> collateral, PinStore& pins)
    : root_(std::move(root)),
      simulated_root_(simulated_root),
      collateral_(std::move(collateral)),
      pins_(pins) {}

UpstreamDecision UpstreamVerifier::verify(const AppConfig& app, attest::ByteView leaf_der,
                                          attest::UnixTime now) {
  UpstreamDecision d;
  d.simulated = simulated_root_;
  try {
    pins_.reload_if_changed();
  } catch (const std::exception&) {
    // A broken pins file must not weaken anything: the last good pins stay in force, and a
    // decision that must record a pin fails below (the write re-reads the file first).
  }
  const std::optional<PinEntry> entry = pins_.get(app.name);
  if (entry && entry->pin) d.previous_pin = entry->pin;
  const std::string cert_hash = attest::to_hex(attest::sha256(leaf_der));

  std::string problem;
  // Collateral depends on the quote (TEE, FMSPC, PCK CA). Without a readable quote there is none to
  // ask for, and the verification below fails with the certificate's own error.
  const std::optional<CollateralKey> key = collateral_key_for_certificate(leaf_der);
  std::shared_ptr<const attest::ParsedCollateral> collateral =
      collateral_ && key ? collateral_->get_for(*key, now, problem) : nullptr;
  if (!collateral_) problem = "no collateral source is configured (set collateral.offline)";

  // Same certificate, same collateral, still inside every validity window, and still the pinned
  // one: nothing the verification looked at can have changed.
  {
    std::lock_guard lock(mutex_);
    auto it = accepted_.find(app.name + "/" + cert_hash);
    if (it != accepted_.end() && it->second.collateral == collateral && collateral &&
        now <= it->second.valid_until && d.previous_pin &&
        d.previous_pin->cert_sha256 == cert_hash) {
      d.accepted = true;
      d.from_cache = true;
      d.observed = it->second.pin;
      d.format = it->second.format;
      d.evidence = it->second.evidence;
      return d;
    }
  }

  attest::RatlsVerifyInput in;
  in.certificate = leaf_der;
  in.collateral = collateral.get();
  in.root = root_.get();
  in.at = now;
  attest::RatlsVerification v = attest::verify_ratls_certificate(in);
  if (v.certificate) {
    d.format = std::string(attest::ratls_format_name(v.certificate->format));
    d.observed = pin_of(v, now, simulated_root_);
  }
  d.evidence = evidence_of(v);
  d.errors = v.errors;
  if (!collateral && !problem.empty()) {
    std::erase_if(d.errors, [](const attest::Error& e) {
      return e.status == attest::Status::STATUS_MISSING_COLLATERAL;
    });
    d.errors.insert(d.errors.begin(), {attest::Status::STATUS_MISSING_COLLATERAL, problem});
  }
  if (v.quote.quote) {
    for (auto& e : attest::apply_policy(app.policy, v.quote)) d.errors.push_back(std::move(e));
  }
  if (!d.errors.empty()) {
    d.reason = d.errors.front().message;
    d.advice = d.errors.front().status == attest::Status::STATUS_NOT_RATLS_CERTIFICATE
                   ? "the upstream is not an enclave app with an RA-TLS certificate; if you trust "
                     "its owner, "
                     "use \"mode\": \"webpki\" for this app"
                   : "check the app's policy in the configuration, or the collateral if it expired";
    return d;
  }

  // Trust on first use of the measurements when the configuration does not name them.
  if (!app.measurement_policy && d.previous_pin &&
      (d.previous_pin->mrenclave != d.observed->mrenclave ||
       d.previous_pin->mrsigner != d.observed->mrsigner)) {
    d.reason = "the enclave's measurement changed from MRENCLAVE " +
               short_hex(d.previous_pin->mrenclave) + " to " + short_hex(d.observed->mrenclave) +
               " (MRSIGNER " + short_hex(d.observed->mrsigner) + ") and no policy allows it";
    d.advice = "if this redeploy is expected, run: ratls-gateway pins accept " + app.name;
    d.errors.push_back({attest::Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED, d.reason});
    // Without the candidate on disk `pins accept` cannot work: the pin store comes first.
    if (auto failed =
            write_pins(pins_, [&] { pins_.set_pending(app.name, *d.observed, d.reason); })) {
      refuse_for_pin_store(d, *failed);
    }
    return d;
  }
  if (!d.previous_pin || d.previous_pin->cert_sha256 != cert_hash) {
    if (auto failed = write_pins(pins_, [&] { pins_.set_pin(app.name, *d.observed); })) {
      refuse_for_pin_store(d, *failed);
      return d;
    }
    d.pin_changed = true;
  }
  d.accepted = true;
  attest::UnixTime valid_until = collateral_expiry(*collateral);
  if (v.certificate) valid_until = std::min(valid_until, v.certificate->not_after);
  std::lock_guard lock(mutex_);
  accepted_[app.name + "/" + cert_hash] = {collateral, valid_until, *d.observed, d.format,
                                           d.evidence};
  return d;
}

void UpstreamVerifier::interrupt() {
  if (collateral_) collateral_->interrupt();
}

}  // namespace ratls::proxy
