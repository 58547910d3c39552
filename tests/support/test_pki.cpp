#include "tests/support/test_pki.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

namespace ratls::test {

namespace {

using attest::Bytes;
using attest::ByteView;
using attest::EvpPkeyPtr;
using attest::UnixTime;
using attest::X509CrlPtr;
using attest::X509Ptr;

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, Deleter<X509_REVOKED, X509_REVOKED_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

Asn1TimePtr asn1_time(UnixTime t) {
  return Asn1TimePtr(ASN1_TIME_set(nullptr, static_cast<time_t>(t)));
}

Asn1IntegerPtr asn1_integer(std::uint64_t v) {
  Asn1IntegerPtr i(ASN1_INTEGER_new());
  if (i && ASN1_INTEGER_set_uint64(i.get(), v) != 1) return nullptr;
  return i;
}

bool add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  if (value.empty()) return true;
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                    0) == 1;
}

bool add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string openssl_errors() {
  std::string out;
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += std::string(buf) + "; ";
  }
  return out;
}

}  // namespace

EvpPkeyPtr make_ec_key(const char* curve) {
  EvpPkeyPtr key(EVP_EC_gen(curve));
  if (!key) ADD_FAILURE() << "EVP_EC_gen(" << curve << ") failed: " << openssl_errors();
  return key;
}

X509Ptr make_cert(const CertSpec& spec, EVP_PKEY* key, const X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  Asn1IntegerPtr serial = asn1_integer(spec.serial);
  Asn1TimePtr nb = asn1_time(spec.not_before);
  Asn1TimePtr na = asn1_time(spec.not_after);
  bool ok = cert && serial && nb && na && key != nullptr && issuer_key != nullptr;
  ok = ok && X509_set_version(cert.get(), spec.version == 1 ? X509_VERSION_1 : X509_VERSION_3) == 1;
  ok = ok && X509_set_serialNumber(cert.get(), serial.get()) == 1;
  ok = ok && X509_set1_notBefore(cert.get(), nb.get()) == 1;
  ok = ok && X509_set1_notAfter(cert.get(), na.get()) == 1;
  ok = ok && X509_set_pubkey(cert.get(), key) == 1;
  X509_NAME* subject = ok ? X509_get_subject_name(cert.get()) : nullptr;
  ok = ok && add_name_entry(subject, "CN", spec.common_name) &&
       add_name_entry(subject, "O", spec.organization);
  const X509_NAME* issuer_name = issuer != nullptr ? X509_get_subject_name(issuer) : subject;
  ok = ok && X509_set_issuer_name(cert.get(), issuer_name) == 1;
  if (ok && spec.version != 1) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != nullptr ? const_cast<X509*>(issuer) : cert.get(), cert.get(),
                   nullptr, nullptr, 0);
    if (spec.basic_constraints) {
      std::string bc = spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
      if (spec.ca && spec.path_length >= 0) bc += ",pathlen:" + std::to_string(spec.path_length);
      ok = ok && add_extension(cert.get(), &ctx, NID_basic_constraints, bc);
    }
    ok =
        ok && add_extension(cert.get(), &ctx, NID_key_usage,
                            spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  }
  ok = ok && X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0;
  if (!ok) {
    ADD_FAILURE() << "cannot build certificate " << spec.common_name << ": " << openssl_errors();
    return nullptr;
  }
  return cert;
}

X509CrlPtr make_crl(const X509* issuer_name_of, EVP_PKEY* signing_key, const CrlSpec& spec) {
  X509CrlPtr crl(X509_CRL_new());
  Asn1TimePtr last = asn1_time(spec.this_update);
  bool ok = crl && last && issuer_name_of != nullptr && signing_key != nullptr;
  ok = ok && X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1;
  ok = ok && X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer_name_of)) == 1;
  ok = ok && X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1;
  if (ok && spec.next_update) {
    Asn1TimePtr next = asn1_time(*spec.next_update);
    ok = next && X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1;
  }
  for (std::uint64_t serial : spec.revoked_serials) {
    if (!ok) break;
    X509RevokedPtr entry(X509_REVOKED_new());
    Asn1IntegerPtr number = asn1_integer(serial);
    ok = entry && number && X509_REVOKED_set_serialNumber(entry.get(), number.get()) == 1 &&
         X509_REVOKED_set_revocationDate(entry.get(), last.get()) == 1 &&
         X509_CRL_add0_revoked(crl.get(), entry.get()) == 1;
    if (ok) (void)entry.release();  // owned by the CRL now
  }
  ok = ok && X509_CRL_sort(crl.get()) == 1;
  ok = ok && X509_CRL_sign(crl.get(), signing_key, EVP_sha256()) > 0;
  if (!ok) {
    ADD_FAILURE() << "cannot build CRL: " << openssl_errors();
    return nullptr;
  }
  return crl;
}

Bytes sign_p256_raw(EVP_PKEY* key, ByteView message) {
  MdCtxPtr md(EVP_MD_CTX_new());
  std::size_t der_len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &der_len, message.data(), message.size()) != 1) {
    ADD_FAILURE() << "EVP_DigestSign setup failed: " << openssl_errors();
    return {};
  }
  Bytes der(der_len);
  if (EVP_DigestSign(md.get(), der.data(), &der_len, message.data(), message.size()) != 1) {
    ADD_FAILURE() << "EVP_DigestSign failed: " << openssl_errors();
    return {};
  }
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  if (sig) ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes raw(64);
  if (!sig || BN_bn2binpad(r, raw.data(), 32) != 32 || BN_bn2binpad(s, raw.data() + 32, 32) != 32) {
    ADD_FAILURE() << "cannot convert the DER ECDSA signature to r||s";
    return {};
  }
  return raw;
}

std::string cert_pem(const X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  return bio_text(bio.get());
}

std::string crl_pem(const X509_CRL* crl) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl) != 1) return {};
  return bio_text(bio.get());
}

TestPki make_test_pki(UnixTime from, UnixTime to) {
  TestPki pki;
  pki.root_key = make_ec_key();
  pki.intermediate_key = make_ec_key();
  pki.leaf_key = make_ec_key();
  CertSpec root;
  root.common_name = "Test Root CA";
  root.serial = 1;
  root.not_before = from;
  root.not_after = to;
  root.ca = true;
  pki.root = make_cert(root, pki.root_key.get(), nullptr, pki.root_key.get());
  CertSpec intermediate = root;
  intermediate.common_name = "Test Intermediate CA";
  intermediate.serial = 2;
  intermediate.path_length = 0;
  pki.intermediate =
      make_cert(intermediate, pki.intermediate_key.get(), pki.root.get(), pki.root_key.get());
  CertSpec leaf = root;
  leaf.common_name = "Test Leaf";
  leaf.serial = 3;
  leaf.ca = false;
  pki.leaf =
      make_cert(leaf, pki.leaf_key.get(), pki.intermediate.get(), pki.intermediate_key.get());
  return pki;
}

}  // namespace ratls::test
