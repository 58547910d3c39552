// `ratls-gateway trust install|remove|status`: the local CA (proxy/local_ca.h) in every browser
// NSS database of a home directory (nss/), one line per database saying what was done.
#pragma once

#include <ostream>
#include <string>

namespace ratls::proxy {

struct TrustOptions {
  std::string action;  // "install", "remove" or "status"
  // Whose browsers: empty means $HOME (with $XDG_DATA_HOME and $XDG_CONFIG_HOME). A given home is
  // taken alone, without the XDG variables of the user running the command.
  std::string home;
  // Where the CA lives: empty means $XDG_STATE_HOME/ratls-gateway (the daemon's default
  // state_dir), or <home>/.local/state/ratls-gateway when --home is given.
  std::string state_dir;
};

// Nicknames of the CAs this command installs start with this (`remove` deletes all of them).
inline constexpr const char* kTrustNicknamePrefix = "ratls-gateway local CA";

// Exit status: 0 every database that can be modified was handled (legacy and missing ones are
// reported and skipped), 1 at least one failed (it is left unchanged and its line says why),
// 2 unusable input (no home, a damaged CA in the state directory).
int run_trust(const TrustOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
