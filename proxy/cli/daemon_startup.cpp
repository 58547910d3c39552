#include "proxy/cli/daemon_startup.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "attest/sim/hierarchy.h"
#include "attest/sim/pki.h"
#include "proxy/collateral/collateral_fetcher.h"
#include "proxy/common/clock.h"
#include "proxy/common/file_io.h"
#include "proxy/common/log.h"

namespace ratls::proxy {

namespace {

namespace fs = std::filesystem;

// A state_dir that existed before is left as its owner made it (it may be shared on purpose), but
// its mode is worth a warning: what it holds is private (pins.json, the local CA's key).
void warn_if_shared(const std::string& state_dir) {
  struct stat st {};
  if (::stat(state_dir.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  log(LogLevel::kWarning,
      "state_dir " + state_dir + " has mode " + mode + ": other users can " +
          ((st.st_mode & 022) ? "replace the pins and the local CA in it" : "see what it holds") +
          "; run: chmod 700 " + state_dir);
}

}  // namespace

// trust.root_ca: "intel", a PEM/DER file, or a simulated hierarchy's directory.
Trust load_trust(const std::string& root_ca) {
  Trust t;
  if (root_ca == "intel") return t;
  std::string file = root_ca;
  std::error_code ec;
  if (fs::is_directory(root_ca, ec)) {
    file = (fs::path(root_ca) / "root_ca.pem").string();
    t.simulated_dir = root_ca;
  }
  try {
    t.root = attest::parse_certificate(read_file(file),
                                       attest::Status::STATUS_TRUSTED_ROOT_CA_UNSUPPORTED_FORMAT);
  } catch (const std::exception& e) {
    throw ConfigError("trust.root_ca: " + std::string(e.what()));
  }
  t.simulated =
      attest::subject_name(t.root.get()).find(std::string(attest::sim::kSimulatedOrganization)) !=
      std::string::npos;
  if (!t.simulated) t.simulated_dir.clear();
  return t;
}

std::shared_ptr<CollateralSource> collateral_for(const Config& c, const Trust& t) {
  if (!c.collateral.offline.empty()) return make_directory_collateral_source(c.collateral.offline);
  if (!t.simulated_dir.empty())
    return make_directory_collateral_source((fs::path(t.simulated_dir) / "collateral").string());
  // Intel PCS or the configured PCCS, cached in collateral.cache_dir (docs/collateral.md).
  CollateralFetcherOptions fo;
  fo.base_url = c.collateral.pccs;
  fo.cache_dir = c.collateral.cache_dir;
  if (t.root) fo.root = attest::clone(t.root);
  fo.warn = [](const std::string& m) { log(LogLevel::kWarning, m); };
  fo.refresh_every = std::chrono::minutes(1);
  fo.clock = now_utc;
  try {
    return std::make_shared<CollateralFetcher>(std::move(fo));
  } catch (const std::exception& e) {
    throw ConfigError("collateral.pccs: " + std::string(e.what()));
  }
}

void use_configured_sources(const Config& c, VerifyOptions& v, bool keep_collateral) {
  if (c.root_ca != "intel") v.root_ca_file = c.root_ca;
  if (keep_collateral) return;
  const Trust trust = load_trust(c.root_ca);
  if (!c.collateral.offline.empty()) {
    v.collateral_path = c.collateral.offline;
  } else if (!trust.simulated_dir.empty()) {
    v.collateral_path = (fs::path(trust.simulated_dir) / "collateral").string();
  } else {
    v.pccs = c.collateral.pccs;
    v.cache_dir = c.collateral.cache_dir;
  }
}

int serve(Config config, Trust trust, std::ostream& out, std::ostream& err,
          const std::string& banner, std::function<GatewayOptions()> reload, int threads) {
  try {
    // 0700 for state_dir and any parent made for it (~/.local/state when missing).
    create_private_directories(config.state_dir);
  } catch (const std::exception& e) {
    err << "ratls-gateway: state_dir: " << e.what() << "\n";
    return 1;
  }
  warn_if_shared(config.state_dir);
  GatewayOptions o;
  try {
    o.collateral = collateral_for(config, trust);
  } catch (const std::exception& e) {
    err << "ratls-gateway: " << e.what() << "\n";
    return 2;
  }
  o.config = std::move(config);
  o.simulated_root = trust.simulated;
  o.root = std::move(trust.root);
  o.reload = std::move(reload);
  o.threads = threads;
  try {
    GatewayServer server(std::move(o));
    server.start();
    out << banner;
    out.flush();
    server.run();
    log(LogLevel::kInfo, "stopped");
    return 0;
  } catch (const std::exception& e) {
    err << "ratls-gateway: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratls::proxy
