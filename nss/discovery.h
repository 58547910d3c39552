// Finding the NSS databases that browsers on Linux read their trust from (proxy-notes §3.1, §3.2):
// the user NSS database shared by Chrome/Chromium (and Brave, Edge, Vivaldi), snap Chromium, and
// every Firefox profile listed in a profiles.ini (native, XDG, snap and flatpak roots, custom
// absolute profile paths included). Looks only at the file system under the given home.
#pragma once

#include <string>
#include <vector>

namespace ratls::nss {

enum class DatabaseKind {
  kSql,     // cert9.db: modifiable with the "sql:" prefix
  kLegacy,  // cert8.db only (Berkeley DB): reported, never touched (NSS would migrate it)
  kMissing  // the browser would read a database here, but none exists yet
};

struct NssDatabase {
  std::string path;     // the directory (NSS wants the directory, never .../cert9.db)
  std::string browser;  // "Chrome/Chromium", "Firefox (snap) profile default-release", ...
  DatabaseKind kind = DatabaseKind::kMissing;
};

// Where to look. Passed in rather than read from the environment so that tests (and
// `trust --home DIR`) see only the home they name.
struct DiscoveryEnvironment {
  std::string home;             // $HOME; required
  std::string xdg_data_home;    // empty: <home>/.local/share
  std::string xdg_config_home;  // empty: <home>/.config
};

// Every database found, in a stable order (Chrome first, then Firefox roots), without
// duplicates (the same directory reached twice is reported once). A browser root that does not
// exist contributes nothing; a Firefox profile listed in profiles.ini without a database, or a
// Chrome location when none exists yet, is reported as kMissing.
std::vector<NssDatabase> discover_databases(const DiscoveryEnvironment& env);

// "sql", "legacy", "missing".
const char* kind_name(DatabaseKind kind);

// The kind of the database in `dir` (cert9.db present: kSql; else cert8.db: kLegacy).
DatabaseKind database_kind(const std::string& dir);

}  // namespace ratls::nss
