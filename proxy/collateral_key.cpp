#include "proxy/collateral_key.h"

#include <openssl/x509.h>

#include "attest/pck_extension.h"
#include "attest/ratls_cert.h"
#include "attest/x509.h"

namespace ratls::proxy {

namespace {

// First CN of the issuer name ("" when there is none).
std::string issuer_common_name(const X509* cert) {
  const X509_NAME* name = X509_get_issuer_name(cert);
  const int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

std::string CollateralKey::text() const {
  return std::string(attest::tee_name(tee)) + " " + attest::to_hex(fmspc) + " " + ca;
}

std::optional<CollateralKey> collateral_key_for_quote(attest::ByteView quote) {
  try {
    const attest::Quote q = attest::parse_quote(quote);
    if (q.certification_data_type != 5) return std::nullopt;
    const auto chain = attest::parse_pem_chain(attest::as_chars(q.certification_data),
                                               attest::Status::STATUS_UNSUPPORTED_PCK_CERT_FORMAT);
    const X509* leaf = chain.front().get();
    CollateralKey key;
    key.tee = q.tee;
    key.fmspc = attest::parse_pck_extension(leaf).fmspc;
    const std::string issuer = issuer_common_name(leaf);
    if (issuer == "Intel SGX PCK Platform CA") {
      key.ca = "platform";
    } else if (issuer == "Intel SGX PCK Processor CA") {
      key.ca = "processor";
    } else {
      return std::nullopt;
    }
    return key;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<CollateralKey> collateral_key_for_certificate(attest::ByteView der_or_pem) {
  try {
    const attest::RatlsCertificate cert = attest::parse_ratls_certificate(der_or_pem);
    return collateral_key_for_quote(cert.quote);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace ratls::proxy
