// OpenSSL side (the local CA) meets the NSS side (nss/, whose headers carry no NSS types) here.
#include "proxy/cli/trust_command.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "nss/discovery.h"
#include "nss/trust_store.h"
#include "proxy/trust/local_ca.h"

namespace ratls::proxy {

namespace {

namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string nickname_for(const LocalCa& ca) {
  return std::string(kTrustNicknamePrefix) + " " + ca.sha256_hex().substr(0, 16);
}

std::string where(const nss::NssDatabase& db) {
  return db.browser + " (" + db.path + ")";
}

// "installed (as "...")", "skipped: legacy database ...".
std::string describe(const nss::Result& r) {
  std::string line = nss::outcome_name(r.outcome);
  if (r.detail.empty()) return line;
  if (r.outcome == nss::Outcome::kSkipped || r.outcome == nss::Outcome::kFailed)
    return line + ": " + r.detail;
  return line + " (" + r.detail + ")";
}

void print_none_found(const std::string& home, std::ostream& out) {
  out << "No browser database found under " << home
      << " (start Chrome/Chromium or Firefox once, then run this again).\n";
}

int status(const std::vector<nss::NssDatabase>& dbs, const std::optional<LocalCa>& ca,
           std::ostream& out) {
  bool failed = false;
  const attest::Bytes current = ca ? ca->certificate_der() : attest::Bytes{};
  for (const nss::NssDatabase& db : dbs) {
    out << "  " << where(db) << ": ";
    const nss::ListResult list = nss::list_certificates(db.path, kTrustNicknamePrefix);
    if (!list.ok) {
      const bool skipped = db.kind != nss::DatabaseKind::kSql;
      failed = failed || !skipped;
      out << (skipped ? "skipped: " : "failed: ") << list.error << "\n";
      continue;
    }
    std::string state = "not installed";
    std::string others;
    for (const nss::StoredCertificate& c : list.certificates) {
      if (ca && c.der == current) {
        state = c.trusted_ssl_ca ? "installed (trust " + c.trust + ")"
                                 : "present without SSL trust (trust \"" + c.trust +
                                       "\"; run `ratls-gateway trust install`)";
      } else {
        others += (others.empty() ? "\"" : ", \"") + c.nickname + "\"";
      }
    }
    out << state;
    if (!others.empty()) {
      out << "; also " << others
          << (ca ? " (not the current CA: `trust remove`, then `trust install`)"
                 : " (no CA in the state directory matches)");
    }
    out << "\n";
  }
  return failed ? 1 : 0;
}

}  // namespace

int run_trust(const TrustOptions& o, std::ostream& out, std::ostream& err) {
  // Absolute paths: they appear in every line printed, and NSS gets them as "sql:DIR".
  auto absolute = [](const std::string& p) {
    std::error_code ec;
    const fs::path a = fs::absolute(p, ec);
    return ec ? p : a.lexically_normal().string();
  };
  nss::DiscoveryEnvironment where_env;
  if (!o.home.empty()) {
    where_env.home = absolute(o.home);
  } else {
    where_env.home = env("HOME");
    where_env.xdg_data_home = env("XDG_DATA_HOME");
    where_env.xdg_config_home = env("XDG_CONFIG_HOME");
  }
  if (where_env.home.empty()) {
    err << "trust: $HOME is not set; pass --home DIR\n";
    return 2;
  }
  std::string state_dir = o.state_dir.empty() ? "" : absolute(o.state_dir);
  if (state_dir.empty()) {
    const std::string xdg = o.home.empty() ? env("XDG_STATE_HOME") : "";
    state_dir = ((xdg.empty() ? fs::path(where_env.home) / ".local" / "state" : fs::path(xdg)) /
                 "ratls-gateway")
                    .string();
  }

  std::optional<LocalCa> ca;
  try {
    if (o.action == "install") {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      bool created = false;
      ca = LocalCa::load_or_create(state_dir, now, &created);
      out << "Local CA: " << ca->certificate_path() << (created ? " (created now)" : "")
          << ", SHA-256 " << ca->sha256_hex() << "\n";
    } else if (o.action == "remove" || o.action == "status") {
      ca = LocalCa::load(state_dir);
      if (ca) {
        out << "Local CA: " << ca->certificate_path() << ", SHA-256 " << ca->sha256_hex() << "\n";
      } else {
        out << "Local CA: none yet in " << LocalCa::directory(state_dir)
            << " (`ratls-gateway trust install` creates it)\n";
      }
    } else {
      err << "trust: unknown action '" << o.action << "' (expected install, remove or status)\n";
      return 2;
    }
  } catch (const LocalCaError& e) {
    err << "trust: " << e.what() << "\n";
    return 2;
  }

  const std::vector<nss::NssDatabase> dbs = nss::discover_databases(where_env);
  bool any_db = false;
  for (const auto& db : dbs) any_db = any_db || db.kind != nss::DatabaseKind::kMissing;
  if (!any_db) print_none_found(where_env.home, out);
  if (o.action == "status") return status(dbs, ca, out);

  bool failed = false;
  bool changed = false;
  for (const nss::NssDatabase& db : dbs) {
    const nss::Result r =
        o.action == "install"
            ? nss::add_ca_certificate(db.path, ca->certificate_der(), nickname_for(*ca))
            : nss::remove_certificates(db.path, kTrustNicknamePrefix);
    out << "  " << where(db) << ": " << describe(r) << "\n";
    failed = failed || r.outcome == nss::Outcome::kFailed;
    changed =
        changed || r.outcome == nss::Outcome::kInstalled || r.outcome == nss::Outcome::kRemoved;
  }
  if (changed) out << "Restart the browsers so that they read the change.\n";
  if (failed) {
    err << "trust: some databases were left unchanged (see above)";
    if (o.action == "install") {
      err << "; the CA to import there by hand is " << ca->certificate_path();
    }
    err << "\n";
  }
  return failed ? 1 : 0;
}

}  // namespace ratls::proxy
