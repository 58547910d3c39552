// What `run` and `demo` share: the trust anchor and collateral source a configuration names, and
// serving until a signal stops the daemon.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "attest/x509.h"
#include "proxy/cli/verify_command.h"
#include "proxy/collateral/collateral_source.h"
#include "proxy/config/config.h"
#include "proxy/server/gateway_server.h"

namespace ratls::proxy {

struct Trust {
  attest::X509Ptr root;
  bool simulated = false;
  std::string simulated_dir;  // set when root_ca names a simulated hierarchy directory
};

// trust.root_ca: "intel", a PEM/DER file, or a simulated hierarchy's directory. ConfigError when
// it cannot be read.
Trust load_trust(const std::string& root_ca);

// The offline directory, the simulated hierarchy's collateral, or Intel PCS / the PCCS with a disk
// cache. ConfigError when it cannot be set up.
std::shared_ptr<CollateralSource> collateral_for(const Config& c, const Trust& t);

// Points `v` (for verify_target) at what the daemon would use for `c`: the configured trust anchor
// and collateral_for's choice of collateral. `keep_collateral`: collateral flags already in `v`
// stay (seal --app lets the command line choose them).
void use_configured_sources(const Config& c, VerifyOptions& v, bool keep_collateral = false);

// Creates state_dir (0700), starts the gateway, prints `banner` once it listens, serves until
// SIGINT/SIGTERM. `reload` re-reads the configuration on SIGHUP (empty: no reload). Exit status:
// 0 after a clean stop, 1 when it cannot start, 2 for a configuration error.
int serve(Config config, Trust trust, std::ostream& out, std::ostream& err,
          const std::string& banner, std::function<GatewayOptions()> reload = {}, int threads = 0);

}  // namespace ratls::proxy
