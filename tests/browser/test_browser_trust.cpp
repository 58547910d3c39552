// Real browsers and the trust stores `ratls-gateway trust install` writes: headless Firefox ESR
// (a fresh profile found through profiles.ini) and Chromium (HOME=<tmp>, its user NSS database)
// load https://demo.localhost:PORT/ from a loopback server presenting a leaf of the local CA only
// once the CA is installed, and still refuse a leaf for a name outside the CA's constraints.
// Each browser creates its own database on a first, refused, visit: nothing is faked.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "proxy/common/file_io.h"
#include "proxy/trust/local_ca.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

attest::UnixTime now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A leaf for www.example.com signed with the local CA's key: what a stolen CA key could make.
void write_rogue_leaf(const std::string& state, const std::string& cert_out,
                      const std::string& key_out) {
  const std::optional<proxy::LocalCa> ca = proxy::LocalCa::load(state);
  ASSERT_TRUE(ca);
  const attest::Bytes key_pem = proxy::read_file(proxy::LocalCa::directory(state) + "/ca-key.pem");
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  attest::EvpPkeyPtr ca_key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  ASSERT_NE(ca_key, nullptr);
  attest::EvpPkeyPtr key = make_ec_key();
  attest::X509Ptr x(X509_new());
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4242);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 30L * 86400);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("www.example.com"), -1, -1, 0);
  X509_set_issuer_name(x.get(), X509_get_subject_name(ca->certificate()));
  X509_set_pubkey(x.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, const_cast<X509*>(ca->certificate()), x.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:www.example.com"},
                                   std::pair{NID_ext_key_usage, "serverAuth"},
                                   std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(x.get(), ca_key.get(), EVP_sha256()), 0);
  std::ofstream(cert_out) << cert_pem(x.get());
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(out, &data);
  std::ofstream(key_out) << std::string(data, static_cast<std::size_t>(len));
  BIO_free(out);
}

class BrowserTrust : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.file("home");
    state_ = dir_.file("state");
    fs::create_directories(home_);
    // The CA first (no browser database exists yet, so nothing else happens), then its leaf.
    const CommandResult r = trust_install();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::optional<proxy::LocalCa> ca = proxy::LocalCa::load(state_);
    ASSERT_TRUE(ca);
    const auto leaf = ca->leaf_for("demo.localhost", now());
    std::ofstream(dir_.file("leaf.pem")) << leaf->certificate_pem();
    std::ofstream(dir_.file("leaf-key.pem")) << leaf->key_pem();
    port_ = start_server(dir_.file("leaf.pem"), dir_.file("leaf-key.pem"), "page.log", page_);
  }

  int start_server(const std::string& cert, const std::string& key, const std::string& log,
                   std::unique_ptr<BackgroundProcess>& into) {
    const int port = free_loopback_port();
    into = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/bin/python3", script(), cert, key, std::to_string(port)},
        dir_.file(log));
    EXPECT_TRUE(wait_for_port(port)) << read_all(dir_.file(log) + ".stderr");
    return port;
  }

  static std::string script() {
    return (fs::path(RATLS_SOURCE_DIR) / "tests/browser/https_page.py").string();
  }

  CommandResult trust_install() {
    return run_command(
        {gateway_binary(), "trust", "install", "--home", home_, "--state-dir", state_});
  }

  std::string url() const { return "https://demo.localhost:" + std::to_string(port_) + "/"; }
  std::string page_log() const { return read_all(dir_.file("page.log")); }

  // Firefox hangs on a page it refuses with --screenshot (stack.md §9): the timeout ends it and
  // a missing PNG means "refused".
  bool firefox_screenshot(const std::string& profile, const std::string& target,
                          const std::string& png, int seconds) {
    const CommandResult r =
        run_command({"/usr/bin/env", "HOME=" + home_, "/usr/bin/timeout", std::to_string(seconds),
                     "/usr/bin/firefox-esr", "--headless", "--no-remote", "--profile", profile,
                     "--window-size=1024,600", "--screenshot", png, target},
                    seconds + 30);
    return fs::exists(png) && fs::file_size(png) > 5000;
  }

  // Chromium exits 0 whether or not it loaded the page; only the PNG tells.
  CommandResult chromium_screenshot(const std::string& target, const std::string& png,
                                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{"/usr/bin/env",
                                  "HOME=" + home_,
                                  "/usr/bin/timeout",
                                  "60",
                                  "/usr/bin/chromium",
                                  "--headless",
                                  "--no-sandbox",
                                  "--disable-gpu",
                                  "--disable-quic",
                                  "--no-first-run",
                                  "--disable-background-networking",
                                  "--disable-component-update",
                                  "--disable-sync",
                                  "--user-data-dir=" + home_ + "/chromium-profile",
                                  "--window-size=1024,600",
                                  "--screenshot=" + png};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(target);
    return run_command(argv, 90);
  }

  void keep_artifact(const std::string& png, const std::string& name) {
    std::error_code ec;
    fs::copy_file(png, name, fs::copy_options::overwrite_existing, ec);
  }

  void chromium_round_trip(const std::string& expected_db) {
    const std::string refused = dir_.file("chromium-refused.png");
    CommandResult r = chromium_screenshot(url(), refused);
    EXPECT_FALSE(fs::exists(refused)) << "loaded without the CA: " << r.err;
    EXPECT_NE(r.err.find("ERR_CERT_AUTHORITY_INVALID"), std::string::npos) << r.err;
    EXPECT_EQ(page_log().find("GET /"), std::string::npos) << page_log();
    ASSERT_TRUE(fs::exists(expected_db + "/cert9.db")) << "Chromium made no database there";

    r = trust_install();
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Chrome/Chromium (" + expected_db + "): installed"), std::string::npos)
        << r.out;

    const std::string shot = dir_.file("chromium.png");
    r = chromium_screenshot(url(), shot);
    ASSERT_TRUE(fs::exists(shot)) << r.err;
    EXPECT_GT(fs::file_size(shot), 5000u);
    EXPECT_NE(page_log().find("GET /"), std::string::npos) << page_log();
    keep_artifact(shot, "chromium-local-ca.png");

    // The CA is trusted now, yet a leaf it signed for another site is refused: Chromium enforces
    // the name constraints on a locally added anchor.
    write_rogue_leaf(state_, dir_.file("rogue.pem"), dir_.file("rogue-key.pem"));
    std::unique_ptr<BackgroundProcess> rogue;
    const int rogue_port =
        start_server(dir_.file("rogue.pem"), dir_.file("rogue-key.pem"), "rogue.log", rogue);
    const std::string rogue_shot = dir_.file("chromium-rogue.png");
    r = chromium_screenshot("https://www.example.com:" + std::to_string(rogue_port) + "/",
                            rogue_shot, {"--host-resolver-rules=MAP www.example.com 127.0.0.1"});
    EXPECT_FALSE(fs::exists(rogue_shot)) << r.err;
    EXPECT_NE(r.err.find("ERR_CERT_INVALID"), std::string::npos) << r.err;
  }

  TempDir dir_;
  std::string home_, state_;
  int port_ = 0;
  std::unique_ptr<BackgroundProcess> page_;
};

TEST_F(BrowserTrust, FirefoxProfileTrustsTheLocalCaOnlyAfterTrustInstall) {
  const std::string profile = home_ + "/.mozilla/firefox/t1.default-esr";
  fs::create_directories(profile);
  std::ofstream(home_ + "/.mozilla/firefox/profiles.ini")
      << "[Profile0]\nName=default-esr\nIsRelative=1\nPath=t1.default-esr\nDefault=1\n\n"
      << "[General]\nStartWithLastProfile=1\nVersion=2\n";
  // Lets the constraint check below reach the loopback server as www.example.com.
  std::ofstream(profile + "/user.js")
      << "user_pref(\"network.dns.localDomains\", \"www.example.com\");\n";

  const std::string refused = dir_.file("firefox-refused.png");
  EXPECT_FALSE(firefox_screenshot(profile, url(), refused, 20)) << "loaded without the CA";
  EXPECT_EQ(page_log().find("GET /"), std::string::npos) << page_log();
  EXPECT_NE(page_log().find("error"), std::string::npos) << "Firefox never reached the server";
  ASSERT_TRUE(fs::exists(profile + "/cert9.db")) << "Firefox made no database in the profile";

  const CommandResult r = trust_install();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Firefox profile default-esr (" + profile + "): installed"),
            std::string::npos)
      << r.out;

  const std::string shot = dir_.file("firefox.png");
  ASSERT_TRUE(firefox_screenshot(profile, url(), shot, 60)) << page_log();
  EXPECT_NE(page_log().find("GET /"), std::string::npos) << page_log();
  keep_artifact(shot, "firefox-local-ca.png");

  // mozilla::pkix enforces the name constraints too.
  write_rogue_leaf(state_, dir_.file("rogue.pem"), dir_.file("rogue-key.pem"));
  std::unique_ptr<BackgroundProcess> rogue;
  const int rogue_port =
      start_server(dir_.file("rogue.pem"), dir_.file("rogue-key.pem"), "rogue.log", rogue);
  EXPECT_FALSE(firefox_screenshot(profile,
                                  "https://www.example.com:" + std::to_string(rogue_port) + "/",
                                  dir_.file("firefox-rogue.png"), 20));
  const std::string rogue_log = read_all(dir_.file("rogue.log"));
  EXPECT_EQ(rogue_log.find("GET /"), std::string::npos) << rogue_log;
  EXPECT_NE(rogue_log.find("error"), std::string::npos) << "Firefox never reached the server";
}

TEST_F(BrowserTrust, ChromiumFreshHomeUsesItsXdgDatabase) {
  // Chromium M146+ creates ~/.local/share/pki/nssdb in a home without ~/.pki/nssdb.
  chromium_round_trip(home_ + "/.local/share/pki/nssdb");
}

TEST_F(BrowserTrust, ChromiumExistingDotPkiDatabase) {
  // Homes set up by older Chromium or by certutil keep using ~/.pki/nssdb.
  fs::create_directories(home_ + "/.pki/nssdb");
  chromium_round_trip(home_ + "/.pki/nssdb");
}

}  // namespace
}  // namespace ratls::test
