// Collateral from Intel PCS (API v4) or a PCCS-compatible cache, verified before it is kept, cached
// on disk, refreshed ahead of expiry and refused after it (attestation-spec §3,
// docs/collateral.md).
//
// Threading: the fetcher runs its own io_context on a background thread. get_for() may be called
// from any thread (the gateway calls it from its own io_context thread): it returns at once when
// every item is usable (starting a background refresh when one is due), and otherwise waits for the
// fetches it needs, at most `wait_timeout`, then fails closed with a message naming each missing
// item and where it comes from.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "attest/time.h"
#include "attest/x509.h"
#include "proxy/collateral/pcs_client.h"
#include "proxy/collateral/collateral_source.h"

namespace ratls::proxy {

inline constexpr std::string_view kIntelPcsBaseUrl = "https://api.trustedservices.intel.com";
// The Intel SGX Root CA's CRL distribution point, for the root CA CRL when talking to Intel PCS
// (which has no /rootcacrl endpoint).
inline constexpr std::string_view kIntelRootCaCrlUrl =
    "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

struct CollateralFetcherOptions {
  // Service base URL, without /sgx/certification/v4 (a trailing one is tolerated). Empty: Intel
  // PCS.
  std::string base_url;
  // Where the root CA CRL comes from. Empty: the root's distribution point for Intel PCS,
  // <base>/sgx/certification/v4/rootcacrl for any other service.
  std::string root_ca_crl_url;
  // Disk cache directory (created when needed). Empty: memory only.
  std::string cache_dir;
  // Never use the network: only what the disk cache holds.
  bool offline = false;
  // The pinned root everything must chain to. Null: the built-in Intel SGX Root CA.
  attest::X509Ptr root;
  HttpsClientOptions https;
  // The longest get_for() waits for fetches before failing closed.
  std::chrono::milliseconds wait_timeout{45000};
  // A usable item is refreshed when half of its remaining window (as of its fetch) has passed,
  // but not sooner than `min_refresh` nor later than `max_refresh` after its fetch.
  attest::UnixTime min_refresh = 300;
  attest::UnixTime max_refresh = 86400;
  // After a failed fetch, the item is not fetched again before this much time, doubling up to
  // `max_backoff` while failures continue.
  attest::UnixTime initial_backoff = 30;
  attest::UnixTime max_backoff = 3600;
  // Scheduled refresh: every `refresh_every`, items asked for before are refreshed when due (and
  // fetched again once expired) without waiting for the next get_for(), so a daemon that saw no
  // connection for a while still holds fresh collateral. `clock` gives the time fetched items are
  // verified at. Off unless both are set (the CLI and tests pass their own verification times).
  std::chrono::milliseconds refresh_every{0};
  std::function<attest::UnixTime()> clock;
  // Warnings nobody else would see (background refresh failed, cache file ignored, cache not
  // written). Called from any thread, never with a lock held.
  std::function<void(const std::string&)> warn;
};

class CollateralFetcher : public CollateralSource {
 public:
  // Throws std::runtime_error for an unusable base URL or CA file.
  explicit CollateralFetcher(CollateralFetcherOptions options);
  ~CollateralFetcher() override;
  CollateralFetcher(const CollateralFetcher&) = delete;
  CollateralFetcher& operator=(const CollateralFetcher&) = delete;

  // Collateral depends on the quote: without a key there is nothing to fetch.
  std::shared_ptr<const attest::ParsedCollateral> get(attest::UnixTime now,
                                                      std::string& problem) override;
  // Waits in get_for() end at once, failing closed ("shutting down"), and later calls do not wait.
  void interrupt() override;
  // Usable collateral for `key` at `now` (which is also the time fetched items are verified at), or
  // nullptr with `problem` saying which item is missing or expired, where it comes from and why.
  // The same pointer is returned as long as none of the four items changed.
  std::shared_ptr<const attest::ParsedCollateral> get_for(const CollateralKey& key,
                                                          attest::UnixTime now,
                                                          std::string& problem) override;

  // Number of HTTPS requests started so far.
  std::size_t fetches_started() const;
  // Waits until no fetch is in flight (background refreshes included); false after `timeout`.
  bool wait_idle(std::chrono::milliseconds timeout);

  const std::string& base_url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// $XDG_CACHE_HOME/ratls-gateway/collateral (or $HOME/.cache/...); empty when neither is set.
std::string default_collateral_cache_dir();

}  // namespace ratls::proxy
