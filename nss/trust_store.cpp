// libnss3 side of the trust store (proxy-notes §3.3). No OpenSSL header may be included here.
#include "nss/trust_store.h"

#include <cert.h>
#include <certdb.h>
#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
#include <secerr.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>

#include "nss/discovery.h"

namespace ratls::nss {

namespace {

// NSS keeps one default certificate database per process: one context at a time.
std::mutex g_nss_mutex;

struct CertDeleter {
  void operator()(CERTCertificate* c) const { CERT_DestroyCertificate(c); }
};
struct CertListDeleter {
  void operator()(CERTCertList* l) const { CERT_DestroyCertList(l); }
};
struct SlotDeleter {
  void operator()(PK11SlotInfo* s) const { PK11_FreeSlot(s); }
};
using CertPtr = std::unique_ptr<CERTCertificate, CertDeleter>;
using CertListPtr = std::unique_ptr<CERTCertList, CertListDeleter>;
using SlotPtr = std::unique_ptr<PK11SlotInfo, SlotDeleter>;

std::string nss_error_text(PRErrorCode code) {
  const char* name = PR_ErrorToName(code);
  const char* text = PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT);
  std::string out = name ? name : "NSS error " + std::to_string(code);
  if (text && *text) out += std::string(" (") + text + ")";
  return out;
}

// A reason a user can act on for the errors that mkcert users met most (proxy-notes §3.2).
std::string explain(const std::string& what, PRErrorCode code) {
  switch (code) {
    case SEC_ERROR_READ_ONLY:
      return what + ": the database is read-only for this user";
    case SEC_ERROR_TOKEN_NOT_LOGGED_IN:
      return what + ": the database is protected by a primary password";
    case SEC_ERROR_BAD_DATABASE:
      return what + ": not a usable NSS database (damaged, or locked by another program): " +
             nss_error_text(code);
    default:
      return what + ": " + nss_error_text(code);
  }
}

constexpr const char* kUnchanged = "; nothing was changed";

// Write access as this process has it (effective IDs and capabilities, unlike access(2)), for
// the directory (SQLite creates its journal there) and both database files. NSS itself opens
// such a database "read-write" and only fails at the first write, with a generic error.
bool writable(const std::string& dir) {
  for (const char* name : {"", "/cert9.db", "/key4.db"}) {
    const std::string path = dir + name;
    if (::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) != 0 && errno != ENOENT) return false;
  }
  return true;
}

// An NSS context on one database; shut down after every certificate and slot reference made
// inside it is gone (they are declared after it), otherwise NSS reports the shutdown busy.
class Context {
 public:
  Context(const std::string& dir, bool read_only) {
    const std::string config = "sql:" + dir;
    // No root-certs module, and no pkcs11.txt modules: a profile may list smart-card or OS
    // modules that have no business loading here.
    PRUint32 flags = NSS_INIT_NOROOTINIT | NSS_INIT_OPTIMIZESPACE | NSS_INIT_NOMODDB;
    if (read_only) flags |= NSS_INIT_READONLY;
    ctx_ = NSS_InitContext(config.c_str(), "", "", SECMOD_DB, nullptr, flags);
    if (!ctx_) error_ = PR_GetError();
  }
  ~Context() {
    if (ctx_) NSS_ShutdownContext(ctx_);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  bool ok() const { return ctx_ != nullptr; }
  PRErrorCode error() const { return error_; }

 private:
  NSSInitContext* ctx_ = nullptr;
  PRErrorCode error_ = 0;
};

SECItem der_item(std::span<const std::uint8_t> der) {
  SECItem item{};
  item.type = siBuffer;
  // NSS takes a non-const pointer but does not write through it for lookups and decoding.
  item.data = const_cast<unsigned char*>(der.data());
  item.len = static_cast<unsigned int>(der.size());
  return item;
}

bool trusted_ssl_ca(const CERTCertTrust& t) {
  return (t.sslFlags & CERTDB_TRUSTED_CA) != 0;
}

// One position of a trust string, with the letters certutil uses (CERT_EncodeTrustString is
// not exported by libnss3).
std::string trust_letters(unsigned int flags) {
  std::string out;
  const bool ca_trust = (flags & (CERTDB_TRUSTED_CA | CERTDB_TRUSTED_CLIENT_CA)) != 0;
  if ((flags & CERTDB_VALID_CA) && !ca_trust) out += 'c';
  if ((flags & CERTDB_TERMINAL_RECORD) && !(flags & CERTDB_TRUSTED)) out += 'p';
  if (flags & CERTDB_TRUSTED_CA) out += 'C';
  if (flags & CERTDB_TRUSTED_CLIENT_CA) out += 'T';
  if (flags & CERTDB_TRUSTED) out += 'P';
  if (flags & CERTDB_USER) out += 'u';
  if (flags & CERTDB_SEND_WARN) out += 'w';
  if (flags & CERTDB_INVISIBLE_CA) out += 'I';
  if (flags & CERTDB_GOVT_APPROVED_CA) out += 'G';
  return out;
}

std::string trust_string(CERTCertificate* cert) {
  CERTCertTrust t{};
  if (CERT_GetCertTrust(cert, &t) != SECSuccess) return ",,";
  return trust_letters(t.sslFlags) + "," + trust_letters(t.emailFlags) + "," +
         trust_letters(t.objectSigningFlags);
}

bool has_ssl_ca_trust(CERTCertificate* cert) {
  CERTCertTrust t{};
  return CERT_GetCertTrust(cert, &t) == SECSuccess && trusted_ssl_ca(t);
}

// Primary password set and not unlocked: changing trust would fail after the import succeeded.
bool locked_by_password(PK11SlotInfo* slot) {
  return PK11_NeedLogin(slot) && !PK11_IsLoggedIn(slot, nullptr);
}

constexpr const char* kPasswordMessage =
    "protected by a primary password; nothing was changed (remove the password in the browser's "
    "settings, or import the certificate there by hand)";
constexpr const char* kReadOnlyMessage =
    "the database is read-only for this user (or locked); nothing was changed";

// Skips what must never be opened: legacy databases (NSS would migrate them to cert9.db) and
// missing ones (NSS would create them).
bool precheck(const std::string& dir, Result& result) {
  switch (database_kind(dir)) {
    case DatabaseKind::kSql:
      return true;
    case DatabaseKind::kLegacy:
      result = {Outcome::kSkipped,
                "legacy database (cert8.db only): not modified; open the profile in a current "
                "browser to upgrade it"};
      return false;
    case DatabaseKind::kMissing:
      break;
  }
  result = {Outcome::kSkipped, "no database (cert9.db) here yet; start the browser once"};
  return false;
}

// The certificates of the internal token whose nickname starts with `prefix`.
std::vector<CertPtr> find_by_prefix(PK11SlotInfo* slot, const std::string& prefix) {
  std::vector<CertPtr> found;
  CertListPtr list(PK11_ListCertsInSlot(slot));
  if (!list) return found;
  // Walk the PRCList by hand: NSS's CERT_LIST_* macros use C casts.
  for (PRCList* link = list->list.next; link != &list->list; link = link->next) {
    auto* node = reinterpret_cast<CERTCertListNode*>(link);
    CERTCertificate* cert = node->cert;
    if (!cert || !cert->nickname) continue;
    const std::string nickname(cert->nickname);
    if (nickname.compare(0, prefix.size(), prefix) != 0) continue;
    found.emplace_back(CERT_DupCertificate(cert));
  }
  return found;
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kInstalled:
      return "installed";
    case Outcome::kAlreadyPresent:
      return "already present";
    case Outcome::kRemoved:
      return "removed";
    case Outcome::kNotPresent:
      return "not present";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kFailed:
      break;
  }
  return "failed";
}

Result add_ca_certificate(const std::string& dir, std::span<const std::uint8_t> der,
                          const std::string& nickname) {
  Result result;
  if (!precheck(dir, result)) return result;
  const std::lock_guard lock(g_nss_mutex);
  Context ctx(dir, /*read_only=*/false);
  if (!ctx.ok())
    return {Outcome::kFailed, explain("cannot open the database", ctx.error()) + kUnchanged};
  CERTCertDBHandle* db = CERT_GetDefaultCertDB();
  SlotPtr slot(PK11_GetInternalKeySlot());
  if (!db || !slot) return {Outcome::kFailed, "cannot open the database: no internal token"};

  SECItem item = der_item(der);
  CertPtr cert(CERT_FindCertByDERCert(db, &item));
  if (cert && cert->isperm && has_ssl_ca_trust(cert.get())) {
    return {Outcome::kAlreadyPresent,
            std::string("as \"") + (cert->nickname ? cert->nickname : "") + "\""};
  }
  // Everything that would stop the trust change is checked before anything is written.
  if (PK11_IsReadOnly(slot.get()) || !writable(dir)) return {Outcome::kFailed, kReadOnlyMessage};
  if (locked_by_password(slot.get())) return {Outcome::kFailed, kPasswordMessage};
  if (PK11_NeedUserInit(slot.get())) {
    // A database created but never initialised: give it the empty password, as the browsers and
    // `certutil -N --empty-password` do, so that its objects can be written.
    if (PK11_InitPin(slot.get(), nullptr, "") != SECSuccess)
      return {Outcome::kFailed,
              explain("cannot initialise the database", PR_GetError()) + kUnchanged};
  }

  bool imported = false;
  if (!cert) {
    cert.reset(CERT_NewTempCertificate(db, &item, nullptr, PR_FALSE, PR_TRUE));
    if (!cert)
      return {Outcome::kFailed, explain("not a usable certificate", PR_GetError()) + kUnchanged};
  }
  if (!cert->isperm) {
    if (PK11_ImportCert(slot.get(), cert.get(), CK_INVALID_HANDLE, nickname.c_str(), PR_FALSE) !=
        SECSuccess) {
      return {Outcome::kFailed, explain("cannot add the certificate", PR_GetError()) + kUnchanged};
    }
    imported = true;
  }
  CERTCertTrust trust{};
  if (CERT_DecodeTrustString(&trust, "C,,") != SECSuccess ||
      CERT_ChangeCertTrust(db, cert.get(), &trust) != SECSuccess) {
    const PRErrorCode error = PR_GetError();
    // Never leave a certificate without its trust behind.
    if (imported && SEC_DeletePermCertificate(cert.get()) != SECSuccess) {
      return {Outcome::kFailed,
              explain("cannot set the trust, and the certificate just added could not be removed "
                      "again",
                      error)};
    }
    return {Outcome::kFailed, explain("cannot set the trust", error) + kUnchanged};
  }
  if (!has_ssl_ca_trust(cert.get())) {
    if (imported) SEC_DeletePermCertificate(cert.get());
    return {Outcome::kFailed, "the trust did not hold after it was set; nothing was changed"};
  }
  if (imported) return {Outcome::kInstalled, std::string("as \"") + nickname + "\""};
  return {Outcome::kInstalled, "the certificate was there without SSL trust; trust \"C,,\" set"};
}

Result remove_certificates(const std::string& dir, const std::string& nickname_prefix) {
  Result result;
  if (!precheck(dir, result)) return result;
  const std::lock_guard lock(g_nss_mutex);
  Context ctx(dir, /*read_only=*/false);
  if (!ctx.ok())
    return {Outcome::kFailed, explain("cannot open the database", ctx.error()) + kUnchanged};
  SlotPtr slot(PK11_GetInternalKeySlot());
  if (!slot) return {Outcome::kFailed, "cannot open the database: no internal token"};
  std::vector<CertPtr> found = find_by_prefix(slot.get(), nickname_prefix);
  if (found.empty()) return {Outcome::kNotPresent, ""};
  if (PK11_IsReadOnly(slot.get()) || !writable(dir)) return {Outcome::kFailed, kReadOnlyMessage};
  if (locked_by_password(slot.get())) return {Outcome::kFailed, kPasswordMessage};
  std::string removed;
  for (const CertPtr& cert : found) {
    const std::string nickname = cert->nickname ? cert->nickname : "";
    if (SEC_DeletePermCertificate(cert.get()) != SECSuccess) {
      const std::string done = removed.empty() ? "" : " (already removed: " + removed + ")";
      return {Outcome::kFailed,
              explain("cannot remove \"" + nickname + "\"", PR_GetError()) + done};
    }
    removed += (removed.empty() ? "\"" : ", \"") + nickname + "\"";
  }
  return {Outcome::kRemoved, removed};
}

ListResult list_certificates(const std::string& dir, const std::string& nickname_prefix) {
  ListResult list;
  Result skipped;
  if (!precheck(dir, skipped)) {
    list.error = skipped.detail;
    return list;
  }
  const std::lock_guard lock(g_nss_mutex);
  Context ctx(dir, /*read_only=*/true);
  if (!ctx.ok()) {
    list.error = explain("cannot open the database", ctx.error());
    return list;
  }
  SlotPtr slot(PK11_GetInternalKeySlot());
  if (!slot) {
    list.error = "cannot open the database: no internal token";
    return list;
  }
  for (const CertPtr& cert : find_by_prefix(slot.get(), nickname_prefix)) {
    StoredCertificate c;
    c.nickname = cert->nickname ? cert->nickname : "";
    c.trust = trust_string(cert.get());
    c.trusted_ssl_ca = has_ssl_ca_trust(cert.get());
    c.der.assign(cert->derCert.data, cert->derCert.data + cert->derCert.len);
    list.certificates.push_back(std::move(c));
  }
  list.ok = true;
  return list;
}

}  // namespace ratls::nss
