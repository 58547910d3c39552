// nss/discovery on synthetic home directories laid out like each browser packaging does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nss/discovery.h"
#include "tests/support/process.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;
using nss::DatabaseKind;

class Discovery : public ::testing::Test {
 protected:
  std::string home() const { return tmp_.file("home"); }
  // An empty file is enough: discovery looks at names, never opens a database.
  std::string db(const std::string& rel, const char* file = "cert9.db") {
    const fs::path dir = fs::path(home()) / rel;
    fs::create_directories(dir);
    std::ofstream(dir / file).put('\0');
    return dir.string();
  }
  void write(const std::string& rel, const std::string& content) {
    const fs::path p = fs::path(home()) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }
  std::vector<nss::NssDatabase> discover() const {
    return nss::discover_databases(nss::DiscoveryEnvironment{home(), "", ""});
  }
  // `all` must outlive the returned pointer.
  const nss::NssDatabase* find(const std::vector<nss::NssDatabase>& all, const std::string& path) {
    for (const auto& d : all) {
      if (d.path == path) return &d;
    }
    ADD_FAILURE() << path << " not discovered";
    return nullptr;
  }

  TempDir tmp_;
};

TEST_F(Discovery, EmptyHomeReportsWhereChromiumWouldCreateItsDatabase) {
  fs::create_directories(home());
  const auto all = discover();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].path, home() + "/.local/share/pki/nssdb");
  EXPECT_EQ(all[0].browser, "Chrome/Chromium");
  EXPECT_EQ(all[0].kind, DatabaseKind::kMissing);
}

TEST_F(Discovery, ChromeUserDatabaseInBothLocations) {
  const std::string legacy_location = db(".pki/nssdb");
  const std::string xdg_location = db(".local/share/pki/nssdb");
  const auto all = discover();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].path, legacy_location);
  EXPECT_EQ(all[0].kind, DatabaseKind::kSql);
  EXPECT_EQ(all[1].path, xdg_location);
  EXPECT_EQ(all[1].browser, "Chrome/Chromium");
}

TEST_F(Discovery, ChromeOnlyInDotPki) {
  const std::string dir = db(".pki/nssdb");
  const auto all = discover();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].path, dir);
}

TEST_F(Discovery, XdgDataHomeIsHonoured) {
  const std::string dir = db("elsewhere/pki/nssdb");
  const auto all =
      nss::discover_databases(nss::DiscoveryEnvironment{home(), home() + "/elsewhere", ""});
  const auto* d = find(all, dir);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->kind, DatabaseKind::kSql);
}

TEST_F(Discovery, SnapChromium) {
  const std::string dir = db("snap/chromium/current/.pki/nssdb");
  const auto all = discover();
  const auto* d = find(all, dir);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->browser, "Chromium (snap)");
  EXPECT_EQ(d->kind, DatabaseKind::kSql);
}

TEST_F(Discovery, FirefoxProfilesIniWithRelativeAbsoluteLegacyAndMissingProfiles) {
  const std::string custom = tmp_.file("custom profile dir");  // spaces: mkcert#326
  fs::create_directories(custom);
  std::ofstream(fs::path(custom) / "cert9.db").put('\0');
  const std::string rel = db(".mozilla/firefox/abcd1234.default-esr");
  const std::string old = db(".mozilla/firefox/old.default", "cert8.db");
  fs::create_directories(home() + "/.mozilla/firefox/never-started");
  write(".mozilla/firefox/profiles.ini",
        "[Install4F96D1932A9F858E]\r\nDefault=abcd1234.default-esr\r\nLocked=1\r\n\r\n"
        "[Profile0]\r\nName=default-esr\r\nIsRelative=1\r\nPath=abcd1234.default-esr\r\n"
        "Default=1\r\n\r\n"
        "[Profile1]\r\nName=work\r\nIsRelative=0\r\nPath=" +
            custom +
            "\r\n\r\n"
            "[Profile2]\r\nName=old\r\nIsRelative=1\r\nPath=old.default\r\n\r\n"
            "[Profile3]\r\nName=fresh\r\nIsRelative=1\r\nPath=never-started\r\n\r\n"
            "[General]\r\nStartWithLastProfile=1\r\nVersion=2\r\n");
  const auto all = discover();
  const auto* a = find(all, rel);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind, DatabaseKind::kSql);
  EXPECT_EQ(a->browser, "Firefox profile default-esr");
  const auto* b = find(all, custom);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->kind, DatabaseKind::kSql);
  EXPECT_EQ(b->browser, "Firefox profile work");
  const auto* c = find(all, old);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->kind, DatabaseKind::kLegacy);
  const auto* d = find(all, home() + "/.mozilla/firefox/never-started");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->kind, DatabaseKind::kMissing);
  // Chrome's (missing) location plus the four profiles, nothing else.
  EXPECT_EQ(all.size(), 5u);
}

TEST_F(Discovery, FirefoxXdgConfigLocation) {
  const std::string dir = db(".config/mozilla/firefox/x1.default-release");
  write(".config/mozilla/firefox/profiles.ini",
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=x1.default-release\n");
  const auto all = discover();
  const auto* d = find(all, dir);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->browser, "Firefox profile default-release");
}

TEST_F(Discovery, SnapAndFlatpakFirefox) {
  const std::string snap = db("snap/firefox/common/.mozilla/firefox/s1.default");
  write("snap/firefox/common/.mozilla/firefox/profiles.ini",
        "[Profile0]\nName=default\nIsRelative=1\nPath=s1.default\n");
  const std::string flat = db(".var/app/org.mozilla.firefox/.mozilla/firefox/f1.default");
  write(".var/app/org.mozilla.firefox/.mozilla/firefox/profiles.ini",
        "[Profile0]\nName=default\nIsRelative=1\nPath=f1.default\n");
  const std::string flat_new = db(".var/app/org.mozilla.firefox/config/mozilla/firefox/f2.default");
  write(".var/app/org.mozilla.firefox/config/mozilla/firefox/profiles.ini",
        "[Profile0]\nName=new\nIsRelative=1\nPath=f2.default\n");
  const auto all = discover();
  const auto* s = find(all, snap);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->browser, "Firefox (snap) profile default");
  const auto* f = find(all, flat);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->browser, "Firefox (flatpak) profile default");
  const auto* g = find(all, flat_new);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->browser, "Firefox (flatpak) profile new");
}

TEST_F(Discovery, FirefoxRootWithoutProfilesIniFallsBackToItsDatabases) {
  const std::string dir = db(".mozilla/firefox/manual.profile");
  fs::create_directories(home() + "/.mozilla/firefox/Crash Reports");
  const auto all = discover();
  EXPECT_NE(find(all, dir), nullptr);
  EXPECT_EQ(all.size(), 2u);  // Chrome's missing location and the profile, not "Crash Reports"
}

TEST_F(Discovery, TheSameDirectoryIsReportedOnce) {
  const std::string dir = db(".mozilla/firefox/p.default");
  write(".mozilla/firefox/profiles.ini",
        "[Profile0]\nName=a\nIsRelative=1\nPath=p.default\n\n[Profile1]\nName=b\nIsRelative=0\n"
        "Path=" +
            dir + "\n");
  const auto all = discover();
  std::size_t n = 0;
  for (const auto& d : all) n += d.path == dir ? 1 : 0;
  EXPECT_EQ(n, 1u);
}

TEST_F(Discovery, NoHomeNoResult) {
  EXPECT_TRUE(nss::discover_databases(nss::DiscoveryEnvironment{}).empty());
}

}  // namespace
}  // namespace ratls::test
