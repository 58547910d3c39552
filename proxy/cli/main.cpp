// ratls-gateway: one binary, CLI11 subcommands. Option parsing lives here only (CLI11 is slow to
// compile); each command's work is in its own translation unit.
#include <CLI/CLI.hpp>

#include <iostream>

#include "proxy/cli/apps_command.h"
#include "proxy/cli/demo_command.h"
#include "proxy/cli/pins_command.h"
#include "proxy/cli/run_command.h"
#include "proxy/cli/seal_command.h"
#include "proxy/cli/sim_command.h"
#include "proxy/cli/status_command.h"
#include "proxy/cli/trust_command.h"
#include "proxy/cli/verify_command.h"

namespace {

// The policy a certificate must meet: `verify`, `seal` and `apps add` (which writes it).
void add_policy_options(CLI::App* c, ratls::proxy::VerifyOptions& o) {
  c->add_option("--mrenclave,--fingerprint", o.mrenclave,
                "Allowed MRENCLAVE, the code fingerprint (64 hex digits; repeatable)");
  c->add_option("--mrsigner", o.mrsigner, "Allowed MRSIGNER (64 hex digits; repeatable)");
  c->add_option(
      "--signer-key", o.signer_key_files,
      "Allowed MRSIGNER derived from the enclave signer's RSA public key PEM (repeatable)");
  c->add_option("--isv-prod-id", o.isv_prod_id, "Required ISVPRODID")->check(CLI::Range(0, 65535));
  c->add_option("--min-isv-svn", o.min_isv_svn, "Minimum ISVSVN")->check(CLI::Range(0, 65535));
  c->add_flag("--allow-debug", o.allow_debug, "Accept debug enclaves (insecure)");
  c->add_option("--accept-tcb", o.accept_tcb,
                "Accepted TCB statuses, comma separated (default: UpToDate)")
      ->delimiter(',');
  c->add_option("--allow-advisory", o.allow_advisories,
                "Advisory ID to tolerate (repeatable; '*' tolerates all)");
}

// The flags `verify` and `seal` share: how to reach and verify the certificate (timeout,
// collateral, time, trust anchor) and the policy it must meet.
void add_verification_options(CLI::App* c, ratls::proxy::VerifyOptions& o) {
  c->add_option("--timeout-ms", o.timeout_ms, "Connection and handshake timeout for a URL")
      ->check(CLI::Range(100, 600000));
  c->add_option("--collateral", o.collateral_path,
                "Collateral: dcap-qvl JSON, Cosmian evidence.json, or a directory of PCS files");
  c->add_option("--pccs", o.pccs,
                "Without --collateral: collateral service base URL (default "
                "https://api.trustedservices.intel.com; a PCCS works too)");
  c->add_flag("--offline", o.offline,
              "Without --collateral: never fetch collateral, use only the cache");
  c->add_option("--cache-dir", o.cache_dir,
                "Collateral cache (default $XDG_CACHE_HOME/ratls-gateway/collateral)");
  c->add_option("--at", o.at, "Verification time, RFC 3339 (default: now)");
  c->add_option("--root-ca", o.root_ca_file,
                "Trust this root instead of the built-in Intel SGX Root CA (prints a warning)");
  add_policy_options(c, o);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "ratls-gateway: verifies enclave apps' RA-TLS certificates and serves them on loopback"};
  app.set_version_flag("--version", std::string("ratls-gateway ") + RATLS_VERSION);
  app.require_subcommand(1);

  ratls::proxy::VerifyOptions verify;
  auto* v = app.add_subcommand(
      "verify", "Verify an enclave app (https://HOST[:PORT]), an RA-TLS certificate or a quote");
  v->add_option("url", verify.url,
                "https://HOST[:PORT] of the app: fetch and verify its certificate");
  v->add_option("--cert", verify.cert_file, "RA-TLS certificate file (PEM or DER)");
  v->add_option("--quote", verify.quote_file, "Quote file: raw bytes or hex text");
  v->add_option("--save-cert", verify.save_cert,
                "Write the verified certificate here as PEM (only when accepted)");
  add_verification_options(v, verify);
  v->add_flag("--json", verify.json, "Print one JSON object instead of the readable report");

  ratls::proxy::SealOptions seal;
  auto* se = app.add_subcommand(
      "seal", "Encrypt a secret to the X25519 key of a verified Cosmian enclave (crypto_box_seal)");
  se->add_option("url", seal.verify.url,
                 "https://HOST[:PORT] of the app: fetch, verify and seal to its certificate");
  se->add_option("--cert", seal.verify.cert_file, "RA-TLS certificate file (PEM or DER)");
  se->add_option("--app", seal.app,
                 "A configured app: its upstream, policy and trust anchor, and its pin");
  se->add_option("--config", seal.config_path,
                 "Configuration file for --app (default: $XDG_CONFIG_HOME/ratls-gateway/"
                 "config.json)");
  se->add_option("--in", seal.in, "The secret to seal ('-': standard input; at most 16 MiB)")
      ->required();
  se->add_option("--out", seal.out,
                 "Where to write the sealed box (mode 0600, atomically; '-': standard output)")
      ->required();
  se->add_flag("--base64url", seal.base64url,
               "Write unpadded base64url text (Cosmian's app_sealed_secrets) instead of raw bytes");
  add_verification_options(se, seal.verify);

  auto* sim = app.add_subcommand(
      "sim", "Simulated SGX provisioning hierarchy for demos and tests (never a real enclave)");
  sim->require_subcommand(1);
  ratls::proxy::SimInitOptions sim_init;
  auto* si = sim->add_subcommand(
      "init", "Create a simulated hierarchy (root CA, PCK, collateral, keys) in DIR");
  si->add_option("dir", sim_init.dir, "Directory to create")->required();
  si->add_option("--seed", sim_init.seed, "Derive the keys from this seed (reproducible tests)");
  si->add_flag("--force", sim_init.force, "Replace an existing hierarchy in DIR");
  si->add_option(
      "--platform-tcb", sim_init.platform_tcb,
      "TCB status of the level the platform reaches (UpToDate, OutOfDate, SWHardeningNeeded, ...)");
  si->add_flag("--tcb-unsupported", sim_init.tcb_unsupported,
               "Put the platform below every TCB level");
  si->add_option("--qe-isv-svn", sim_init.qe_isv_svn,
                 "QE ISVSVN: 8 UpToDate, 6 OutOfDate, 4 not supported");
  si->add_flag("--revoke-pck", sim_init.revoke_pck, "List the PCK certificate in the PCK CRL");
  si->add_flag("--revoke-pck-ca", sim_init.revoke_pck_ca, "List the PCK CA in the root CA CRL");
  si->add_flag("--expired-collateral", sim_init.expired_collateral,
               "Issue TCB info and QE identity whose nextUpdate has passed");
  ratls::proxy::SimIssueOptions sim_issue;
  auto* sis =
      sim->add_subcommand("issue", "Issue an RA-TLS certificate and key from the hierarchy in DIR");
  sis->add_option("dir", sim_issue.dir, "Hierarchy directory (from sim init)")->required();
  sis->add_option("--mrenclave", sim_issue.mrenclave, "MRENCLAVE (64 hex digits)")->required();
  sis->add_option("--mrsigner", sim_issue.mrsigner,
                  "MRSIGNER (64 hex digits; default: the simulated signer)");
  sis->add_option("--isv-prod-id", sim_issue.isv_prod_id, "ISVPRODID");
  sis->add_option("--isv-svn", sim_issue.isv_svn, "ISVSVN");
  sis->add_flag("--debug", sim_issue.debug, "Mark the enclave as a debug enclave");
  sis->add_option("--format", sim_issue.format, "cosmian (default), gramine or gramine-dice");
  sis->add_option("--san", sim_issue.san,
                  "Subject alternative name (repeatable; default localhost, 127.0.0.1)");
  sis->add_option("--cert", sim_issue.cert_out, "Write the certificate (PEM) here")->required();
  sis->add_option("--key", sim_issue.key_out, "Write the private key (PEM, mode 0600) here")
      ->required();
  sis->add_option("--days", sim_issue.days, "Validity in days (default 30)");
  sis->add_option("--x25519", sim_issue.x25519,
                  "Enclave X25519 public key for REPORTDATA[32:64] (cosmian)");
  sis->add_option("--x25519-key", sim_issue.x25519_key_out,
                  "Make the enclave's X25519 key pair: private key to FILE (32 raw bytes, mode "
                  "0600), public key in REPORTDATA[32:64] (cosmian; for testing seal)");
  sis->add_flag("--bind-other-key", sim_issue.bind_other_key,
                "Negative case: the quote binds a different key than the certificate's");
  sis->add_option("--binding", sim_issue.binding,
                  "Negative case: REPORTDATA by the cosmian (EC point) or gramine (SPKI) rule, "
                  "whatever --format says");
  sis->add_flag("--expired", sim_issue.expired,
                "Negative case: the certificate's validity ended an hour ago");

  ratls::proxy::RunOptions run;
  auto* r = app.add_subcommand("run", "Run the gateway daemon from its configuration");
  r->add_option("--config", run.config_path,
                "Configuration file (default: $XDG_CONFIG_HOME/ratls-gateway/config.json)");
  r->add_option("--log-level", run.log_level, "debug, info (default), warning or error");
  r->add_option("--threads", run.threads,
                "Event loops serving connections (default 0: one per core, at most 4)")
      ->check(CLI::Range(0, 64));
  ratls::proxy::DemoOptions demo;
  auto* d =
      app.add_subcommand("demo", "Run a SIMULATED enclave app with the gateway in front of it");
  d->add_option("--listen", demo.listen,
                "Loopback host:port of the gateway (default 127.0.0.1:7443)");
  d->add_option("--state-dir", demo.state_dir, "Where the demo keeps its hierarchy and pins");
  d->add_option("--log-level", demo.log_level, "debug, info (default), warning or error");

  ratls::proxy::TrustOptions trust;
  auto* t = app.add_subcommand(
      "trust", "The local CA for https://*.localhost in the browsers' NSS databases (optional)");
  t->require_subcommand(1);
  for (const auto& [name, help] :
       {std::pair{"install", "Create the local CA if needed and add it to every database"},
        std::pair{"remove", "Remove the gateway's CAs from every database"},
        std::pair{"status", "Show, per database, whether the local CA is installed"}}) {
    auto* ts = t->add_subcommand(name, help);
    ts->add_option("--home", trust.home, "Home directory whose browsers to change (default $HOME)");
    ts->add_option("--state-dir", trust.state_dir,
                   "Where the CA lives (default $XDG_STATE_HOME/ratls-gateway)");
    ts->callback([&trust, action = std::string(name)] { trust.action = action; });
  }

  ratls::proxy::PinsOptions pins;
  auto* p = app.add_subcommand(
      "pins", "List, accept or forget pinned enclave identities (the daemon may run)");
  p->require_subcommand(1);
  for (auto [name, help] :
       {std::pair{"list", "Show the pins and any refused candidate"},
        std::pair{"accept", "Accept the refused candidate of APP (an expected redeploy)"},
        std::pair{"forget", "Forget APP's pin: the next verified connection is pinned anew"}}) {
    auto* ps = p->add_subcommand(name, help);
    if (std::string_view(name) != "list") ps->add_option("app", pins.app, "App name")->required();
    if (std::string_view(name) == "list") ps->add_flag("--json", pins.json, "Print JSON");
    ps->add_option("--config", pins.config_path, "Configuration file (for state_dir)");
    ps->add_option("--state-dir", pins.state_dir, "State directory holding pins.json");
    ps->callback([&pins, name = std::string(name)] { pins.action = name; });
  }
  ratls::proxy::AppsOptions apps;
  auto* ap = app.add_subcommand(
      "apps", "Add (verified first), list or remove the configuration's apps; reloads the daemon");
  ap->require_subcommand(1);
  const std::string config_help =
      "Configuration file (default: $XDG_CONFIG_HOME/ratls-gateway/config.json)";
  auto* aa = ap->add_subcommand(
      "add", "Verify an app now, add it to the configuration and reload the running daemon");
  aa->add_option("name", apps.name, "The app's name: served at http://NAME.localhost:PORT/")
      ->required();
  aa->add_option("upstream", apps.upstream, "https://HOST[:PORT] of the app")->required();
  aa->add_option("--mode", apps.mode, "ratls (default: attested) or webpki (not attested)")
      ->check(CLI::IsMember({"ratls", "webpki"}));
  aa->add_option("--config", apps.config_path, config_help);
  aa->add_option("--timeout-ms", apps.verify.timeout_ms, "Connection and handshake timeout")
      ->check(CLI::Range(100, 600000));
  add_policy_options(aa, apps.verify);
  aa->add_option("--listen", apps.listen,
                 "New configuration only: its listen address (default 127.0.0.1:7443)");
  aa->add_option("--root-ca", apps.verify.root_ca_file,
                 "New configuration only: trust.root_ca (a PEM file or a simulated hierarchy "
                 "directory instead of the Intel SGX Root CA)");
  aa->add_option("--collateral", apps.verify.collateral_path,
                 "New configuration only: collateral.offline, a directory of collateral files");
  aa->add_option("--pccs", apps.verify.pccs,
                 "New configuration only: collateral.pccs, a PCCS base URL");
  auto* al = ap->add_subcommand("list", "The configured apps: name, URL, upstream, mode, policy");
  al->add_option("--config", apps.config_path, config_help);
  al->add_flag("--json", apps.json, "Print JSON");
  auto* ar = ap->add_subcommand(
      "remove", "Remove an app from the configuration and reload the running daemon");
  ar->add_option("name", apps.name, "The app's name")->required();
  ar->add_option("--config", apps.config_path, config_help);
  ar->add_flag("--forget-pin", apps.forget_pin, "Also forget its pin in pins.json");

  ratls::proxy::StatusOptions status;
  auto* st = app.add_subcommand("status", "Print the running gateway's state");
  st->add_option("--config", status.config_path, "Configuration file (for the listen address)");
  st->add_option("--url", status.url, "The gateway's http://HOST:PORT");
  st->add_flag("--json", status.json, "Print the status JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // Usage errors are "unusable input" (exit 2); --help and --version exit 0.
    return rc == 0 ? 0 : 2;
  }
  if (v->parsed()) return ratls::proxy::run_verify(verify, std::cout, std::cerr);
  if (se->parsed()) return ratls::proxy::run_seal(seal, std::cout, std::cerr);
  if (r->parsed()) return ratls::proxy::run_gateway(run, std::cout, std::cerr);
  if (p->parsed()) return ratls::proxy::run_pins(pins, std::cout, std::cerr);
  if (aa->parsed()) return ratls::proxy::run_apps_add(apps, std::cout, std::cerr);
  if (al->parsed()) return ratls::proxy::run_apps_list(apps, std::cout, std::cerr);
  if (ar->parsed()) return ratls::proxy::run_apps_remove(apps, std::cout, std::cerr);
  if (st->parsed()) return ratls::proxy::run_status(status, std::cout, std::cerr);
  if (d->parsed()) return ratls::proxy::run_demo(demo, std::cout, std::cerr);
  if (si->parsed()) return ratls::proxy::run_sim_init(sim_init, std::cout, std::cerr);
  if (sis->parsed()) return ratls::proxy::run_sim_issue(sim_issue, std::cout, std::cerr);
  if (t->parsed()) return ratls::proxy::run_trust(trust, std::cout, std::cerr);
  return 2;
}
