#include "proxy/cli/demo_command.h"

#include <filesystem>
#include <sstream>

#include "attest/sim/hierarchy.h"
#include "attest/sim/pki.h"
#include "proxy/cli/daemon_startup.h"
#include "proxy/cli/demo_app.h"
#include "proxy/cli/sim_command.h"
#include "proxy/common/clock.h"
#include "proxy/common/file_io.h"
#include "proxy/common/log.h"

namespace ratls::proxy {

namespace fs = std::filesystem;

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
