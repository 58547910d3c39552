// `ratls-gateway seal`: encrypts a secret to the X25519 key a verified Cosmian enclave publishes in
// REPORTDATA[32:64], with libsodium's sealed box (what the enclave opens). docs/sealing.md.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "proxy/cli/verify_command.h"

namespace ratls::proxy {

// Secrets are configuration files and keys; a larger input is a mistake (or the wrong file).
inline constexpr std::size_t kMaxSealInputSize = 16u << 20;

struct SealOptions {
  // What to seal to: verify.url or verify.cert_file, with verify's policy and collateral flags
  // (verify.quote_file, save_cert and json are not used)...
  VerifyOptions verify;
  // ... or a configured app: its upstream, policy and trust anchor, and its accepted pin.
  std::string app;
  std::string config_path;  // for --app; empty: the default configuration
  std::string in;           // "-": standard input
  std::string out;          // "-": standard output
  bool base64url = false;   // unpadded base64url text instead of raw bytes
};

// Exit status (verify's conventions): 0 sealed; 1 refused (the certificate was not accepted, it
// carries no sealing key, or it is not the app's pinned certificate); 2 unusable input (one-line
// error on `err`). Nothing is written unless it sealed.
int run_seal(const SealOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
