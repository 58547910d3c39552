// Adding, removing and listing CA certificates in one NSS database (the "sql:" cert9.db/key4.db
// pair of a Chrome/Chromium user database or a Firefox profile) with the libnss3 API, the way
// `certutil -A -t "C,,"` / `certutil -D` / `certutil -L` would, without running certutil.
//
// A database that cannot be changed safely is left exactly as it was: one with a primary
// password (NSS would import the certificate but refuse its trust, leaving an untrusted copy
// behind, proxy-notes §3.3), a read-only or locked one, a legacy cert8.db one (NSS would migrate
// it), or a missing one (never created here). The caller gets a one-line reason.
//
// Only standard types appear here so that OpenSSL-side code can include this header (NSS and
// OpenSSL headers clash, stack.md §5.3). Calls are serialised inside: NSS has one default
// certificate database per process.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ratls::nss {

enum class Outcome {
  kInstalled,       // added (or an untrusted copy repaired) with trust "C,,"
  kAlreadyPresent,  // already there, trusted as an SSL CA: nothing written
  kRemoved,
  kNotPresent,  // nothing to remove
  kSkipped,     // legacy or missing database: nothing to do there, not an error
  kFailed       // the database was left unchanged; `detail` says why
};

// "installed", "already present", "removed", "not present", "skipped", "failed".
const char* outcome_name(Outcome outcome);

struct Result {
  Outcome outcome = Outcome::kFailed;
  std::string detail;  // why it failed or was skipped; what was found or removed otherwise
};

// Adds `der` (an X.509 CA certificate) to the database in directory `dir` under `nickname` and
// trusts it as an SSL CA ("C,,"). Idempotent: the certificate is found by its DER, whatever its
// nickname; a copy without that trust (left by an earlier failure elsewhere) is repaired.
Result add_ca_certificate(const std::string& dir, std::span<const std::uint8_t> der,
                          const std::string& nickname);

// Deletes every certificate whose nickname starts with `nickname_prefix`.
Result remove_certificates(const std::string& dir, const std::string& nickname_prefix);

struct StoredCertificate {
  std::string nickname;
  std::string trust;            // as `certutil -L` shows it: "C,,", ",,", "CT,C,C", ...
  bool trusted_ssl_ca = false;  // the "C" (or "T") in the SSL position
  std::vector<std::uint8_t> der;
};

struct ListResult {
  bool ok = false;
  std::string error;  // when !ok
  std::vector<StoredCertificate> certificates;
};

// The certificates whose nickname starts with `nickname_prefix` (all of them for ""). Opens the
// database read-only, so it works on password-protected databases too.
ListResult list_certificates(const std::string& dir, const std::string& nickname_prefix);

}  // namespace ratls::nss
