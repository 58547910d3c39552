#include "proxy/collateral/collateral_key.h"

#include <openssl/x509.h>

#include "attest/pck_extension.h"
#include "attest/ratls_cert.h"
#include "attest/x509.h"

namespace ratls::proxy {

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
    const std::string issuer = attest::issuer_common_name(leaf);
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
