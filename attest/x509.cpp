#include "attest/x509.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>

namespace ratls::attest {

namespace {

// attestation-spec §2.1: the Intel SGX Root CA, pinned (SHA-256 of DER 44a0196b...74d3).
constexpr std::string_view kIntelSgxRootCaPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw\n"
    "aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv\n"
    "cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ\n"
    "BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG\n"
    "A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0\n"
    "aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT\n"
    "AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7\n"
    "1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB\n"
    "uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ\n"
    "MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50\n"
    "ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV\n"
    "Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI\n"
    "KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg\n"
    "AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=\n"
    "-----END CERTIFICATE-----\n";

constexpr std::string_view kPemBegin = "-----BEGIN ";
constexpr std::string_view kCertBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kCertEnd = "-----END CERTIFICATE-----";

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()))) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

// OpenSSL decodes a certificate's extensions (key identifiers, constraints) lazily, on first use,
// and later readers check a flag without its lock. A collateral chain or root used by several
// verifications at once must be complete before it is shared, so it is done at decode time.
X509Ptr with_extensions_decoded(X509Ptr cert) {
  if (cert) {
    (void)X509_check_purpose(cert.get(), -1, 0);  // invalid extensions are reported by the checks
    ERR_clear_error();
  }
  return cert;
}

// DER X.509 that must span exactly `der`.
X509Ptr decode_der_exact(ByteView der) {
  if (der.empty() || der.size() > static_cast<std::size_t>(INT32_MAX)) return nullptr;
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) return nullptr;
  return with_extensions_decoded(std::move(cert));
}

// One PEM block (BEGIN line to END line inclusive) holding exactly one certificate.
X509Ptr decode_pem_block(std::string_view block) {
  BioPtr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
  if (!bio) return nullptr;
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return with_extensions_decoded(std::move(cert));
}

std::string name_text(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  // RFC 2253 order and escaping, but UTF-8 kept readable.
  const unsigned long flags = (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  // RFC 2253 escapes C0 controls; C1 ones pass in readable UTF-8.
  return len > 0 ? escape_controls(std::string_view(data, static_cast<std::size_t>(len)))
                 : std::string();
}

bool is_p256_ecdsa_sha256(const X509* cert) {
  if (X509_get_signature_nid(cert) != NID_ecdsa_with_SHA256) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert);
  return key != nullptr && EVP_PKEY_is_a(key, "EC") && p256_raw_point(key).size() == 64;
}

std::string describe(const X509* cert) {
  const std::string cn = common_name(cert);
  return "\"" + (cn.empty() ? subject_name(cert) : cn) + "\"";
}

}  // namespace

X509Ptr clone(const X509Ptr& cert) {
  if (!cert) return nullptr;
  X509_up_ref(cert.get());
  return X509Ptr(cert.get());
}

std::vector<X509Ptr> parse_pem_chain(std::string_view pem, Status on_error) {
  std::vector<X509Ptr> out;
  std::string_view rest = trim(pem);
  if (rest.empty()) fail(on_error, "certificate chain is empty");
  while (!rest.empty()) {
    if (rest.substr(0, kCertBegin.size()) != kCertBegin) {
      fail(on_error,
           "certificate chain holds text that is not a PEM CERTIFICATE block (certificate " +
               std::to_string(out.size() + 1) + ")");
    }
    const std::size_t end = rest.find(kCertEnd);
    if (end == std::string_view::npos) {
      fail(on_error,
           "certificate " + std::to_string(out.size() + 1) + " of the chain has no END line");
    }
    const std::size_t block_len = end + kCertEnd.size();
    X509Ptr cert = decode_pem_block(rest.substr(0, block_len));
    if (!cert) {
      fail(on_error, "certificate " + std::to_string(out.size() + 1) +
                         " of the chain is not a well-formed X.509 certificate");
    }
    out.push_back(std::move(cert));
    rest = trim(rest.substr(block_len));
  }
  return out;
}

X509Ptr parse_certificate(ByteView der_or_pem, Status on_error) {
  std::string_view text = trim(as_chars(der_or_pem));
  if (text.substr(0, kPemBegin.size()) == kPemBegin) {
    auto chain = parse_pem_chain(text, on_error);
    if (chain.size() != 1) {
      fail(on_error, "expected one certificate, found " + std::to_string(chain.size()));
    }
    return std::move(chain.front());
  }
  X509Ptr cert = decode_der_exact(der_or_pem);
  ERR_clear_error();
  if (!cert) fail(on_error, "not a DER or PEM X.509 certificate");
  return cert;
}

X509Ptr parse_leaf_certificate(ByteView der_or_pem, Status on_error) {
  std::string_view text = trim(as_chars(der_or_pem));
  if (text.substr(0, kPemBegin.size()) == kPemBegin) {
    return std::move(parse_pem_chain(text, on_error).front());
  }
  return parse_certificate(der_or_pem, on_error);
}

Bytes crl_to_der(ByteView data) {
  auto bad = [](const std::string& why) -> Bytes {
    fail(Status::STATUS_SGX_CRL_UNSUPPORTED_FORMAT, "CRL: " + why);
  };
  if (data.empty()) return bad("empty");
  if (data[0] == 0x30) return Bytes(data.begin(), data.end());
  std::string_view text = trim(as_chars(data));
  if (text.substr(0, kPemBegin.size()) == kPemBegin) {
    if (text.substr(0, 19) != "-----BEGIN X509 CRL") return bad("PEM block is not an X509 CRL");
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    X509CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!crl) return bad("malformed PEM");
    return crl_der(crl.get());
  }
  auto hex = from_hex(text);
  if (!hex || hex->empty() || (*hex)[0] != 0x30) return bad("neither DER, PEM nor hex of DER");
  return *hex;
}

X509CrlPtr parse_crl(ByteView data) {
  const Bytes der = crl_to_der(data);
  const unsigned char* p = der.data();
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!crl || p != der.data() + der.size()) {
    fail(Status::STATUS_SGX_CRL_UNSUPPORTED_FORMAT, "CRL: not a well-formed X.509 CRL");
  }
  return crl;
}

Bytes cert_der(const X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return {};
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string certificate_pem(const X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), const_cast<X509*>(cert)) != 1) {
    ERR_clear_error();
    fail(Status::STATUS_INVALID_PARAMETER, "cannot encode a certificate as PEM");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ERR_clear_error();
    fail(Status::STATUS_INVALID_PARAMETER, "cannot encode a private key as PEM");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Bytes ec_uncompressed_point(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return {};
  char group_name[64] = {};
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group_name, sizeof group_name,
                                     nullptr) != 1) {
    return {};
  }
  unsigned char encoded[256];
  std::size_t encoded_len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, encoded, sizeof encoded,
                                      &encoded_len) != 1) {
    return {};
  }
  const int nid =
      OBJ_sn2nid(group_name) != NID_undef ? OBJ_sn2nid(group_name) : OBJ_ln2nid(group_name);
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(EC_GROUP_new_by_curve_name(nid),
                                                            &EC_GROUP_free);
  if (!group) return {};
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(EC_POINT_new(group.get()),
                                                            &EC_POINT_free);
  if (!point || EC_POINT_oct2point(group.get(), point.get(), encoded, encoded_len, nullptr) != 1) {
    return {};
  }
  Bytes out(EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, nullptr, 0,
                               nullptr));
  if (out.empty() || EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED,
                                        out.data(), out.size(), nullptr) != out.size()) {
    return {};
  }
  return out;
}

Bytes crl_der(const X509_CRL* crl) {
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(crl, &der);
  if (len <= 0) return {};
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Bytes sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != 32) {
    return {};
  }
  return out;
}

std::string subject_name(const X509* cert) {
  return name_text(X509_get_subject_name(cert));
}
std::string issuer_name(const X509* cert) {
  return name_text(X509_get_issuer_name(cert));
}
std::string crl_issuer_name(const X509_CRL* crl) {
  return name_text(X509_CRL_get_issuer(crl));
}

namespace {
std::string first_common_name(const X509_NAME* name) {
  const int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  // A peer names its certificates as it likes, and these names end up in messages and logs.
  std::string out = escape_controls(
      std::string_view(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len)));
  OPENSSL_free(utf8);
  return out;
}
}  // namespace

std::string common_name(const X509* cert) {
  return first_common_name(X509_get_subject_name(cert));
}

std::string issuer_common_name(const X509* cert) {
  return first_common_name(X509_get_issuer_name(cert));
}

UnixTime asn1_time_to_unix(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  const std::int64_t days = days_from_civil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                                            static_cast<unsigned>(tm.tm_mday));
  return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

UnixTime not_before(const X509* cert) {
  return asn1_time_to_unix(X509_get0_notBefore(cert));
}
UnixTime not_after(const X509* cert) {
  return asn1_time_to_unix(X509_get0_notAfter(cert));
}

X509Ptr intel_sgx_root_ca() {
  return decode_pem_block(kIntelSgxRootCaPem);
}

EvpPkeyPtr p256_public_key(ByteView xy) {
  if (xy.size() != 64) return nullptr;
  unsigned char point[65];
  point[0] = 0x04;
  std::memcpy(point + 1, xy.data(), 64);
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
      OSSL_PARAM_construct_end(),
  };
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  EvpPkeyPtr key(raw);
  // Import decodes the point; the explicit check also rejects the point at infinity.
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), &EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

Bytes p256_raw_point(EVP_PKEY* key) {
  if (key == nullptr || !EVP_PKEY_is_a(key, "EC")) return {};
  char group[64] = {};
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     nullptr) != 1 ||
      (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256")) {
    ERR_clear_error();
    return {};
  }
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  Bytes out(64);
  const bool ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
                  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
                  BN_bn2binpad(x, out.data(), 32) == 32 &&
                  BN_bn2binpad(y, out.data() + 32, 32) == 32;
  BN_free(x);
  BN_free(y);
  if (!ok) {
    ERR_clear_error();
    return {};
  }
  return out;
}

bool ecdsa_p256_verify_raw(EVP_PKEY* key, ByteView message, ByteView signature) {
  if (key == nullptr || signature.size() != 64 || p256_raw_point(key).size() != 64) return false;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), &ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(signature.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(signature.data() + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const bool ok = md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(md.get(), der, static_cast<std::size_t>(der_len), message.data(),
                                   message.size()) == 1;
  OPENSSL_free(der);
  ERR_clear_error();
  return ok;
}

ChainCheck verify_chain(const std::vector<const X509*>& chain, const X509* root, UnixTime at) {
  using F = ChainCheck::Failure;
  auto failed = [](F f, int depth, std::string message) {
    ChainCheck c;
    c.failure = f;
    c.depth = depth;
    c.message = std::move(message);
    return c;
  };
  if (chain.empty() || root == nullptr) return failed(F::kOther, -1, "empty certificate chain");
  const int last = static_cast<int>(chain.size()) - 1;
  if (cert_der(chain.back()) != cert_der(root)) {
    return failed(F::kUntrustedRoot, last,
                  "the chain ends in " + describe(chain.back()) +
                      ", which is not the pinned root (SHA-256 " + to_hex(sha256(cert_der(root))) +
                      ")");
  }
  for (int i = 0; i <= last; ++i) {
    X509* cert = const_cast<X509*>(chain[static_cast<std::size_t>(i)]);
    if (X509_get_version(cert) != X509_VERSION_3) {
      return failed(F::kOther, i, describe(cert) + " is not an X.509 v3 certificate");
    }
    if (!is_p256_ecdsa_sha256(cert)) {
      return failed(F::kWrongKeyType, i,
                    describe(cert) + " is not an ECDSA P-256 / SHA-256 certificate");
    }
    // Unhandled critical extensions and undecodable extensions make a certificate unusable.
    const std::uint32_t ext_flags = X509_get_extension_flags(cert);
    if (ext_flags & (EXFLAG_INVALID | EXFLAG_CRITICAL)) {
      return failed(F::kOther, i,
                    describe(cert) + " has invalid or unsupported critical extensions");
    }
    const UnixTime nb = not_before(cert);
    const UnixTime na = not_after(cert);
    if (at < nb) {
      return failed(F::kNotYetValid, i,
                    describe(cert) + " is not valid before " + format_rfc3339(nb) +
                        " (verification time " + format_rfc3339(at) + ")");
    }
    if (at > na) {
      return failed(F::kExpired, i,
                    describe(cert) + " expired at " + format_rfc3339(na) + " (verification time " +
                        format_rfc3339(at) + ")");
    }
    // The root (last) is its own issuer: its self-signature is checked like any other link.
    const int issuer_index = i == last ? last : i + 1;
    X509* issuer = const_cast<X509*>(chain[static_cast<std::size_t>(issuer_index)]);
    if (X509_check_ca(issuer) < 1) {
      return failed(F::kNotACa, issuer_index, describe(issuer) + " is not a CA certificate");
    }
    const int issued = X509_check_issued(issuer, cert);
    if (issued != X509_V_OK) {
      return failed(F::kBadSignature, i,
                    describe(cert) + " is not issued by " + describe(issuer) + " (" +
                        X509_verify_cert_error_string(issued) + ")");
    }
    if (X509_verify(cert, X509_get0_pubkey(issuer)) != 1) {
      ERR_clear_error();
      return failed(F::kBadSignature, i,
                    "the signature of " + describe(cert) + " does not verify with the key of " +
                        describe(issuer));
    }
  }
  // Path length constraints: certificates below each CA, not counting the leaf.
  for (int i = 1; i <= last; ++i) {
    const long limit = X509_get_pathlen(const_cast<X509*>(chain[static_cast<std::size_t>(i)]));
    if (limit >= 0 && i - 1 > limit) {
      return failed(F::kOther, i,
                    describe(chain[static_cast<std::size_t>(i)]) + " allows a path length of " +
                        std::to_string(limit));
    }
  }
  return {};
}

CrlCheck check_crl(const X509_CRL* crl, const X509* issuer, const X509* subject, UnixTime at) {
  using F = CrlCheck::Failure;
  auto failed = [](F f, std::string message) {
    CrlCheck c;
    c.failure = f;
    c.message = std::move(message);
    return c;
  };
  if (crl == nullptr || issuer == nullptr)
    return failed(F::kIssuerMismatch, "CRL or issuer missing");
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
    return failed(F::kIssuerMismatch, "CRL is issued by \"" + crl_issuer_name(crl) +
                                          "\", expected \"" + subject_name(issuer) + "\"");
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  if (key == nullptr || X509_CRL_verify(const_cast<X509_CRL*>(crl), key) != 1) {
    ERR_clear_error();
    return failed(F::kBadSignature,
                  "CRL signature does not verify with the key of " + describe(issuer));
  }
  const UnixTime this_update = asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl));
  if (at < this_update) {
    return failed(F::kNotYetValid, "CRL is not valid before " + format_rfc3339(this_update) +
                                       " (verification time " + format_rfc3339(at) + ")");
  }
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
  if (next == nullptr) return failed(F::kExpired, "CRL has no nextUpdate");
  const UnixTime next_update = asn1_time_to_unix(next);
  if (at > next_update) {
    return failed(F::kExpired, "CRL expired at " + format_rfc3339(next_update) +
                                   " (verification time " + format_rfc3339(at) +
                                   "); fetch a current CRL");
  }
  if (subject != nullptr) {
    X509_REVOKED* entry = nullptr;
    const ASN1_INTEGER* serial = X509_get0_serialNumber(subject);
    if (X509_CRL_get0_by_serial(const_cast<X509_CRL*>(crl), &entry,
                                const_cast<ASN1_INTEGER*>(serial)) == 1) {
      return failed(F::kRevoked, describe(subject) + " is revoked");
    }
  }
  return {};
}

}  // namespace ratls::attest
