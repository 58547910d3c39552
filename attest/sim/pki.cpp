#include "attest/sim/pki.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>

namespace ratls::attest::sim {

namespace {

[[noreturn]] void openssl_failure(const std::string& what) {
  ERR_clear_error();
  fail(Status::STATUS_INVALID_PARAMETER, "simulated PKI: " + what + " failed");
}

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

// DER TLV with a definite length (contents here are always < 64 KiB).
Bytes tlv(std::uint8_t tag, const Bytes& content) {
  const std::size_t n = content.size();
  Bytes out;
  out.reserve(n + 4);
  out.push_back(tag);
  if (n >= 0x100) {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
  } else if (n >= 0x80) {
    out.push_back(0x81);
  }
  out.push_back(static_cast<std::uint8_t>(n & 0xff));
  for (std::uint8_t b : content) out.push_back(b);
  return out;
}

Bytes der_uint(std::uint64_t v) {
  Bytes b;
  do {
    b.push_back(static_cast<std::uint8_t>(v & 0xff));
    v >>= 8;
  } while (v != 0);
  if (b.back() & 0x80) b.push_back(0x00);
  return Bytes(b.rbegin(), b.rend());
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) {
    for (std::uint8_t b : p) out.push_back(b);
  }
  return out;
}

// OID 1.2.840.113741.1.13.1 followed by `arcs` (all single-byte arcs).
Bytes sgx_oid(std::initializer_list<std::uint8_t> arcs) {
  Bytes content = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};
  for (std::uint8_t a : arcs) content.push_back(a);
  return tlv(0x06, content);
}

Bytes member(const Bytes& oid, const Bytes& value) {
  return tlv(0x30, concat({oid, value}));
}

template <std::size_t N>
Bytes octets(const std::array<std::uint8_t, N>& a) {
  return tlv(0x04, Bytes(a.begin(), a.end()));
}

void set_serial(X509* cert, std::string_view label) {
  Bytes digest = sha256(as_bytes(label));
  digest[0] &= 0x7f;  // positive
  digest[0] |= 0x40;  // and always 16 significant bytes
  BnPtr bn(BN_bin2bn(digest.data(), 16, nullptr), &BN_free);
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    openssl_failure("serial number");
  }
}

}  // namespace

EvpPkeyPtr make_p256_key(const std::optional<std::string>& seed, std::string_view label) {
  if (!seed) {
    EvpPkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) openssl_failure("key generation");
    return key;
  }
  // d = SHA-256(seed || 0 || label) mod (n - 1) + 1: a valid scalar, fixed for a given seed.
  Bytes material(seed->begin(), seed->end());
  material.push_back(0);
  material.insert(material.end(), label.begin(), label.end());
  const Bytes digest = sha256(material);
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), &EC_GROUP_free);
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> bn_ctx(BN_CTX_new(), &BN_CTX_free);
  BnPtr d(BN_bin2bn(digest.data(), 32, nullptr), &BN_free);
  BnPtr n_minus_1(BN_dup(group ? EC_GROUP_get0_order(group.get()) : nullptr), &BN_free);
  if (!group || !bn_ctx || !d || !n_minus_1 || BN_sub_word(n_minus_1.get(), 1) != 1 ||
      BN_nnmod(d.get(), d.get(), n_minus_1.get(), bn_ctx.get()) != 1 ||
      BN_add_word(d.get(), 1) != 1) {
    openssl_failure("key derivation");
  }
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> pub(EC_POINT_new(group.get()),
                                                          &EC_POINT_free);
  unsigned char point[65];
  if (!pub || EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point, sizeof point,
                         bn_ctx.get()) != sizeof point) {
    openssl_failure("public point");
  }
  unsigned char priv[32];
  if (BN_bn2binpad(d.get(), priv, sizeof priv) != sizeof priv) openssl_failure("private scalar");
  // OSSL_PARAM takes private keys as native-endian BIGNUM buffers; build them with a BN param.
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      &OSSL_PARAM_BLD_free);
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) !=
          1) {
    openssl_failure("key parameters");
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 &OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    openssl_failure("key import");
  }
  return EvpPkeyPtr(raw);
}

EvpPkeyPtr load_private_key_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!key) fail(Status::STATUS_INVALID_PARAMETER, "not a PEM private key");
  return key;
}

std::string crl_pem(const X509_CRL* crl) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), const_cast<X509_CRL*>(crl)) != 1) {
    openssl_failure("PEM encoding of a CRL");
  }
  return bio_text(bio.get());
}

void add_conf_extension(X509* cert, const X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, const_cast<X509*>(issuer), cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) {
    X509_EXTENSION_free(ext);
    openssl_failure("adding extension " + value);
  }
  X509_EXTENSION_free(ext);
}

void add_raw_extension(X509* cert, const char* oid_text, const Bytes& value) {
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(OBJ_txt2obj(oid_text, 1),
                                                                &ASN1_OBJECT_free);
  std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)> data(
      ASN1_OCTET_STRING_new(), &ASN1_OCTET_STRING_free);
  if (!obj || !data ||
      ASN1_OCTET_STRING_set(data.get(), value.data(), static_cast<int>(value.size())) != 1) {
    openssl_failure("encoding an extension");
  }
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, data.get());
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) {
    X509_EXTENSION_free(ext);
    openssl_failure("adding an extension");
  }
  X509_EXTENSION_free(ext);
}

Bytes encode_pck_extension(const PckExtension& ext) {
  Bytes tcb;
  for (std::uint8_t i = 0; i < 16; ++i) {
    tcb = concat({tcb, member(sgx_oid({2, static_cast<std::uint8_t>(i + 1)}),
                              tlv(0x02, der_uint(ext.tcb_components[i])))});
  }
  tcb = concat({tcb, member(sgx_oid({2, 17}), tlv(0x02, der_uint(ext.pcesvn))),
                member(sgx_oid({2, 18}), octets(ext.cpusvn))});
  Bytes body =
      concat({member(sgx_oid({1}), octets(ext.ppid)), member(sgx_oid({2}), tlv(0x30, tcb)),
              member(sgx_oid({3}), octets(ext.pce_id)), member(sgx_oid({4}), octets(ext.fmspc)),
              member(sgx_oid({5}), tlv(0x0a, der_uint(static_cast<std::uint64_t>(ext.sgx_type))))});
  if (ext.platform_instance_id) {
    body = concat({body, member(sgx_oid({6}), octets(*ext.platform_instance_id))});
  }
  if (ext.configuration) {
    Bytes conf;
    auto flag = [&](std::uint8_t arc, const std::optional<bool>& v) {
      if (v)
        conf = concat(
            {conf, member(sgx_oid({7, arc}), tlv(0x01, Bytes{std::uint8_t(*v ? 0xff : 0)}))});
    };
    flag(1, ext.configuration->dynamic_platform);
    flag(2, ext.configuration->cached_keys);
    flag(3, ext.configuration->smt_enabled);
    body = concat({body, member(sgx_oid({7}), tlv(0x30, conf))});
  }
  return tlv(0x30, body);
}

X509Ptr issue_certificate(const CertificateSpec& spec, EVP_PKEY* key, const X509* issuer,
                          EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) openssl_failure("X509_new");
  set_serial(cert.get(), spec.serial_label);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.not_after) == nullptr) {
    openssl_failure("validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add_name = [&](const char* field, const std::string& value) {
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                   0) != 1) {
      openssl_failure("subject name");
    }
  };
  add_name("CN", spec.common_name);
  add_name("O", spec.organization);
  add_name("C", "US");
  const X509* signer = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    openssl_failure("issuer or key");
  }
  std::string bc = spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.ca && spec.path_length) bc += ",pathlen:" + std::to_string(*spec.path_length);
  add_conf_extension(cert.get(), signer, NID_basic_constraints, bc);
  add_conf_extension(
      cert.get(), signer, NID_key_usage,
      spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
  add_conf_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr)
    add_conf_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (spec.sgx)
    add_raw_extension(cert.get(), "1.2.840.113741.1.13.1", encode_pck_extension(*spec.sgx));
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) openssl_failure("certificate signing");
  return cert;
}

X509CrlPtr issue_crl(const X509* issuer, EVP_PKEY* issuer_key, UnixTime this_update,
                     UnixTime next_update, const std::vector<const X509*>& revoked) {
  X509CrlPtr crl(X509_CRL_new());
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> last(ASN1_TIME_set(nullptr, this_update),
                                                             &ASN1_TIME_free);
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> next(ASN1_TIME_set(nullptr, next_update),
                                                             &ASN1_TIME_free);
  if (!crl || !last || !next || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer)) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    openssl_failure("CRL fields");
  }
  for (const X509* cert : revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    if (entry == nullptr ||
        X509_REVOKED_set_serialNumber(
            entry, const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(cert))) != 1 ||
        X509_REVOKED_set_revocationDate(entry, last.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), entry) != 1) {
      X509_REVOKED_free(entry);
      openssl_failure("CRL entry");
    }
  }
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), issuer_key, EVP_sha256()) <= 0) openssl_failure("CRL signing");
  return crl;
}

std::array<std::uint8_t, 64> sign_raw(EVP_PKEY* key, ByteView message) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1) {
    openssl_failure("signing");
  }
  Bytes der(len);
  if (EVP_DigestSign(md.get(), der.data(), &len, message.data(), message.size()) != 1) {
    openssl_failure("signing");
  }
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)), &ECDSA_SIG_free);
  std::array<std::uint8_t, 64> out{};
  if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32) != 32) {
    openssl_failure("signature encoding");
  }
  return out;
}

}  // namespace ratls::attest::sim
