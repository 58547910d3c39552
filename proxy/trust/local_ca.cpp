// OpenSSL side of the local CA. No NSS header may be included here (stack.md §5.3).
#include "proxy/trust/local_ca.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "proxy/common/file_io.h"
#include "proxy/common/text.h"

namespace ratls::proxy {

namespace {

namespace fs = std::filesystem;

constexpr attest::UnixTime kCaValiditySeconds = 10LL * 365 * 24 * 3600;
constexpr attest::UnixTime kBackdateSeconds = 3600;  // tolerate a slightly slow client clock
constexpr attest::UnixTime kRenewBeforeSeconds = 7LL * 24 * 3600;
constexpr const char* kCaName = "ratls-gateway local CA";
// RFC 5280 name constraints: localhost itself and every name under it, the two loopback
// addresses (IP constraints are address/mask).
constexpr const char* kNameConstraints =
    "critical,permitted;DNS:localhost,permitted;DNS:.localhost,"
    "permitted;IP:127.0.0.1/255.255.255.255,"
    "permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void fail(const std::string& what) {
  throw LocalCaError(what);
}

attest::EvpPkeyPtr new_p256_key() {
  attest::EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate a P-256 key");
  return key;
}

void set_random_serial(X509* cert) {
  // 127 random bits: positive, unique without any state to keep.
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_new(), BN_free);
  if (!bn || BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) {
    fail("cannot make a serial number");
  }
}

void set_validity(X509* cert, attest::UnixTime from, attest::UnixTime to) {
  if (!ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(from)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(to))) {
    fail("cannot set a validity period");
  }
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                 0) != 1) {
    fail(std::string("cannot set the name field ") + field);
  }
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str());
  if (!ext) fail("cannot build the extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) fail("cannot add the extension " + std::string(OBJ_nid2sn(nid)));
}

attest::X509Ptr create_ca_certificate(EVP_PKEY* key, attest::UnixTime now) {
  attest::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) fail("cannot create the CA");
  set_random_serial(cert.get());
  set_validity(cert.get(), now - kBackdateSeconds, now + kCaValiditySeconds);
  X509_NAME* name = X509_get_subject_name(cert.get());
  add_name_entry(name, "O", "ratls-gateway");
  add_name_entry(name, "OU", "local CA for https://*.localhost on this machine only");
  add_name_entry(name, "CN", kCaName);
  if (X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key) != 1)
    fail("cannot create the CA");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), &ctx, NID_name_constraints, kNameConstraints);
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) fail("cannot sign the CA certificate");
  return cert;
}

// 0700 for the directory and any parent made for it (the state directory's own parents too).
void make_private_dir(const fs::path& dir) {
  try {
    create_private_directories(dir.string());
  } catch (const std::runtime_error& e) {
    fail(e.what());
  }
}

// Serialises creation between processes (the daemon and `trust install` may start together).
class DirLock {
 public:
  explicit DirLock(const fs::path& dir) {
    const std::string path = (dir / ".lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) fail("cannot open " + path + ": " + std::strerror(errno));
    // 0600 whatever the umask, like every file in the state directory. Best effort: the lock of
    // another user's directory (read by `trust status`) is not ours to change.
    (void)::fchmod(fd_, 0600);
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) fail("cannot lock " + path + ": " + std::strerror(errno));
    }
  }
  ~DirLock() { ::close(fd_); }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

std::string read_text(const fs::path& p) {
  const attest::Bytes b = read_file(p.string());
  return std::string(attest::as_chars(b));
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  for (const char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return label.front() != '-' && label.back() != '-';
}

}  // namespace

bool local_ca_may_issue(std::string_view host) {
  constexpr std::string_view kSuffix = ".localhost";
  if (host == "localhost") return true;
  if (host.size() <= kSuffix.size() || host.size() > 253) return false;
  if (host.substr(host.size() - kSuffix.size()) != kSuffix) return false;
  std::string_view rest = host.substr(0, host.size() - kSuffix.size());
  while (true) {
    const auto dot = rest.find('.');
    if (!valid_label(rest.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    rest.remove_prefix(dot + 1);
  }
}

std::string LeafCertificate::certificate_pem() const {
  return attest::certificate_pem(certificate.get());
}
std::string LeafCertificate::key_pem() const {
  return attest::private_key_pem(key.get());
}

LocalCa::LocalCa(std::string dir, attest::X509Ptr ca, attest::EvpPkeyPtr key)
    : dir_(std::move(dir)), ca_(std::move(ca)), key_(std::move(key)) {}

std::string LocalCa::directory(const std::string& state_dir) {
  return (fs::path(state_dir) / "local-ca").string();
}

std::optional<LocalCa> LocalCa::load_locked(const std::string& dir) {
  const fs::path cert_path = fs::path(dir) / "ca.pem";
  const fs::path key_path = fs::path(dir) / "ca-key.pem";
  const bool have_cert = path_exists(cert_path), have_key = path_exists(key_path);
  if (!have_cert && !have_key) return std::nullopt;
  if (!have_cert || !have_key) {
    fail("the local CA in " + dir + " is incomplete (" +
         (have_cert ? key_path : cert_path).string() +
         " is missing); remove the directory to create a new CA, then run `ratls-gateway trust "
         "install` again");
  }
  struct stat st {};
  if (::stat(key_path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    fail(key_path.string() + " is accessible by other users; run: chmod 600 " + key_path.string());
  }
  const std::string cert_pem = read_text(cert_path);
  const std::string key_pem = read_text(key_path);
  BioPtr cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  attest::X509Ptr cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)
                                : nullptr);
  if (!cert) fail(cert_path.string() + ": not a PEM certificate");
  BioPtr key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  attest::EvpPkeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr)
                                 : nullptr);
  if (!key) fail(key_path.string() + ": not a PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    fail(key_path.string() + " does not belong to " + cert_path.string());
  if (X509_check_ca(cert.get()) == 0) fail(cert_path.string() + " is not a CA certificate");
  return LocalCa(dir, std::move(cert), std::move(key));
}

std::optional<LocalCa> LocalCa::load(const std::string& state_dir) {
  const std::string dir = directory(state_dir);
  if (!path_exists(fs::path(dir) / "ca.pem") && !path_exists(fs::path(dir) / "ca-key.pem")) {
    return std::nullopt;
  }
  // Reading needs the lock only to not see a CA half created; a state directory this user
  // cannot write to (status as another user) is read without it.
  std::optional<DirLock> lock;
  try {
    lock.emplace(dir);
  } catch (const LocalCaError&) {
  }
  return load_locked(dir);
}

LocalCa LocalCa::load_or_create(const std::string& state_dir, attest::UnixTime now, bool* created) {
  const std::string dir = directory(state_dir);
  make_private_dir(state_dir);
  make_private_dir(dir);
  const DirLock lock(dir);
  if (std::optional<LocalCa> ca = load_locked(dir)) {
    if (created) *created = false;
    return std::move(*ca);
  }
  attest::EvpPkeyPtr key = new_p256_key();
  attest::X509Ptr cert = create_ca_certificate(key.get(), now);
  // The key first: a certificate without its key would be a CA nobody can use.
  try {
    write_file_atomic((fs::path(dir) / "ca-key.pem").string(), attest::private_key_pem(key.get()),
                      0600);
    // Public, but 0600 like everything in the state directory: nothing needs others to read it.
    write_file_atomic((fs::path(dir) / "ca.pem").string(), attest::certificate_pem(cert.get()),
                      0600);
  } catch (const std::runtime_error& e) {
    fail(e.what());
  }
  if (created) *created = true;
  return LocalCa(dir, std::move(cert), std::move(key));
}

attest::Bytes LocalCa::certificate_der() const {
  return attest::cert_der(ca_.get());
}
std::string LocalCa::certificate_pem() const {
  return attest::certificate_pem(ca_.get());
}
std::string LocalCa::certificate_path() const {
  return (fs::path(dir_) / "ca.pem").string();
}
std::string LocalCa::sha256_hex() const {
  return attest::to_hex(attest::sha256(certificate_der()));
}

std::shared_ptr<const LeafCertificate> LocalCa::leaf_for(std::string_view host_in,
                                                         attest::UnixTime now) {
  const std::string host = ascii_lower(host_in);
  if (!local_ca_may_issue(host)) {
    fail("the local CA issues certificates only for localhost and names under .localhost, not " +
         std::string(host_in));
  }
  const std::lock_guard lock(cache_->mutex);
  if (auto it = cache_->leaves.find(host);
      it != cache_->leaves.end() && now + kRenewBeforeSeconds < it->second->not_after) {
    return it->second;
  }
  auto leaf = std::make_shared<LeafCertificate>();
  leaf->key = new_p256_key();
  leaf->certificate.reset(X509_new());
  X509* cert = leaf->certificate.get();
  if (!cert || X509_set_version(cert, X509_VERSION_3) != 1) fail("cannot create a certificate");
  set_random_serial(cert);
  const attest::UnixTime not_after =
      std::min(now + kLocalLeafValiditySeconds, attest::not_after(ca_.get()));
  set_validity(cert, now - kBackdateSeconds, not_after);
  leaf->not_after = not_after;
  add_name_entry(X509_get_subject_name(cert), "CN", host);
  if (X509_set_issuer_name(cert, X509_get_subject_name(ca_.get())) != 1 ||
      X509_set_pubkey(cert, leaf->key.get()) != 1) {
    fail("cannot create a certificate");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca_.get(), cert, nullptr, nullptr, 0);
  add_extension(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert, &ctx, NID_key_usage, "critical,digitalSignature");
  add_extension(cert, &ctx, NID_ext_key_usage, "serverAuth");
  add_extension(cert, &ctx, NID_subject_alt_name,
                host == "localhost" ? "DNS:localhost,IP:127.0.0.1,IP:::1" : "DNS:" + host);
  add_extension(cert, &ctx, NID_subject_key_identifier, "hash");
  add_extension(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(cert, key_.get(), EVP_sha256()) <= 0) fail("cannot sign a certificate");
  cache_->leaves[host] = leaf;
  return leaf;
}

}  // namespace ratls::proxy
