// ratls-gateway: one binary, CLI11 subcommands. Option parsing lives here only (CLI11 is slow to
// compile); each command's work is in its own translation unit.
#include <CLI/CLI.hpp>

#include <iostream>

#include "proxy/verify_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "ratls-gateway: verifies enclave apps' RA-TLS certificates and serves them on loopback"};
  app.set_version_flag("--version", std::string("ratls-gateway ") + RATLS_VERSION);
  app.require_subcommand(1);

  ratls::proxy::VerifyOptions verify;
  auto* v = app.add_subcommand(
      "verify", "Verify an enclave app (https://HOST[:PORT]), an RA-TLS certificate or a quote");
  v->add_option("url", verify.url, "https://HOST[:PORT] of the app: fetch and verify its certificate");
  v->add_option("--cert", verify.cert_file, "RA-TLS certificate file (PEM or DER)");
  v->add_option("--quote", verify.quote_file, "Quote file: raw bytes or hex text");
  v->add_option("--save-cert", verify.save_cert,
                "Write the verified certificate here as PEM (only when accepted)");
  v->add_option("--timeout-ms", verify.timeout_ms, "Connection and handshake timeout for a URL")
      ->check(CLI::Range(100, 600000));
  v->add_option("--collateral", verify.collateral_path,
                "Collateral: dcap-qvl JSON, Cosmian evidence.json, or a directory of PCS files");
  v->add_option("--at", verify.at, "Verification time, RFC 3339 (default: now)");
  v->add_option("--root-ca", verify.root_ca_file,
                "Trust this root instead of the built-in Intel SGX Root CA (prints a warning)");
  v->add_option("--mrenclave,--fingerprint", verify.mrenclave,
                "Allowed MRENCLAVE, the code fingerprint (64 hex digits; repeatable)");
  v->add_option("--mrsigner", verify.mrsigner, "Allowed MRSIGNER (64 hex digits; repeatable)");
  v->add_option("--signer-key", verify.signer_key_files,
                "Allowed MRSIGNER derived from the enclave signer's RSA public key PEM (repeatable)");
  v->add_option("--isv-prod-id", verify.isv_prod_id, "Required ISVPRODID")->check(CLI::Range(0, 65535));
  v->add_option("--min-isv-svn", verify.min_isv_svn, "Minimum ISVSVN")->check(CLI::Range(0, 65535));
  v->add_flag("--allow-debug", verify.allow_debug, "Accept debug enclaves (insecure)");
  v->add_option("--accept-tcb", verify.accept_tcb,
                "Accepted TCB statuses, comma separated (default: UpToDate)")
      ->delimiter(',');
  v->add_option("--allow-advisory", verify.allow_advisories,
                "Advisory ID to tolerate (repeatable; '*' tolerates all)");
  v->add_flag("--json", verify.json, "Print one JSON object instead of the readable report");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // Usage errors are "unusable input" (exit 2); --help and --version exit 0.
    return rc == 0 ? 0 : 2;
  }
  if (v->parsed()) return ratls::proxy::run_verify(verify, std::cout, std::cerr);
  return 2;
}
