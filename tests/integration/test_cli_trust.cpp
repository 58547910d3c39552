// `ratls-gateway trust install|remove|status --home H` on a synthetic home holding a Chrome user
// database, Firefox profiles (relative, custom absolute path, legacy cert8.db, password-protected)
// made with certutil, every result cross-checked with `certutil -L`.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCertutil = "/usr/bin/certutil";
constexpr const char* kPrefix = "ratls-gateway local CA";

// "nickname -> trust" of the gateway's certificates as certutil lists them.
std::map<std::string, std::string> certutil_gateway_certs(const std::string& dir) {
  const CommandResult r = run_command({kCertutil, "-L", "-d", "sql:" + dir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> found;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(kPrefix, 0) != 0) continue;
    const auto end = line.find_last_not_of(' ');
    const auto start = line.find_last_of(' ', end);
    const auto name_end = line.find_last_not_of(' ', start);
    found[line.substr(0, name_end + 1)] = line.substr(start + 1, end - start);
  }
  return found;
}

class TrustCli : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.file("home");
    state_ = dir_.file("state");
    chrome_ = home_ + "/.pki/nssdb";
    firefox_ = home_ + "/.mozilla/firefox/abc.default-esr";
    custom_ = dir_.file("elsewhere/work profile");
    legacy_ = home_ + "/.mozilla/firefox/old.default";
    make_db(chrome_);
    make_db(firefox_);
    make_db(custom_);
    fs::create_directories(legacy_);
    std::ofstream(legacy_ + "/cert8.db") << "legacy";
    write_profiles_ini("");
  }

  void make_db(const std::string& dir, const std::string& password_file = "") {
    fs::create_directories(dir);
    std::vector<std::string> argv{kCertutil, "-N", "-d", "sql:" + dir};
    if (password_file.empty()) {
      argv.push_back("--empty-password");
    } else {
      argv.insert(argv.end(), {"-f", password_file});
    }
    const CommandResult r = run_command(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void write_profiles_ini(const std::string& extra) {
    std::ofstream(home_ + "/.mozilla/firefox/profiles.ini")
        << "[Profile0]\nName=default-esr\nIsRelative=1\nPath=abc.default-esr\nDefault=1\n\n"
        << "[Profile1]\nName=work\nIsRelative=0\nPath=" << custom_ << "\n\n"
        << "[Profile2]\nName=old\nIsRelative=1\nPath=old.default\n\n"
        << extra << "[General]\nStartWithLastProfile=1\nVersion=2\n";
  }

  CommandResult trust(const std::string& action, bool with_state_dir = true) {
    std::vector<std::string> argv{gateway_binary(), "trust", action, "--home", home_};
    if (with_state_dir) argv.insert(argv.end(), {"--state-dir", state_});
    return run_command(argv);
  }

  TempDir dir_;
  std::string home_, state_, chrome_, firefox_, custom_, legacy_;
};

TEST_F(TrustCli, InstallReinstallStatusRemove) {
  CommandResult r = trust("status");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Local CA: none yet")) << r.out;
  EXPECT_TRUE(contains(r.out, "Chrome/Chromium (" + chrome_ + "): not installed")) << r.out;

  r = trust("install");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "(created now)")) << r.out;
  EXPECT_TRUE(contains(r.out, "Chrome/Chromium (" + chrome_ + "): installed")) << r.out;
  EXPECT_TRUE(contains(r.out, "Firefox profile default-esr (" + firefox_ + "): installed"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "Firefox profile work (" + custom_ + "): installed")) << r.out;
  EXPECT_TRUE(contains(r.out, "Firefox profile old (" + legacy_ + "): skipped: legacy database"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "Restart the browsers")) << r.out;
  EXPECT_FALSE(fs::exists(legacy_ + "/cert9.db"));
  for (const std::string& db : {chrome_, firefox_, custom_}) {
    const auto certs = certutil_gateway_certs(db);
    ASSERT_EQ(certs.size(), 1u) << db;
    EXPECT_EQ(certs.begin()->second, "C,,") << db;
  }
  struct stat st {};
  ASSERT_EQ(::stat((state_ + "/local-ca/ca-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The CA the databases hold is the one in the state directory.
  const CommandResult fp = run_command({kCertutil, "-L", "-d", "sql:" + chrome_, "-n",
                                        certutil_gateway_certs(chrome_).begin()->first, "-a"});
  std::ifstream ca_in(state_ + "/local-ca/ca.pem");
  std::stringstream ca_pem;
  ca_pem << ca_in.rdbuf();
  auto strip = [](std::string s) {
    std::erase(s, '\r');
    std::erase(s, '\n');
    return s;
  };
  EXPECT_EQ(strip(fp.out), strip(ca_pem.str()));

  r = trust("install");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "created now")) << r.out;
  EXPECT_TRUE(contains(r.out, "Chrome/Chromium (" + chrome_ + "): already present")) << r.out;
  EXPECT_FALSE(contains(r.out, "Restart")) << r.out;
  EXPECT_EQ(certutil_gateway_certs(firefox_).size(), 1u);

  r = trust("status");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Firefox profile work (" + custom_ + "): installed (trust C,,)"))
      << r.out;

  r = trust("remove");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Chrome/Chromium (" + chrome_ + "): removed")) << r.out;
  for (const std::string& db : {chrome_, firefox_, custom_}) {
    EXPECT_TRUE(certutil_gateway_certs(db).empty()) << db;
  }
  r = trust("remove");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Chrome/Chromium (" + chrome_ + "): not present")) << r.out;
}

TEST_F(TrustCli, PasswordProtectedProfileFailsAloneAndStaysUnchanged) {
  const std::string locked = home_ + "/.mozilla/firefox/locked.default";
  make_db(locked, dir_.write("pw", "s3cret\n"));
  write_profiles_ini("[Profile3]\nName=locked\nIsRelative=1\nPath=locked.default\n\n");

  const CommandResult r = trust("install");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Firefox profile locked (" + locked +
                                  "): failed: protected by a primary password; nothing was "
                                  "changed"))
      << r.out;
  EXPECT_TRUE(contains(r.err, state_ + "/local-ca/ca.pem")) << r.err;
  EXPECT_TRUE(certutil_gateway_certs(locked).empty());
  // The others went ahead.
  EXPECT_EQ(certutil_gateway_certs(chrome_).size(), 1u);
  EXPECT_EQ(certutil_gateway_certs(firefox_).size(), 1u);

  // Nothing to remove there, so removal succeeds everywhere.
  const CommandResult rm = trust("remove");
  EXPECT_EQ(rm.exit_code, 0) << rm.out << rm.err;
  EXPECT_TRUE(contains(rm.out, "Firefox profile locked (" + locked + "): not present")) << rm.out;
}

TEST_F(TrustCli, DefaultStateDirIsUnderTheGivenHome) {
  const CommandResult r = trust("install", /*with_state_dir=*/false);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(home_ + "/.local/state/ratls-gateway/local-ca/ca.pem")) << r.out;
}

TEST_F(TrustCli, EmptyHomeSaysWhatToDo) {
  const std::string empty = dir_.file("empty-home");
  fs::create_directories(empty);
  const CommandResult r =
      run_command({gateway_binary(), "trust", "install", "--home", empty, "--state-dir", state_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "No browser database found")) << r.out;
  EXPECT_TRUE(contains(r.out, "skipped: no database")) << r.out;
  // Nothing created in the home: the browsers make their databases themselves.
  EXPECT_TRUE(fs::is_empty(empty));
}

TEST_F(TrustCli, UsageErrors) {
  const CommandResult r = run_command({gateway_binary(), "trust"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const CommandResult bad = run_command({gateway_binary(), "trust", "frobnicate"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
}

}  // namespace
}  // namespace ratls::test
