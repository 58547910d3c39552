// The PCS-compatible HTTPS server of tests/integration/peers/pcs_server.cpp, run beside a test on
// loopback with a test CA generated here (OpenSSL), so clients trust it through a CA file
// (CollateralFetcherOptions::https.ca_file, or SSL_CERT_FILE for the ratls-gateway binary).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/process.h"

namespace ratls::test {

struct PcsServerOptions {
  std::string collateral_json;  // a dcap-qvl collateral file to serve, or
  std::string pcs_dir;          // a go-tdx-guest style directory, or
  std::string dir;              // a directory in the layout of `verify --collateral DIR`
  // The private key that signed the dataset's TCB info (a simulated hierarchy's
  // private/tcb_signing.key), for mode "rollback"; optional.
  std::string tcb_signing_key;
  // subjectAltName of the server certificate (OpenSSL config syntax).
  std::string san = "IP:127.0.0.1,DNS:localhost";
};

class PcsServer {
 public:
  // Starts the server and waits until it accepts connections (fails the test otherwise).
  explicit PcsServer(PcsServerOptions options);
  ~PcsServer();
  PcsServer(const PcsServer&) = delete;
  PcsServer& operator=(const PcsServer&) = delete;

  std::string base_url() const;  // https://127.0.0.1:PORT
  int port() const { return port_; }
  const std::string& ca_file() const { return ca_file_; }  // PEM of the test CA
  // Comma-separated modes of pcs_server.cpp ("500", "hang", "garbage", "badsig", "slow", "v3",
  // "pem", "nochain", "rollback", "otherkey"); "" behaves like PCS. Applies from the next request.
  void set_mode(const std::string& mode) const;
  // Requests received so far whose target starts with `prefix` (all with "").
  int requests(std::string_view prefix = "") const;
  std::vector<std::string> request_lines() const;

 private:
  TempDir dir_;
  int port_ = 0;
  std::string ca_file_;
  std::unique_ptr<BackgroundProcess> process_;
};

// A PEM file holding a freshly generated CA certificate that issued nothing the server presents.
std::string write_unrelated_ca(const TempDir& dir);

}  // namespace ratls::test
