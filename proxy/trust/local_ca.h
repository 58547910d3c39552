// The gateway's local CA for the optional https://<app>.localhost listener (docs/trust.md). It is
// created once under <state_dir>/local-ca (key mode 0600), name-constrained to localhost,
// *.localhost, 127.0.0.1 and ::1 so that, once browsers trust it, it cannot vouch for any other
// site, and issues short-lived leaves for <app>.localhost on demand. OpenSSL only: nss/ installs
// certificate_der() into the browsers' databases.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "attest/bytes.h"
#include "attest/time.h"
#include "attest/x509.h"

namespace ratls::proxy {

struct LocalCaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LeafCertificate {
  attest::X509Ptr certificate;
  attest::EvpPkeyPtr key;
  attest::UnixTime not_after = 0;
  std::string certificate_pem() const;
  std::string key_pem() const;  // PKCS#8, unencrypted
};

// The leaf validity. Short, like the WebPKI's, since it is reissued for free.
inline constexpr attest::UnixTime kLocalLeafValiditySeconds = 90LL * 24 * 3600;

class LocalCa {
 public:
  // <state_dir>/local-ca, holding ca.pem and ca-key.pem.
  static std::string directory(const std::string& state_dir);

  // The CA in `state_dir`, created first (with its directories, mode 0700) when there is none.
  // `created` (optional) tells which. Throws LocalCaError when the files exist but are unusable
  // (half written, key readable by others, key not matching): never silently replaced.
  static LocalCa load_or_create(const std::string& state_dir, attest::UnixTime now,
                                bool* created = nullptr);
  // nullopt when no CA was created in `state_dir` yet; throws LocalCaError as above.
  static std::optional<LocalCa> load(const std::string& state_dir);

  const X509* certificate() const { return ca_.get(); }
  attest::Bytes certificate_der() const;
  std::string certificate_pem() const;
  std::string certificate_path() const;
  std::string sha256_hex() const;  // of the DER, lower-case hex

  // A certificate and key for `host` ("localhost" or a name under ".localhost", any case),
  // issued on first use and cached until a week before it expires. Thread-safe. Throws
  // LocalCaError for any other name: the name constraints would make browsers refuse it anyway.
  std::shared_ptr<const LeafCertificate> leaf_for(std::string_view host, attest::UnixTime now);

 private:
  LocalCa(std::string dir, attest::X509Ptr ca, attest::EvpPkeyPtr key);
  static std::optional<LocalCa> load_locked(const std::string& dir);

  std::string dir_;
  attest::X509Ptr ca_;
  attest::EvpPkeyPtr key_;
  struct Cache {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const LeafCertificate>> leaves;
  };
  std::unique_ptr<Cache> cache_ = std::make_unique<Cache>();
};

// True for the names the local CA issues for: "localhost" and DNS names under ".localhost"
// (labels of [a-z0-9_-], 1-63 characters; lower-case expected).
bool local_ca_may_issue(std::string_view host);

}  // namespace ratls::proxy
