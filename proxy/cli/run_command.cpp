#include "proxy/cli/run_command.h"

#include <filesystem>

#include "proxy/cli/daemon_startup.h"
#include "proxy/common/log.h"

namespace ratls::proxy {

int run_gateway(const RunOptions& o, std::ostream& out, std::ostream& err) {
  if (!set_log_level(o.log_level)) {
    err << "ratls-gateway run: --log-level " << o.log_level
        << ": expected debug, info, warning or error\n";
    return 2;
  }
  Config config;
  Trust trust;
  // Only the default file may be missing: that is a fresh account (the socket unit enabled before
  // any `apps add`), served with no apps. A --config FILE that does not exist is a mistake.
  const bool default_path = o.config_path.empty();
  std::string path;
  try {
    path = default_path ? default_config_path(ConfigEnvironment::from_process(""))
                        : std::filesystem::absolute(o.config_path).string();
    config = default_path ? load_config_or_empty(path) : load_config(path);
    trust = load_trust(config.root_ca);
  } catch (const ConfigError& e) {
    err << "ratls-gateway run: " << e.what() << "\n";
    return 2;
  }
  if (config.file_missing) {
    log(LogLevel::kInfo,
        "no configuration file " + path + ": serving no apps; " + std::string(kNoAppsHint));
  }
  if (trust.simulated) {
    log(LogLevel::kWarning,
        "trusting a SIMULATED hierarchy (" + config.root_ca + "): no real enclave is proven");
  } else if (trust.root) {
    log(LogLevel::kWarning, "trusting " + config.root_ca + " instead of the Intel SGX Root CA");
  }
  std::string banner;
  for (const auto& l : config.listen) {
    banner += "ratls-gateway: status page http://" + (l.host == "::1" ? "[::1]" : l.host) + ":" +
              std::to_string(l.port) + "/\n";
    if (config.apps.empty()) banner += "  " + std::string(kNoAppsHint) + "\n";
    for (const auto& app : config.apps) {
      banner += "  " + app.name + ": http://" + app.name + ".localhost:" + std::to_string(l.port) +
                "/ -> " + app.upstream + "\n";
    }
  }
  // SIGHUP: the same steps as at start-up; any exception keeps the running configuration.
  auto reload = [path, default_path]() {
    GatewayOptions next;
    next.config = default_path ? load_config_or_empty(path) : load_config(path);
    Trust t = load_trust(next.config.root_ca);
    next.collateral = collateral_for(next.config, t);
    next.simulated_root = t.simulated;
    next.root = std::move(t.root);
    return next;
  };
  return serve(std::move(config), std::move(trust), out, err, banner, reload, o.threads);
}

}  // namespace ratls::proxy
