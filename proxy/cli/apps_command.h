// `ratls-gateway apps add|list|remove`: the configuration's apps edited from the command line. An
// app is verified before it is written; the file is edited as JSON, keeping every other key and
// app, written atomically (mode 0600), and the running gateway is reloaded. docs/configuration.md.
#pragma once

#include <ostream>
#include <string>

#include "proxy/cli/verify_command.h"

namespace ratls::proxy {

struct AppsOptions {
  std::string config_path;  // empty: the default configuration
  std::string name;
  std::string upstream;  // add: https://HOST[:PORT]
  std::string mode;      // add: "ratls" or "webpki"; empty: not written (ratls)
  // add: the policy flags and --timeout-ms (as `verify`), and for a configuration that does not
  // exist yet, --root-ca and --collateral DIR / --pccs URL (written to trust and collateral).
  VerifyOptions verify;
  std::string listen;       // add: the first listen address of a new configuration
  bool json = false;        // list
  bool forget_pin = false;  // remove
};

// Exit status (verify's conventions): 0 done; 1 refused — the app did not verify (the file is
// left untouched), an unknown app to remove, or a running gateway that did not take the change
// up; 2 unusable input (bad name, duplicate, not https://, broken configuration).
int run_apps_add(const AppsOptions& options, std::ostream& out, std::ostream& err);
int run_apps_list(const AppsOptions& options, std::ostream& out, std::ostream& err);
int run_apps_remove(const AppsOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ratls::proxy
