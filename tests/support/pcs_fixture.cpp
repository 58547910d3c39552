#include "tests/support/pcs_fixture.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "attest/x509.h"

namespace ratls::test {

namespace {

attest::EvpPkeyPtr p256_key() {
  return attest::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Valid from an hour ago for a day: TLS checks run on the real clock, whatever time the
// collateral is verified at.
attest::X509Ptr make_certificate(const std::string& cn, EVP_PKEY* key, X509* issuer,
                                 EVP_PKEY* issuer_key, bool ca, const std::string& san,
                                 long serial) {
  attest::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  std::time_t now = std::time(nullptr);
  X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -3600, &now);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), 1, 0, &now);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509* signer = issuer ? issuer : cert.get();
  bool ok = true;
  if (ca) {
    ok = add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
         add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    ok = add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
         add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
         add_ext(cert.get(), signer, NID_subject_alt_name, san) &&
         add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid");
  }
  if (!ok || X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0) {
    ADD_FAILURE() << "cannot build the test certificate " << cn;
  }
  return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  ASSERT_NE(bio, nullptr) << path;
  if (cert) PEM_write_bio_X509(bio, cert);
  if (key) PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  BIO_free(bio);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

PcsServer::PcsServer(PcsServerOptions options) {
  auto ca_key = p256_key();
  auto server_key = p256_key();
  auto ca =
      make_certificate("ratls-gateway test PCS CA", ca_key.get(), nullptr, nullptr, true, "", 1);
  auto leaf =
      make_certificate("pcs.test", server_key.get(), ca.get(), ca_key.get(), false, options.san, 2);
  ca_file_ = dir_.file("ca.pem");
  write_pem(ca_file_, ca.get(), nullptr);
  write_pem(dir_.file("server.pem"), leaf.get(), nullptr);
  write_pem(dir_.file("server.key"), nullptr, server_key.get());
  dir_.write("mode", "");
  dir_.write("requests", "");
  port_ = free_loopback_port();
  std::vector<std::string> argv = {
      RATLS_PCS_SERVER,        "--port",          std::to_string(port_),   "--cert",
      dir_.file("server.pem"), "--key",           dir_.file("server.key"), "--mode-file",
      dir_.file("mode"),       "--requests-file", dir_.file("requests")};
  if (!options.collateral_json.empty()) {
    argv.insert(argv.end(), {"--collateral", options.collateral_json});
  } else if (!options.pcs_dir.empty()) {
    argv.insert(argv.end(), {"--pcs-dir", options.pcs_dir});
  } else {
    argv.insert(argv.end(), {"--dir", options.dir});
  }
  if (!options.tcb_signing_key.empty()) {
    argv.insert(argv.end(), {"--tcb-signing-key", options.tcb_signing_key});
  }
  process_ = std::make_unique<BackgroundProcess>(argv, dir_.file("server.log"));
  if (!wait_for_port(port_)) {
    ADD_FAILURE() << "pcs_server did not start: " << slurp(dir_.file("server.log.stderr"));
  }
}

PcsServer::~PcsServer() {
  process_->stop();
}

std::string PcsServer::base_url() const {
  return "https://127.0.0.1:" + std::to_string(port_);
}

void PcsServer::set_mode(const std::string& mode) const {
  dir_.write("mode", mode);
}

std::vector<std::string> PcsServer::request_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(slurp(dir_.file("requests")));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int PcsServer::requests(std::string_view prefix) const {
  int n = 0;
  for (const auto& line : request_lines()) {
    if (line.compare(0, 4 + prefix.size(), "GET " + std::string(prefix)) == 0) ++n;
  }
  return n;
}

std::string write_unrelated_ca(const TempDir& dir) {
  auto key = p256_key();
  auto ca = make_certificate("unrelated test CA", key.get(), nullptr, nullptr, true, "", 7);
  const std::string path = dir.file("unrelated_ca.pem");
  write_pem(path, ca.get(), nullptr);
  return path;
}

}  // namespace ratls::test
