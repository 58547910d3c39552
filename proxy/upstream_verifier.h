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
#include "proxy/collateral_key.h"
#include "proxy/config.h"
#include "proxy/pin_store.h"

namespace ratls::proxy {

// Where collateral comes from. Offline directories are read once and re-read when their items
// approach expiry; issue 4's fetcher plugs in here.
class CollateralSource {
 public:
  virtual ~CollateralSource() = default;
  // Collateral usable at `now`, or nullptr with `problem` saying why (fail closed).
  virtual std::shared_ptr<const attest::ParsedCollateral> get(attest::UnixTime now,
                                                              std::string& problem) = 0;
  // Collateral for a quote with `key` (its TEE, FMSPC and PCK CA). Sources holding one fixed set
  // (an offline directory) ignore the key; the network fetcher needs it, and may block for a
  // bounded time while it fetches.
  virtual std::shared_ptr<const attest::ParsedCollateral> get_for(const CollateralKey& key,
                                                                  attest::UnixTime now,
                                                                  std::string& problem) {
    (void)key;
    return get(now, problem);
  }
  // The process is shutting down: calls waiting for fetches return at once (failing closed), and
  // later ones do not wait. Sources that never wait ignore it. Thread-safe.
  virtual void interrupt() {}
};

// A directory in the layout of `verify --collateral DIR`.
std::unique_ptr<CollateralSource> make_directory_collateral_source(std::string dir);

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
