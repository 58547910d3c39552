// `ratls-gateway verify`: one-shot verification with a human or JSON report.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "attest/policy.h"
#include "proxy/cli/verify_report.h"

namespace ratls::proxy {

struct VerifyOptions {
  std::string url;  // https://HOST[:PORT]
  std::string cert_file;
  std::string save_cert;
  int timeout_ms = 10000;
  std::string quote_file;
  std::string collateral_path;
  // Without collateral_path: the collateral service and its cache (docs/collateral.md).
  std::string pccs;       // base URL; empty: Intel PCS
  bool offline = false;   // never fetch: the cache only
  std::string cache_dir;  // empty: $XDG_CACHE_HOME/ratls-gateway/collateral
  std::string at;         // RFC 3339; empty = now
  std::string root_ca_file;
  std::vector<std::string> mrenclave;
  std::vector<std::string> mrsigner;
  std::vector<std::string> signer_key_files;
  std::optional<int> isv_prod_id;
  std::optional<int> min_isv_svn;
  bool allow_debug = false;
  std::vector<std::string> accept_tcb;
  std::vector<std::string> allow_advisories;
  bool json = false;
};

// The policy the flags describe (--mrenclave, --signer-key, --accept-tcb, ...). Throws
// std::runtime_error with a one-line reason when a flag's value is unusable.
attest::Policy policy_from_options(const VerifyOptions& options);

// What `verify` does before it prints, for commands that act on the verdict (`seal`): read the
// quote or certificate (or fetch it from options.url), get its collateral, verify it under
// options.root_ca_file or the Intel root, and apply `policy`. Warnings (a custom root, collateral
// fetching) go to `err`. Throws std::runtime_error with a one-line reason for unusable input:
// verify's exit status 2.
VerifyOutcome verify_target(const VerifyOptions& options, const attest::Policy& policy,
                            std::ostream& err);

// Exit status: 0 accepted, 1 rejected, 2 unusable input (one-line error on `err`).
int run_verify(const VerifyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
