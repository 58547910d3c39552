#include "attest/sim/ratls_issuer.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

#include "attest/sim/pki.h"

namespace ratls::attest::sim {

namespace {

[[noreturn]] void openssl_failure(const char* what) {
  fail(Status::STATUS_INVALID_PARAMETER, std::string("RA-TLS certificate: ") + what + " failed");
}

// The evidence extensions. Gramine hands mbedTLS the OID with its tag and length, which wraps it
// again: the OID in its certificates really is 0.6.9.42.840.113741.1337.6 (attestation-spec §4.1).
constexpr const char* kSgxQuoteOid = "1.2.840.113741.1337.6";
constexpr const char* kTdxQuoteOid = "1.2.840.113741.1337.8";
constexpr const char* kGramineWrappedOid = "0.6.9.42.840.113741.1337.6";
constexpr const char* kTcgDiceOid = "2.23.133.5.4.9";

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Bytes spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) openssl_failure("encoding the public key");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace

EvpPkeyPtr generate_tls_key(RatlsFormat format) {
  const bool gramine = format == RatlsFormat::kGramineLegacy || format == RatlsFormat::kGramineDice;
  EvpPkeyPtr key(EVP_EC_gen(gramine ? "P-384" : "P-256"));
  if (!key) openssl_failure("key generation");
  return key;
}

Bytes dice_claims_for(EVP_PKEY* key) {
  const Bytes hash = sha256(spki_of(key));
  // A1 (map of 1) 6B "pubkey-hash" 82 (array of 2) 01 (sha-256) 58 20 <32 bytes>
  Bytes claims;
  claims.reserve(64);
  for (int b : {0xA1, 0x6B}) claims.push_back(static_cast<std::uint8_t>(b));
  for (char c : std::string_view("pubkey-hash")) claims.push_back(static_cast<std::uint8_t>(c));
  for (int b : {0x82, 0x01, 0x58, 0x20}) claims.push_back(static_cast<std::uint8_t>(b));
  for (std::uint8_t b : hash) claims.push_back(b);
  return claims;
}

std::array<std::uint8_t, 64> binding_report_data(
    RatlsFormat format, EVP_PKEY* key, const Bytes& dice_claims,
    const std::optional<std::array<std::uint8_t, 32>>& x25519) {
  std::array<std::uint8_t, 64> rd{};
  Bytes hash;
  switch (format) {
    case RatlsFormat::kCosmianSgx:
    case RatlsFormat::kCosmianTdx:
      hash = sha256(ec_uncompressed_point(key));
      if (x25519) std::copy(x25519->begin(), x25519->end(), rd.begin() + 32);
      break;
    case RatlsFormat::kGramineLegacy:
      hash = sha256(spki_of(key));
      break;
    case RatlsFormat::kGramineDice:
      hash = sha256(dice_claims);
      break;
  }
  std::copy(hash.begin(), hash.end(), rd.begin());
  return rd;
}

X509Ptr build_ratls_certificate(EVP_PKEY* key, RatlsFormat format, const Bytes& quote,
                                const RatlsCertificateOptions& options, const Bytes& dice_quote,
                                const Bytes& dice_claims) {
  X509Ptr cert(X509_new());
  if (!cert) openssl_failure("X509_new");
  X509_set_version(cert.get(), X509_VERSION_3);
  Bytes serial = sha256(spki_of(key));
  serial[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial.data(), 16, nullptr), &BN_free);
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    openssl_failure("serial number");
  }
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), options.not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), options.not_after) == nullptr) {
    openssl_failure("validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add_name = [&](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add_name("CN", options.common_name);
  add_name("O", "ratls-gateway simulated enclave");
  X509_set_issuer_name(cert.get(), name);
  if (X509_set_pubkey(cert.get(), key) != 1) openssl_failure("public key");

  std::string san;
  for (const auto& entry : options.subject_alt_names) {
    if (!san.empty()) san += ",";
    san += (is_ip(entry) ? "IP:" : "DNS:") + entry;
  }
  if (!san.empty()) add_conf_extension(cert.get(), cert.get(), NID_subject_alt_name, san);
  add_conf_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  switch (format) {
    case RatlsFormat::kCosmianSgx:
      add_raw_extension(cert.get(), kSgxQuoteOid, quote);
      break;
    case RatlsFormat::kCosmianTdx:
      add_raw_extension(cert.get(), kTdxQuoteOid, quote);
      break;
    case RatlsFormat::kGramineLegacy:
      add_raw_extension(cert.get(), kGramineWrappedOid, quote);
      break;
    case RatlsFormat::kGramineDice: {
      if (!quote.empty()) add_raw_extension(cert.get(), kGramineWrappedOid, quote);
      // tag 60000 (D9 EA60), array of 2 (82), bstr quote, bstr claims; 4-byte lengths keep it
      // simple.
      Bytes cbor = {0xD9, 0xEA, 0x60, 0x82};
      auto bstr = [&](const Bytes& b) {
        cbor.push_back(0x5A);
        const auto n = static_cast<std::uint32_t>(b.size());
        for (int shift = 24; shift >= 0; shift -= 8)
          cbor.push_back(static_cast<std::uint8_t>(n >> shift));
        cbor.insert(cbor.end(), b.begin(), b.end());
      };
      bstr(dice_quote);
      bstr(dice_claims);
      add_raw_extension(cert.get(), kTcgDiceOid, cbor);
      break;
    }
  }
  const EVP_MD* md = EVP_PKEY_get_bits(key) > 256 ? EVP_sha384() : EVP_sha256();
  if (X509_sign(cert.get(), key, md) <= 0) openssl_failure("signing");
  return cert;
}

}  // namespace ratls::attest::sim
