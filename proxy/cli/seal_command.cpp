#include "proxy/cli/seal_command.h"

#include <sodium.h>

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "attest/ratls_cert.h"
#include "proxy/cli/daemon_startup.h"
#include "proxy/cli/verify_report.h"
#include "proxy/common/file_io.h"
#include "proxy/common/https_url.h"
#include "proxy/config/config.h"
#include "proxy/pinning/pin_store.h"

namespace ratls::proxy {

namespace {

namespace fs = std::filesystem;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string short_hex(const std::string& h) {
  return h.size() > 16 ? h.substr(0, 16) + "…" : h;
}

attest::Bytes read_input(const std::string& in) {
  // /dev/stdin reads a pipe or a redirected file alike, with the same size cap.
  const std::string path = in == "-" ? "/dev/stdin" : in;
  try {
    return read_file(path, kMaxSealInputSize);
  } catch (const std::exception& e) {
    throw UsageError("--in " + (in == "-" ? std::string("- (standard input)") : in) + ": " +
                     e.what());
  }
}

// --app NAME: what `verify https://UPSTREAM` would be given to check the app as the daemon does:
// its upstream, its trust anchor and collateral from the configuration (collateral flags on the
// command line take precedence: collateral is checked against the root whatever its source), and
// its policy. Returns the app's configuration; `v` and `policy` are filled in.
AppConfig resolve_app(const SealOptions& o, const Config& config, VerifyOptions& v,
                      attest::Policy& policy) {
  const VerifyOptions& f = o.verify;
  if (!f.url.empty() || !f.cert_file.empty())
    throw UsageError("pass only one of --app NAME, --cert FILE, https://HOST[:PORT]");
  if (!f.mrenclave.empty() || !f.mrsigner.empty() || !f.signer_key_files.empty() || f.isv_prod_id ||
      f.min_isv_svn || f.allow_debug || !f.accept_tcb.empty() || !f.allow_advisories.empty() ||
      !f.root_ca_file.empty()) {
    // Two policies for one decision would leave the user guessing which one sealed.
    throw UsageError("--app " + o.app +
                     " takes the policy and trust anchor from the configuration; drop the policy "
                     "flags and --root-ca (or seal to https://HOST[:PORT] with them)");
  }
  const AppConfig* found = nullptr;
  for (const auto& a : config.apps) {
    if (a.name == o.app) found = &a;
  }
  if (found == nullptr) {
    std::string names;
    for (const auto& a : config.apps) names += (names.empty() ? "" : ", ") + a.name;
    throw UsageError("--app " + o.app + ": no such app in " + config.source +
                     " (apps: " + (names.empty() ? "none" : names) + ")");
  }
  if (found->mode != UpstreamMode::kRatls) {
    throw UsageError("--app " + o.app +
                     " is a webpki app: it is not attested, so there is no enclave key to seal to");
  }
  v.url = "https://" + HttpsUrl{found->upstream_host, found->upstream_port, ""}.authority();
  policy = found->policy;
  const bool collateral_flags =
      !f.collateral_path.empty() || !f.pccs.empty() || f.offline || !f.cache_dir.empty();
  use_configured_sources(config, v, collateral_flags);
  return *found;
}

// Why the verified certificate may not be sealed to; empty when it may.
std::vector<std::string> refusals(const VerifyOutcome& outcome) {
  std::vector<std::string> why;
  if (!outcome.accepted()) {
    const auto errors = outcome.all_errors();
    why.push_back(
        "the certificate was not accepted (" +
        (errors.empty() ? std::string("verification incomplete") : errors.front().message) +
        "): seal encrypts only to an enclave that verifies");
  }
  if (!outcome.certificate) {  // not RA-TLS: the verification error says so
    if (why.empty()) why.push_back("no RA-TLS certificate to seal to");
    return why;
  }
  const auto& c = *outcome.certificate;
  if (c.format != attest::RatlsFormat::kCosmianSgx &&
      c.format != attest::RatlsFormat::kCosmianTdx) {
    why.push_back("a " + std::string(attest::ratls_format_name(c.format)) +
                  " certificate carries no enclave X25519 key (only Cosmian RA-TLS certificates "
                  "publish one, in REPORTDATA[32:64]): nothing to seal to");
  } else if (!c.enclave_x25519) {
    why.push_back(
        "this enclave has no sealing key: REPORTDATA[32:64] is all zero (Cosmian enclaves "
        "before mse-lib-sgx 2.0 and tee-tools builds publish none)");
  }
  return why;
}

// --app: the certificate must be the one the daemon accepted and pinned, when there is a pin.
std::optional<std::string> pin_refusal(const AppConfig& app, const Config& config,
                                       const VerifyOutcome& outcome) {
  PinStore pins((fs::path(config.state_dir) / "pins.json").string());
  pins.load();  // a missing file is no pin; a broken one throws (exit 2)
  const auto pinned = pins.pinned_cert_sha256(app.name);
  if (!pinned || !outcome.certificate) return std::nullopt;
  const std::string presented = attest::to_hex(outcome.certificate->cert_sha256);
  if (presented == *pinned) return std::nullopt;
  return "the certificate " + app.upstream + " presents (SHA-256 " + short_hex(presented) +
         ") is not the one pinned for " + app.name + " in " + pins.path() + " (" +
         short_hex(*pinned) +
         "); the enclave may have restarted with new keys: let the gateway verify it (open the "
         "app through it), check `ratls-gateway pins list`, then seal again";
}

std::string encode(const attest::Bytes& sealed, bool base64url) {
  if (!base64url) return std::string(sealed.begin(), sealed.end());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_ENCODED_LEN(sealed.size(), kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), sealed.data(), sealed.size(), kVariant);
  text.resize(text.size() - 1);  // the length counts the C string's NUL
  return text;
}

}  // namespace

int run_seal(const SealOptions& o, std::ostream& out, std::ostream& err) {
  try {
    if (o.in.empty() || o.out.empty()) throw UsageError("--in FILE and --out FILE are required");
    if (!o.verify.quote_file.empty())
      throw UsageError("seal needs a certificate (its key binding), not a bare quote");
    // The sealed output goes to stdout with --out -, so the report moves to stderr.
    std::ostream& report = o.out == "-" ? err : out;

    VerifyOptions v = o.verify;
    attest::Policy policy;
    std::optional<Config> config;
    std::optional<AppConfig> app;
    if (!o.app.empty()) {
      try {
        config = load_config(o.config_path.empty()
                                 ? default_config_path(ConfigEnvironment::from_process(""))
                                 : o.config_path);
      } catch (const ConfigError& e) {
        throw UsageError(e.what());
      }
      app = resolve_app(o, *config, v, policy);
    } else {
      if (v.url.empty() && v.cert_file.empty())
        throw UsageError("nothing to seal to: pass --cert FILE, --app NAME or https://HOST[:PORT]");
      policy = policy_from_options(v);
    }
    // Before any connection: a wrong --in should not cost a handshake.
    attest::Bytes secret = read_input(o.in);

    VerifyOutcome outcome = verify_target(v, policy, err);
    if (app) outcome.subject = "app " + app->name + " at " + outcome.subject;
    print_outcome(outcome, report);
    std::vector<std::string> why = refusals(outcome);
    if (app && why.empty()) {
      if (auto pin = pin_refusal(*app, *config, outcome)) why.push_back(*pin);
    }
    if (!why.empty()) {
      for (const auto& w : why) err << "ratls-gateway seal: not sealing: " << w << "\n";
      sodium_memzero(secret.data(), secret.size());
      return 1;
    }

    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
    const auto& key = *outcome.certificate->enclave_x25519;
    attest::Bytes sealed(secret.size() + crypto_box_SEALBYTES);
    if (crypto_box_seal(sealed.data(), secret.data(), secret.size(), key.data()) != 0)
      throw std::runtime_error("crypto_box_seal failed");
    sodium_memzero(secret.data(), secret.size());
    const std::string output = encode(sealed, o.base64url);
    if (o.out == "-") {
      out.write(output.data(), static_cast<std::streamsize>(output.size()));
      out.flush();
      if (!out) throw std::runtime_error("cannot write the sealed output to standard output");
    } else {
      // Private whatever the umask: only the enclave can open it, but what was sealed, and when,
      // is nobody else's business; atomic so a reader never sees half a box.
      write_file_atomic(o.out, output, 0600);
    }
    report << "SEALED " << secret.size() << " bytes to the enclave's X25519 key "
           << attest::to_hex(key) << "\n  wrote " << output.size() << " bytes ("
           << (o.base64url ? "base64url, no padding" : "raw crypto_box_seal") << ") to "
           << (o.out == "-" ? std::string("standard output") : o.out + " (mode 0600)") << "\n";
    return 0;
  } catch (const std::exception& e) {
    err << "ratls-gateway seal: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace ratls::proxy
