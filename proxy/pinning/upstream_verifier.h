// The decision the gateway makes about an upstream's certificate on every new connection:
// attestation and policy (attest/), then the pin rules of design.md ("Pinning"). No sockets here,
// so it is unit-testable; the server calls it between the TLS handshake and the first byte written.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "attest/ratls_cert.h"
#include "attest/verifier.h"
#include "proxy/collateral/collateral_source.h"
#include "proxy/config/config.h"
#include "proxy/pinning/pin_store.h"

namespace ratls::proxy {

// What the verification saw beyond the Pin, for the status page's checklist (proxy/status).
struct ObservedEvidence {
  bool quote = false;          // the quote could be read (measurements are known)
  std::string tee;             // "sgx" / "tdx"
  std::string pck_ca;          // "platform" / "processor"; empty when the PCK chain was not read
  bool debug = false;          // the enclave's DEBUG attribute
  bool binding_known = false;  // the key binding could be compared at all
  bool binding_ok = false;
  std::string binding;  // the rule that held, or why it did not
};

struct UpstreamDecision {
  bool accepted = false;
  bool from_cache = false;   // same certificate, same collateral: the earlier result was reused
  bool pin_changed = false;  // the pin was created or replaced by this decision
  std::string reason;        // one line: why it was refused (empty when accepted)
  std::string advice;        // one line: what the user can do
  std::vector<attest::Error> errors;
  std::optional<Pin> observed;      // what the upstream presented, when it could be read
  std::optional<Pin> previous_pin;  // the pin before this decision
  std::string format;               // "cosmian-sgx", ...
  bool simulated = false;
  ObservedEvidence evidence;
};

class UpstreamVerifier {
 public:
  // `root` null means the built-in Intel root. `simulated_root` labels results.
  UpstreamVerifier(attest::X509Ptr root, bool simulated_root,
                   std::shared_ptr<CollateralSource> collateral, PinStore& pins);

  // Full decision for `app` presenting `leaf_der` at `now`.
  UpstreamDecision verify(const AppConfig& app, attest::ByteView leaf_der, attest::UnixTime now);
  // Ends waits for collateral (shutdown); see CollateralSource::interrupt. Thread-safe.
  void interrupt();

 private:
  struct CacheEntry {
    std::shared_ptr<const attest::ParsedCollateral>
        collateral;  // the collateral it was verified with
    attest::UnixTime valid_until;
    Pin pin;
    std::string format;
    ObservedEvidence evidence;
  };
  attest::X509Ptr root_;
  bool simulated_root_;
  std::shared_ptr<CollateralSource> collateral_;
  PinStore& pins_;
  std::mutex mutex_;
  std::map<std::string, CacheEntry> accepted_;  // app + cert SHA-256 -> result
};

// "MRENCLAVE 0e4e…: not in apps[].policy.mrenclave" style lines for a 502 page.
std::string describe_errors(const std::vector<attest::Error>& errors);

}  // namespace ratls::proxy
