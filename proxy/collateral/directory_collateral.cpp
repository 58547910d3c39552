// Collateral from a directory of files (`collateral.offline`, `verify --collateral DIR`).
#include "proxy/collateral/collateral_source.h"

#include <openssl/x509.h>

#include <algorithm>
#include <mutex>

#include "attest/collateral.h"
#include "attest/x509.h"
#include "proxy/common/file_io.h"

namespace ratls::proxy {

namespace {

// Offline collateral is re-read this long before it expires, in case the user refreshed the files.
constexpr attest::UnixTime kRereadMargin = 3600;

class DirectoryCollateral : public CollateralSource {
 public:
  explicit DirectoryCollateral(std::string dir) : dir_(std::move(dir)) {}

  std::shared_ptr<const attest::ParsedCollateral> get(attest::UnixTime now,
                                                      std::string& problem) override {
    std::lock_guard lock(mutex_);
    if (!current_ || now + kRereadMargin > expiry_) {
      try {
        auto raw = attest::collateral_from_files(read_directory(dir_));
        raw.source = "directory " + dir_;
        auto parsed =
            std::make_shared<const attest::ParsedCollateral>(attest::parse_collateral(raw));
        expiry_ = collateral_expiry(*parsed);
        current_ = std::move(parsed);
      } catch (const std::exception& e) {
        if (!current_) {
          problem = "collateral directory " + dir_ + " is not usable: " + e.what();
          return nullptr;
        }
        // Keep the last good collateral; the verifier still refuses it once it has expired.
      }
    }
    return current_;
  }

 private:
  std::string dir_;
  std::mutex mutex_;
  std::shared_ptr<const attest::ParsedCollateral> current_;
  attest::UnixTime expiry_ = 0;
};

}  // namespace

attest::UnixTime collateral_expiry(const attest::ParsedCollateral& c) {
  return std::min({c.tcb_info.next_update, c.qe_identity.next_update,
                   attest::asn1_time_to_unix(X509_CRL_get0_nextUpdate(c.pck_crl.get())),
                   attest::asn1_time_to_unix(X509_CRL_get0_nextUpdate(c.root_ca_crl.get()))});
}

std::unique_ptr<CollateralSource> make_directory_collateral_source(std::string dir) {
  return std::make_unique<DirectoryCollateral>(std::move(dir));
}

}  // namespace ratls::proxy
