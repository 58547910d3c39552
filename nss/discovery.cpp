#include "nss/discovery.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>

namespace ratls::nss {

namespace {

namespace fs = std::filesystem;

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

struct IniProfile {
  std::string name;
  std::string path;
  bool relative = true;
};

// The [Profile*] sections of a Firefox profiles.ini. [Install*] sections name the same profiles
// again (by path), so they add nothing.
std::vector<IniProfile> read_profiles_ini(const fs::path& file) {
  std::ifstream in(file);
  std::vector<IniProfile> profiles;
  bool in_profile = false;
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == ';' || l.front() == '#') continue;
    if (l.front() == '[') {
      const std::string_view section = trim(l.substr(1, l.find(']') - 1));
      in_profile = section.substr(0, 7) == "Profile";
      if (in_profile) profiles.emplace_back();
      continue;
    }
    if (!in_profile) continue;
    const auto eq = l.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(l.substr(0, eq));
    const std::string_view value = trim(l.substr(eq + 1));
    if (key == "Name") profiles.back().name = value;
    if (key == "Path") profiles.back().path = value;
    if (key == "IsRelative") profiles.back().relative = value != "0";
  }
  return profiles;
}

class Collector {
 public:
  void add(const fs::path& dir, const std::string& browser) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(dir, ec);
    if (ec) key = dir.lexically_normal();
    if (!seen_.insert(key.string()).second) return;
    found_.push_back(
        NssDatabase{dir.lexically_normal().string(), browser, database_kind(dir.string())});
  }
  std::vector<NssDatabase> take() { return std::move(found_); }

 private:
  std::set<std::string> seen_;
  std::vector<NssDatabase> found_;
};

void add_firefox_root(Collector& c, const fs::path& root, const std::string& label) {
  if (!is_dir(root)) return;
  const fs::path ini = root / "profiles.ini";
  if (is_file(ini)) {
    for (const IniProfile& p : read_profiles_ini(ini)) {
      if (p.path.empty()) continue;
      const fs::path path(p.path);
      const fs::path dir = (p.relative && path.is_relative()) ? root / path : path;
      const std::string name = p.name.empty() ? dir.filename().string() : p.name;
      c.add(dir, label + " profile " + name);
    }
    return;
  }
  // No profiles.ini (a profile copied in by hand, an old layout): the subdirectories that hold a
  // database, as mkcert does.
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec)) continue;
    if (database_kind(entry.path().string()) != DatabaseKind::kMissing)
      dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) c.add(d, label + " profile " + d.filename().string());
}

}  // namespace

const char* kind_name(DatabaseKind kind) {
  switch (kind) {
    case DatabaseKind::kSql:
      return "sql";
    case DatabaseKind::kLegacy:
      return "legacy";
    case DatabaseKind::kMissing:
      break;
  }
  return "missing";
}

DatabaseKind database_kind(const std::string& dir) {
  if (is_file(fs::path(dir) / "cert9.db")) return DatabaseKind::kSql;
  if (is_file(fs::path(dir) / "cert8.db")) return DatabaseKind::kLegacy;
  return DatabaseKind::kMissing;
}

std::vector<NssDatabase> discover_databases(const DiscoveryEnvironment& env) {
  Collector c;
  if (env.home.empty()) return {};
  const fs::path home(env.home);
  const fs::path data =
      env.xdg_data_home.empty() ? home / ".local" / "share" : fs::path(env.xdg_data_home);
  const fs::path config =
      env.xdg_config_home.empty() ? home / ".config" : fs::path(env.xdg_config_home);

  // Chrome/Chromium read ~/.pki/nssdb when that directory exists, else $XDG_DATA_HOME/pki/nssdb
  // (NSS's nsssysinit rule, Chromium M146+). Every existing one is reported; when none exists,
  // the one Chromium would create, as missing.
  const std::string chrome = "Chrome/Chromium";
  const std::vector<fs::path> chrome_dirs = {home / ".pki" / "nssdb", data / "pki" / "nssdb",
                                             home / ".local" / "share" / "pki" / "nssdb"};
  bool any_chrome = false;
  for (const auto& d : chrome_dirs) {
    if (is_dir(d)) {
      c.add(d, chrome);
      any_chrome = true;
    }
  }
  if (!any_chrome) c.add(data / "pki" / "nssdb", chrome);
  if (is_dir(home / "snap" / "chromium")) {
    c.add(home / "snap" / "chromium" / "current" / ".pki" / "nssdb", "Chromium (snap)");
  }

  add_firefox_root(c, home / ".mozilla" / "firefox", "Firefox");
  add_firefox_root(c, config / "mozilla" / "firefox", "Firefox");
  add_firefox_root(c, home / "snap" / "firefox" / "common" / ".mozilla" / "firefox",
                   "Firefox (snap)");
  const fs::path flatpak = home / ".var" / "app" / "org.mozilla.firefox";
  add_firefox_root(c, flatpak / ".mozilla" / "firefox", "Firefox (flatpak)");
  add_firefox_root(c, flatpak / "config" / "mozilla" / "firefox", "Firefox (flatpak)");
  return c.take();
}

}  // namespace ratls::nss
