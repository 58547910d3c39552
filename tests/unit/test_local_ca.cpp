// proxy/local_ca: the CA's extensions as browsers will see them, the key's file mode, leaves that
// OpenSSL verifies against the CA, and names outside the constraints refused (by the CA, and by
// a verifier if someone signs such a leaf anyway).
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "proxy/common/file_io.h"
#include "proxy/trust/local_ca.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;
using proxy::LocalCa;

attest::UnixTime now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// X509_verify_cert of `leaf` with `ca` as the only trust anchor, for a TLS server named `host`.
int verify(const X509* ca, X509* leaf, const std::string& host) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, const_cast<X509*>(ca));
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  const int ok = X509_verify_cert(ctx);
  const int error = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return error;
}

class LocalCaTest : public ::testing::Test {
 protected:
  std::string state() const { return tmp_.file("state"); }
  TempDir tmp_;
};

TEST_F(LocalCaTest, CreatedOnceWithPrivateKeyFileAndReloaded) {
  bool created = false;
  LocalCa ca = LocalCa::load_or_create(state(), now(), &created);
  EXPECT_TRUE(created);
  const fs::path dir = LocalCa::directory(state());
  struct stat st {};
  ASSERT_EQ(::stat((dir / "ca-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  EXPECT_EQ(ca.certificate_path(), (dir / "ca.pem").string());

  LocalCa again = LocalCa::load_or_create(state(), now(), &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(again.certificate_der(), ca.certificate_der());
  const std::optional<LocalCa> loaded = LocalCa::load(state());
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->sha256_hex(), ca.sha256_hex());
  EXPECT_FALSE(LocalCa::load(tmp_.file("elsewhere")).has_value());
}

TEST_F(LocalCaTest, CaIsP256NameConstrainedCriticalWithPathLenZero) {
  LocalCa ca = LocalCa::load_or_create(state(), now());
  const X509* cert = ca.certificate();
  EVP_PKEY* key = X509_get0_pubkey(cert);
  ASSERT_NE(key, nullptr);
  char group[32] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof group, &len), 1);
  EXPECT_STREQ(group, "prime256v1");

  int crit = -1;
  auto* nc =
      static_cast<NAME_CONSTRAINTS*>(X509_get_ext_d2i(cert, NID_name_constraints, &crit, nullptr));
  ASSERT_NE(nc, nullptr);
  EXPECT_EQ(crit, 1);
  EXPECT_EQ(nc->excludedSubtrees, nullptr);
  std::vector<std::string> permitted;
  for (int i = 0; i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base;
    if (name->type == GEN_DNS) {
      permitted.emplace_back("DNS:" + std::string(reinterpret_cast<const char*>(
                                                      ASN1_STRING_get0_data(name->d.dNSName)),
                                                  ASN1_STRING_length(name->d.dNSName)));
    } else if (name->type == GEN_IPADD) {
      permitted.emplace_back("IP:" + std::to_string(ASN1_STRING_length(name->d.iPAddress)) +
                             " bytes");
    }
  }
  NAME_CONSTRAINTS_free(nc);
  EXPECT_EQ(permitted, (std::vector<std::string>{"DNS:localhost", "DNS:.localhost", "IP:8 bytes",
                                                 "IP:32 bytes"}));

  auto* bc = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &crit, nullptr));
  ASSERT_NE(bc, nullptr);
  EXPECT_EQ(crit, 1);
  EXPECT_TRUE(bc->ca);
  ASSERT_NE(bc->pathlen, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(bc->pathlen), 0);
  BASIC_CONSTRAINTS_free(bc);
  EXPECT_EQ(X509_get_key_usage(const_cast<X509*>(cert)), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
}

TEST_F(LocalCaTest, LeafVerifiesAgainstTheCaAndIsCached) {
  LocalCa ca = LocalCa::load_or_create(state(), now());
  const auto leaf = ca.leaf_for("Demo.localhost", now());
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(verify(ca.certificate(), leaf->certificate.get(), "demo.localhost"), X509_V_OK);
  EXPECT_NE(verify(ca.certificate(), leaf->certificate.get(), "other.localhost"), X509_V_OK);
  EXPECT_LE(leaf->not_after, now() + proxy::kLocalLeafValiditySeconds);
  EXPECT_GT(leaf->not_after, now() + 80LL * 86400);
  EXPECT_EQ(X509_check_private_key(leaf->certificate.get(), leaf->key.get()), 1);
  char group[32] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(leaf->key.get(), group, sizeof group, &len), 1);
  EXPECT_STREQ(group, "prime256v1");
  // Cached: the same object until it nears expiry, then a new one.
  EXPECT_EQ(ca.leaf_for("demo.localhost", now()), leaf);
  EXPECT_NE(ca.leaf_for("demo.localhost", leaf->not_after - 86400), leaf);

  const auto local = ca.leaf_for("localhost", now());
  EXPECT_EQ(verify(ca.certificate(), local->certificate.get(), "localhost"), X509_V_OK);
  // The PEM forms are what a TLS server loads.
  EXPECT_NE(leaf->certificate_pem().find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(leaf->key_pem().find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST_F(LocalCaTest, NamesOutsideTheConstraintsAreRefused) {
  LocalCa ca = LocalCa::load_or_create(state(), now());
  for (const char* bad :
       {"example.com", "localhost.example.com", "evil.localhost.evil", "", ".localhost",
        "a..localhost", "-a.localhost", "127.0.0.1", "xn--80ak6aa92e.com"}) {
    EXPECT_THROW(ca.leaf_for(bad, now()), proxy::LocalCaError) << bad;
  }
  EXPECT_TRUE(proxy::local_ca_may_issue("my_app.localhost"));
  EXPECT_TRUE(proxy::local_ca_may_issue("a.b.localhost"));

  // And a leaf for another name signed with the CA's key anyway fails verification: the name
  // constraints, not only this code, keep the CA to localhost.
  const attest::Bytes key_pem =
      proxy::read_file((fs::path(LocalCa::directory(state())) / "ca-key.pem").string());
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  attest::EvpPkeyPtr ca_key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  ASSERT_NE(ca_key, nullptr);
  attest::EvpPkeyPtr key = make_ec_key();
  attest::X509Ptr rogue(X509_new());
  X509_set_version(rogue.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(rogue.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(rogue.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(rogue.get()), 86400);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(rogue.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("www.example.com"), -1, -1, 0);
  X509_set_issuer_name(rogue.get(), X509_get_subject_name(ca.certificate()));
  X509_set_pubkey(rogue.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, const_cast<X509*>(ca.certificate()), rogue.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:www.example.com");
  X509_add_ext(rogue.get(), san, -1);
  X509_EXTENSION_free(san);
  ASSERT_GT(X509_sign(rogue.get(), ca_key.get(), EVP_sha256()), 0);
  EXPECT_EQ(verify(ca.certificate(), rogue.get(), "www.example.com"),
            X509_V_ERR_PERMITTED_VIOLATION);
}

TEST_F(LocalCaTest, DamagedStateIsReportedNotReplaced) {
  LocalCa ca = LocalCa::load_or_create(state(), now());
  const fs::path key = fs::path(LocalCa::directory(state())) / "ca-key.pem";
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  try {
    LocalCa::load_or_create(state(), now());
    ADD_FAILURE() << "a group-readable key was accepted";
  } catch (const proxy::LocalCaError& e) {
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
  }
  fs::remove(key);
  EXPECT_THROW(LocalCa::load(state()), proxy::LocalCaError);
  EXPECT_THROW(LocalCa::load_or_create(state(), now()), proxy::LocalCaError);
  EXPECT_TRUE(fs::exists(fs::path(LocalCa::directory(state())) / "ca.pem"));
}

}  // namespace
}  // namespace ratls::test
