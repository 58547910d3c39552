#include "proxy/cli/pins_command.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "attest/time.h"
#include "proxy/config/config.h"
#include "proxy/pinning/pin_json.h"
#include "proxy/pinning/pin_store.h"

namespace ratls::proxy {

namespace {

using nlohmann::json;

std::string config_path_or_default(const std::string& path) {
  return path.empty() ? default_config_path(ConfigEnvironment::from_process("")) : path;
}

std::string short_hex(const std::string& h) {
  return h.size() > 16 ? h.substr(0, 16) + "…" : h;
}

void print_pin(std::ostream& out, const char* label, const Pin& p) {
  out << "  " << label << " MRENCLAVE " << short_hex(p.mrenclave) << "  MRSIGNER "
      << short_hex(p.mrsigner) << "  ISV " << p.isv_prod_id << "/" << p.isv_svn << "  TCB "
      << (p.tcb_status.empty() ? "-" : p.tcb_status) << "  cert " << short_hex(p.cert_sha256)
      << "  verified " << attest::format_rfc3339(p.verified_at)
      << (p.simulated ? "  SIMULATED" : "") << "\n";
}

}  // namespace

int run_pins(const PinsOptions& o, std::ostream& out, std::ostream& err) {
  std::string state_dir = o.state_dir;
  std::vector<std::string> apps;
  if (state_dir.empty()) {
    try {
      // No default file yet: the daemon runs with the defaults, state_dir included.
      const Config c = o.config_path.empty() ? load_config_or_empty(config_path_or_default(""))
                                             : load_config(o.config_path);
      state_dir = c.state_dir;
      for (const auto& a : c.apps) apps.push_back(a.name);
    } catch (const ConfigError& e) {
      err << "ratls-gateway pins: " << e.what() << " (or pass --state-dir)\n";
      return 2;
    }
  }
  PinStore pins((std::filesystem::path(state_dir) / "pins.json").string());
  try {
    pins.load();
    if (o.action == "list") {
      if (o.json) {
        json j = json::object();
        for (const auto& e : pins.all()) {
          j[e.app] = {{"pin", e.pin ? pin_to_json(*e.pin) : json(nullptr)},
                      {"pending", e.pending ? pin_to_json(*e.pending) : json(nullptr)},
                      {"pending_reason", e.pending_reason}};
        }
        out << j.dump(2) << "\n";
        return 0;
      }
      if (pins.all().empty()) out << "no pins in " << pins.path() << "\n";
      for (const auto& e : pins.all()) {
        out << e.app << "\n";
        if (e.pin) print_pin(out, "pinned ", *e.pin);
        if (e.pending) {
          print_pin(out, "pending", *e.pending);
          out << "          " << e.pending_reason
              << "\n          accept it with: ratls-gateway pins accept " << e.app << "\n";
        }
      }
      return 0;
    }
    if (o.app.empty()) {
      err << "ratls-gateway pins " << o.action << ": name the app\n";
      return 2;
    }
    if (o.action == "accept") {
      const auto entry = pins.get(o.app);
      if (!pins.accept_pending(o.app)) {
        err << "ratls-gateway pins accept: " << o.app << " has no refused candidate to accept"
            << (entry && entry->pin ? " (its current pin stays)" : "") << "\n";
        return 1;
      }
      out << "accepted for " << o.app << ": MRENCLAVE " << entry->pending->mrenclave
          << ", certificate " << entry->pending->cert_sha256
          << "\nthe gateway uses it for the next new upstream connection\n";
      return 0;
    }
    if (o.action == "forget") {
      if (!pins.forget(o.app)) {
        err << "ratls-gateway pins forget: no pin for " << o.app << "\n";
        return 1;
      }
      out << "forgot the pin of " << o.app
          << "; the next verified connection is pinned again (trust on first use unless a policy "
             "names "
             "the measurements)\n";
      return 0;
    }
    err << "ratls-gateway pins: unknown action " << o.action << " (list, accept APP, forget APP)\n";
    return 2;
  } catch (const std::exception& e) {
    err << "ratls-gateway pins: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace ratls::proxy
