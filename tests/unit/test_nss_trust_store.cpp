// nss/trust_store against real NSS databases made by Debian's certutil (libnss3-tools), each
// result cross-checked with `certutil -L`, the tool's own view of the database.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <openssl/x509.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include "nss/trust_store.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCertutil = "/usr/bin/certutil";
constexpr const char* kPrefix = "ratls-gateway local CA";

attest::Bytes make_ca_der(const std::string& cn) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  attest::EvpPkeyPtr key = make_ec_key();
  CertSpec spec;
  spec.common_name = cn;
  spec.ca = true;
  spec.not_before = now - 60;
  spec.not_after = now + 86400;
  attest::X509Ptr cert = make_cert(spec, key.get(), nullptr, key.get());
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  attest::Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// Trust attributes certutil shows for `nickname`; "" when it is not listed.
std::string certutil_trust(const std::string& dir, const std::string& nickname) {
  const CommandResult r = run_command({kCertutil, "-L", "-d", "sql:" + dir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, nickname.size(), nickname) != 0) continue;
    const auto end = line.find_last_not_of(' ');
    const auto start = line.find_last_of(' ', end);
    return line.substr(start + 1, end - start);
  }
  return "";
}

std::size_t certutil_count(const std::string& dir) {
  const CommandResult r = run_command({kCertutil, "-L", "-d", "sql:" + dir});
  std::size_t n = 0;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) n += line.find(kPrefix) == 0 ? 1 : 0;
  return n;
}

void make_db(const std::string& dir, const std::string& password_file = "") {
  fs::create_directories(dir);
  const CommandResult r =
      password_file.empty()
          ? run_command({kCertutil, "-N", "-d", "sql:" + dir, "--empty-password"})
          : run_command({kCertutil, "-N", "-d", "sql:" + dir, "-f", password_file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(fs::path(dir) / "cert9.db"));
}

// Root ignores file modes (CAP_DAC_OVERRIDE), and the tests run as root on CI: drop the two
// capabilities from this thread's effective set while a "read-only" database is used.
class WithoutDacOverride {
 public:
  WithoutDacOverride() {
    header_.version = _LINUX_CAPABILITY_VERSION_3;
    header_.pid = 0;
    if (syscall(SYS_capget, &header_, saved_) != 0) return;
    __user_cap_data_struct reduced[2] = {saved_[0], saved_[1]};
    reduced[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    active_ = syscall(SYS_capset, &header_, reduced) == 0;
  }
  ~WithoutDacOverride() {
    if (active_) syscall(SYS_capset, &header_, saved_);
  }
  WithoutDacOverride(const WithoutDacOverride&) = delete;
  WithoutDacOverride& operator=(const WithoutDacOverride&) = delete;

 private:
  __user_cap_header_struct header_{};
  __user_cap_data_struct saved_[2]{};
  bool active_ = false;
};

class NssTrustStore : public ::testing::Test {
 protected:
  TempDir tmp_;
  attest::Bytes ca_ = make_ca_der("ratls-gateway test CA");
  std::string nickname_ = std::string(kPrefix) + " 0123abcd";
};

TEST_F(NssTrustStore, InstallsWithSslCaTrustThenIsIdempotentAndRemoves) {
  const std::string db = tmp_.file("nssdb");
  make_db(db);

  nss::Result r = nss::add_ca_certificate(db, ca_, nickname_);
  EXPECT_EQ(r.outcome, nss::Outcome::kInstalled) << r.detail;
  EXPECT_EQ(certutil_trust(db, nickname_), "C,,");

  r = nss::add_ca_certificate(db, ca_, nickname_);
  EXPECT_EQ(r.outcome, nss::Outcome::kAlreadyPresent) << r.detail;
  EXPECT_EQ(certutil_count(db), 1u);

  const nss::ListResult list = nss::list_certificates(db, kPrefix);
  ASSERT_TRUE(list.ok) << list.error;
  ASSERT_EQ(list.certificates.size(), 1u);
  EXPECT_EQ(list.certificates[0].nickname, nickname_);
  EXPECT_EQ(list.certificates[0].trust, "C,,");
  EXPECT_TRUE(list.certificates[0].trusted_ssl_ca);
  EXPECT_EQ(list.certificates[0].der, ca_);

  r = nss::remove_certificates(db, kPrefix);
  EXPECT_EQ(r.outcome, nss::Outcome::kRemoved) << r.detail;
  EXPECT_NE(r.detail.find(nickname_), std::string::npos);
  EXPECT_EQ(certutil_trust(db, nickname_), "");

  r = nss::remove_certificates(db, kPrefix);
  EXPECT_EQ(r.outcome, nss::Outcome::kNotPresent) << r.detail;
}

TEST_F(NssTrustStore, RemoveLeavesOtherCertificatesAlone) {
  const std::string db = tmp_.file("nssdb");
  make_db(db);
  const attest::Bytes other_der = make_ca_der("someone else's CA");
  const std::string other =
      tmp_.write("other.der", std::string(other_der.begin(), other_der.end()));
  const CommandResult add = run_command(
      {kCertutil, "-A", "-d", "sql:" + db, "-n", "corp root", "-t", "C,,", "-i", other});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  ASSERT_EQ(nss::add_ca_certificate(db, ca_, nickname_).outcome, nss::Outcome::kInstalled);
  EXPECT_EQ(nss::remove_certificates(db, kPrefix).outcome, nss::Outcome::kRemoved);
  EXPECT_EQ(certutil_trust(db, "corp root"), "C,,");
  EXPECT_EQ(certutil_trust(db, nickname_), "");
}

TEST_F(NssTrustStore, RepairsACopyLeftWithoutTrust) {
  const std::string db = tmp_.file("nssdb");
  make_db(db);
  const std::string der = tmp_.write("ca.der", std::string(ca_.begin(), ca_.end()));
  ASSERT_EQ(
      run_command({kCertutil, "-A", "-d", "sql:" + db, "-n", nickname_, "-t", ",,", "-i", der})
          .exit_code,
      0);
  ASSERT_EQ(certutil_trust(db, nickname_), ",,");
  const nss::Result r = nss::add_ca_certificate(db, ca_, nickname_);
  EXPECT_EQ(r.outcome, nss::Outcome::kInstalled) << r.detail;
  EXPECT_EQ(certutil_trust(db, nickname_), "C,,");
}

TEST_F(NssTrustStore, PasswordProtectedDatabaseIsLeftUnchanged) {
  const std::string db = tmp_.file("nssdb");
  make_db(db, tmp_.write("pw.txt", "correct horse battery staple\n"));

  const nss::Result r = nss::add_ca_certificate(db, ca_, nickname_);
  EXPECT_EQ(r.outcome, nss::Outcome::kFailed);
  EXPECT_NE(r.detail.find("primary password"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("nothing was changed"), std::string::npos) << r.detail;
  // Not even an untrusted copy (the half state NSS produces when the import runs first).
  EXPECT_EQ(certutil_count(db), 0u);
  // Listing needs no password.
  const nss::ListResult list = nss::list_certificates(db, kPrefix);
  EXPECT_TRUE(list.ok) << list.error;
  EXPECT_TRUE(list.certificates.empty());
}

TEST_F(NssTrustStore, ReadOnlyDatabaseIsReportedAndLeftUnchanged) {
  const std::string db = tmp_.file("nssdb");
  make_db(db);
  for (const auto& entry : fs::directory_iterator(db)) {
    fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::group_read);
  }
  fs::permissions(db, fs::perms::owner_read | fs::perms::owner_exec);
  nss::Result r;
  {
    const WithoutDacOverride guard;
    r = nss::add_ca_certificate(db, ca_, nickname_);
  }
  EXPECT_EQ(r.outcome, nss::Outcome::kFailed);
  EXPECT_NE(r.detail.find("read-only"), std::string::npos) << r.detail;
  fs::permissions(db, fs::perms::owner_all);
  EXPECT_EQ(certutil_count(db), 0u);
}

TEST_F(NssTrustStore, LegacyAndMissingDatabasesAreSkippedAndNotCreated) {
  const std::string legacy = tmp_.file("legacy");
  fs::create_directories(legacy);
  tmp_.write("legacy/cert8.db", "not really a Berkeley DB");
  nss::Result r = nss::add_ca_certificate(legacy, ca_, nickname_);
  EXPECT_EQ(r.outcome, nss::Outcome::kSkipped);
  EXPECT_NE(r.detail.find("legacy"), std::string::npos) << r.detail;
  EXPECT_FALSE(fs::exists(fs::path(legacy) / "cert9.db"));

  const std::string empty = tmp_.file("empty");
  fs::create_directories(empty);
  r = nss::add_ca_certificate(empty, ca_, nickname_);
  EXPECT_EQ(r.outcome, nss::Outcome::kSkipped);
  EXPECT_TRUE(fs::is_empty(empty));
  EXPECT_EQ(nss::remove_certificates(empty, kPrefix).outcome, nss::Outcome::kSkipped);
}

TEST_F(NssTrustStore, SeveralDatabasesInOneProcess) {
  const std::string a = tmp_.file("a"), b = tmp_.file("b");
  make_db(a);
  make_db(b);
  EXPECT_EQ(nss::add_ca_certificate(a, ca_, nickname_).outcome, nss::Outcome::kInstalled);
  EXPECT_EQ(nss::add_ca_certificate(b, ca_, nickname_).outcome, nss::Outcome::kInstalled);
  EXPECT_EQ(nss::add_ca_certificate(a, ca_, nickname_).outcome, nss::Outcome::kAlreadyPresent);
  EXPECT_EQ(certutil_trust(a, nickname_), "C,,");
  EXPECT_EQ(certutil_trust(b, nickname_), "C,,");
}

}  // namespace
}  // namespace ratls::test
