#include "proxy/cli/run_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>

#include "attest/sim/hierarchy.h"
#include "attest/sim/pki.h"
#include "proxy/common/clock.h"
#include "proxy/collateral/collateral_fetcher.h"
#include "proxy/cli/demo_app.h"
#include "proxy/common/file_io.h"
#include "proxy/server/gateway_server.h"
#include "proxy/common/log.h"
#include "proxy/cli/sim_command.h"

namespace ratls::proxy {

namespace {

namespace fs = std::filesystem;

struct Trust {
  attest::X509Ptr root;
  bool simulated = false;
  std::string simulated_dir;  // set when root_ca names a simulated hierarchy directory
};

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

int serve(Config config, Trust trust, std::ostream& out, std::ostream& err,
          const std::string& banner, std::function<GatewayOptions()> reload = {}, int threads = 0) {
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

}  // namespace

int run_gateway(const RunOptions& o, std::ostream& out, std::ostream& err) {
  if (!set_log_level(o.log_level)) {
    err << "ratls-gateway run: --log-level " << o.log_level
        << ": expected debug, info, warning or error\n";
    return 2;
  }
  Config config;
  Trust trust;
  try {
    const std::string path = o.config_path.empty()
                                 ? default_config_path(ConfigEnvironment::from_process(""))
                                 : o.config_path;
    config = load_config(path);
    trust = load_trust(config.root_ca);
  } catch (const ConfigError& e) {
    err << "ratls-gateway run: " << e.what() << "\n";
    return 2;
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
    for (const auto& app : config.apps) {
      banner += "  " + app.name + ": http://" + app.name + ".localhost:" + std::to_string(l.port) +
                "/ -> " + app.upstream + "\n";
    }
  }
  // SIGHUP: the same steps as at start-up; any exception keeps the running configuration.
  auto reload = [path = config.source]() {
    GatewayOptions next;
    next.config = load_config(path);
    Trust t = load_trust(next.config.root_ca);
    next.collateral = collateral_for(next.config, t);
    next.simulated_root = t.simulated;
    next.root = std::move(t.root);
    return next;
  };
  return serve(std::move(config), std::move(trust), out, err, banner, reload, o.threads);
}

int run_demo(const DemoOptions& o, std::ostream& out, std::ostream& err) {
  if (!set_log_level(o.log_level)) {
    err << "ratls-gateway demo: --log-level " << o.log_level
        << ": expected debug, info, warning or error\n";
    return 2;
  }
  const auto listen = parse_listen_address(o.listen);
  if (!listen || !listen->loopback) {
    err << "ratls-gateway demo: --listen " << o.listen
        << ": expected a loopback host:port such as 127.0.0.1:7443\n";
    return 2;
  }
  const ConfigEnvironment env = ConfigEnvironment::from_process("");
  std::string state = o.state_dir;
  if (state.empty()) {
    const std::string xdg_state =
        env.xdg_state_home.empty() ? env.home + "/.local/state" : env.xdg_state_home;
    state = xdg_state + "/ratls-gateway/demo";
  }
  const std::string sim_dir = state + "/sim";
  try {
    // Before `sim init` creates sim/ in it: its parents would get mkdir -p's mode.
    create_private_directories(state);
    // A hierarchy whose collateral is about to expire is replaced: the demo must just work.
    bool fresh = false;
    std::error_code ec;
    if (fs::exists(sim_dir + "/root_ca.pem", ec)) {
      try {
        const auto h = attest::sim::load_hierarchy(read_tree(sim_dir));
        const auto c = attest::parse_collateral(h.collateral);
        fresh = std::min(c.tcb_info.next_update, c.qe_identity.next_update) > now_utc() + 86400;
      } catch (const std::exception&) {
        fresh = false;
      }
    }
    if (!fresh) {
      SimInitOptions init;
      init.dir = sim_dir;
      init.force = true;
      std::ostringstream quiet;
      if (run_sim_init(init, quiet, err) != 0) return 1;
    }
    const auto h = attest::sim::load_hierarchy(read_tree(sim_dir));
    attest::sim::IssueOptions issue;
    const attest::Bytes mrenclave =
        attest::sha256(attest::as_bytes("ratls-gateway demo enclave app"));
    std::copy(mrenclave.begin(), mrenclave.end(), issue.enclave.mrenclave.begin());
    const auto signer = attest::from_hex_fixed<32>(default_sim_mrsigner_hex());
    issue.enclave.mrsigner = *signer;
    issue.enclave.isv_prod_id = 1;
    issue.enclave.isv_svn = 1;
    issue.certificate.not_before = now_utc() - 60;
    issue.certificate.not_after = now_utc() + 7 * 86400;
    const auto issued = attest::sim::issue_ratls_certificate(h, issue);

    DemoAppOptions app_options;
    app_options.cert_pem = attest::certificate_pem(issued.cert.get());
    app_options.key_pem = attest::private_key_pem(issued.key.get());
    app_options.mrenclave_hex = attest::to_hex(mrenclave);
    DemoApp app(app_options);
    app.start();

    Config config;
    config.listen = {*listen};
    AppConfig demo;
    demo.name = "demo";
    demo.upstream = "https://127.0.0.1:" + std::to_string(app.port());
    demo.upstream_host = "127.0.0.1";
    demo.upstream_port = app.port();
    demo.policy.mrenclave = {issue.enclave.mrenclave};
    demo.policy.mrsigner = {issue.enclave.mrsigner};
    demo.policy.isv_prod_id = 1;
    demo.measurement_policy = true;
    config.apps = {demo};
    config.root_ca = sim_dir;
    config.state_dir = state;
    Trust trust = load_trust(sim_dir);
    const std::string port = std::to_string(listen->port);
    const std::string banner =
        "ratls-gateway demo (SIMULATED enclave: no SGX hardware involved)\n"
        "  simulated enclave app  https://127.0.0.1:" +
        std::to_string(app.port()) + " (RA-TLS, MRENCLAVE " +
        app_options.mrenclave_hex.substr(0, 16) +
        "…)\n"
        "  open                   http://demo.localhost:" +
        port +
        "/\n"
        "  gateway status         http://localhost:" +
        port +
        "/\n"
        "Press Ctrl-C to stop.\n";
    const int rc = serve(std::move(config), std::move(trust), out, err, banner);
    app.stop();
    return rc;
  } catch (const std::exception& e) {
    err << "ratls-gateway demo: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratls::proxy
