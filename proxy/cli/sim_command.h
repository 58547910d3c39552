// `ratls-gateway sim init|issue`: the simulated provisioning hierarchy on disk, and RA-TLS
// certificates issued from it for enclaves that do not exist (demo, tests, trying the gateway).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ratls::proxy {

struct SimInitOptions {
  std::string dir;
  std::optional<std::string> seed;
  bool force = false;  // replace an existing hierarchy in `dir`
  // Negative cases (documented in docs/simulation.md).
  std::string platform_tcb = "UpToDate";
  bool tcb_unsupported = false;
  int qe_isv_svn = 8;
  bool revoke_pck = false;
  bool revoke_pck_ca = false;
  bool expired_collateral = false;
};

struct SimIssueOptions {
  std::string dir;
  std::string mrenclave;
  std::string mrsigner;  // default: the simulated signer
  int isv_prod_id = 0;
  int isv_svn = 0;
  bool debug = false;
  std::string format = "cosmian";  // cosmian | gramine | gramine-dice
  std::vector<std::string> san;    // default: localhost, 127.0.0.1
  std::string cert_out;
  std::string key_out;
  int days = 30;
  std::string x25519;  // hex, Cosmian only
  // Cosmian only: make the enclave's X25519 key pair here, write its private key to this file (32
  // raw bytes, mode 0600) and carry the public key in REPORTDATA[32:64], so tests can open what
  // `seal` sealed. Excludes `x25519`.
  std::string x25519_key_out;
  bool bind_other_key = false;
  std::string binding;   // cosmian | gramine: REPORTDATA by that rule (default: the format's)
  bool expired = false;  // the certificate's validity ended an hour ago
};

// MRSIGNER used when `sim issue` gets none: SHA-256 of "ratls-gateway simulated signer".
std::string default_sim_mrsigner_hex();

// Exit status: 0 done, 2 unusable input (one-line error on `err`).
int run_sim_init(const SimInitOptions& options, std::ostream& out, std::ostream& err);
int run_sim_issue(const SimIssueOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
