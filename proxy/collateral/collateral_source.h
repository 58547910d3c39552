// Where the verifier gets collateral from: an interface with two implementations, a directory of
// files (offline) and the network fetcher with its disk cache (collateral_fetcher.h).
#pragma once

#include <memory>
#include <string>

#include "attest/verifier.h"
#include "proxy/collateral/collateral_key.h"

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

// The earliest nextUpdate of its TCB info, QE identity and CRLs: when it stops being usable.
attest::UnixTime collateral_expiry(const attest::ParsedCollateral& c);

// A directory in the layout of `verify --collateral DIR`.
std::unique_ptr<CollateralSource> make_directory_collateral_source(std::string dir);

}  // namespace ratls::proxy
