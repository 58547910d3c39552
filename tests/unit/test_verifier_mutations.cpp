// The mutation table of dcap/SOURCES.md: one byte changed in a real quote or its collateral must
// make exactly the stated check fail. Plus checks that can be isolated with real data alone.
#include <gtest/gtest.h>

#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include <set>

#include "attest/verifier.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::at;
using test::read_bytes;
using test::read_text;
using test::real_path;

struct Phala {
  Bytes quote;
  Collateral raw;
  UnixTime time;
};

Phala phala_sgx() {
  return {read_bytes(real_path("dcap/phala_dcap_qvl/sgx_v3_quote.bin")),
          collateral_from_dcap_qvl_json(read_text(real_path("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json"))),
          at("2025-07-19T10:01:17Z")};
}

Phala phala_tdx() {
  return {read_bytes(real_path("dcap/phala_dcap_qvl/tdx_v4_quote.bin")),
          collateral_from_dcap_qvl_json(read_text(real_path("dcap/phala_dcap_qvl/tdx_v4_quote.collateral.json"))),
          at("2025-07-19T10:00:34Z")};
}

std::string verify_status(const Bytes& quote, const Collateral& raw, UnixTime t,
                          const X509* root = nullptr) {
  ParsedCollateral parsed;
  try {
    parsed = parse_collateral(raw);
  } catch (const AttestError& e) {
    return std::string(status_name(e.status()));
  }
  VerifyInput in;
  in.quote = quote;
  in.collateral = &parsed;
  in.root = root;
  in.at = t;
  auto r = verify_quote(in);
  if (r.errors.empty()) return r.genuine() ? "STATUS_OK" : "NO_STATUS";
  return std::string(status_name(r.errors.front().status));
}

Bytes flipped(Bytes b, std::size_t offset, std::uint8_t mask = 0x01) {
  b.at(offset) ^= mask;
  return b;
}

Bytes set_byte(Bytes b, std::size_t offset, std::uint8_t value) {
  b.at(offset) = value;
  return b;
}

struct Mutation {
  std::size_t offset;
  const char* field;
  std::set<std::string> expected;
};

TEST(Mutations, Baselines) {
  auto s = phala_sgx();
  EXPECT_EQ(verify_status(s.quote, s.raw, s.time), "STATUS_OK");
  auto t = phala_tdx();
  EXPECT_EQ(verify_status(t.quote, t.raw, t.time), "STATUS_OK");
}

TEST(Mutations, SgxV3ByteFlips) {
  auto v = phala_sgx();
  const Mutation table[] = {
      {28, "header user_data", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {112, "MRENCLAVE[0]", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {368, "REPORTDATA[0]", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {436, "ISV signature r[0]", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {500, "attestation key[0]", {"STATUS_INVALID_QE_REPORT_DATA"}},
      {692, "QE report MRSIGNER[0]", {"STATUS_INVALID_QE_REPORT_SIGNATURE"}},
      {948, "QE report signature[0]", {"STATUS_INVALID_QE_REPORT_SIGNATURE"}},
      {1014, "QE auth data[0]", {"STATUS_INVALID_QE_REPORT_DATA"}},
      // A changed base64 character of the PCK leaf: it no longer decodes, or no longer verifies.
      {1152, "PCK leaf PEM byte",
       {"STATUS_UNSUPPORTED_PCK_CERT_FORMAT", "STATUS_SGX_PCK_CERT_CHAIN_UNTRUSTED"}},
  };
  for (const auto& m : table) {
    EXPECT_TRUE(m.expected.count(verify_status(flipped(v.quote, m.offset), v.raw, v.time)))
        << "offset " << m.offset << " (" << m.field << ") gave "
        << verify_status(flipped(v.quote, m.offset), v.raw, v.time);
  }
}

TEST(Mutations, TdxV4ByteFlips) {
  auto v = phala_tdx();
  const Mutation table[] = {
      {28, "header", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {48, "TEE_TCB_SVN", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {184, "MRTD", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {568, "REPORTDATA", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {636, "ISV signature", {"STATUS_INVALID_QUOTE_SIGNATURE"}},
      {700, "attestation key", {"STATUS_INVALID_QE_REPORT_DATA"}},
      {898, "QE report MRSIGNER", {"STATUS_INVALID_QE_REPORT_SIGNATURE"}},
      {1154, "QE report signature", {"STATUS_INVALID_QE_REPORT_SIGNATURE"}},
      {1220, "QE auth data", {"STATUS_INVALID_QE_REPORT_DATA"}},
  };
  for (const auto& m : table) {
    EXPECT_TRUE(m.expected.count(verify_status(flipped(v.quote, m.offset), v.raw, v.time)))
        << "offset " << m.offset << " (" << m.field << ") gave "
        << verify_status(flipped(v.quote, m.offset), v.raw, v.time);
  }
  // Trailing bytes after the signature data are not signed and are ignored.
  EXPECT_EQ(verify_status(flipped(v.quote, v.quote.size() - 1), v.raw, v.time), "STATUS_OK");
}

TEST(Mutations, HeaderFieldsMakeTheQuoteUnsupported) {
  for (auto v : {phala_sgx(), phala_tdx()}) {
    EXPECT_EQ(verify_status(set_byte(v.quote, 0, 2), v.raw, v.time), "STATUS_UNSUPPORTED_QUOTE_FORMAT");
    EXPECT_EQ(verify_status(set_byte(v.quote, 2, 3), v.raw, v.time), "STATUS_UNSUPPORTED_QUOTE_FORMAT");
    EXPECT_EQ(verify_status(flipped(v.quote, 12), v.raw, v.time), "STATUS_UNSUPPORTED_QUOTE_FORMAT");
  }
}

TEST(Mutations, GoTdxGuestNegativeOffsets) {
  // go-tdx-guest TestNegativeVerification: set one byte of the SPR E4 quote (no collateral needed
  // for these: each fails before collateral is consulted).
  const Bytes quote = read_bytes(real_path("dcap/google_go_tdx_guest/tdx_v4_quote_spr_e4.bin"));
  const UnixTime t = at("2023-07-01T01:00:00Z");
  auto status = [&](const Bytes& q) {
    VerifyInput in;
    in.quote = q;
    in.at = t;
    auto r = verify_quote(in);
    return std::string(status_name(r.errors.front().status));
  };
  EXPECT_EQ(status(quote), "STATUS_MISSING_COLLATERAL");
  EXPECT_EQ(status(set_byte(quote, 0x00, 3)), "STATUS_UNSUPPORTED_QUOTE_FORMAT");
  EXPECT_EQ(status(set_byte(quote, 0x1E, 0x32)), "STATUS_INVALID_QUOTE_SIGNATURE");
  EXPECT_EQ(status(set_byte(quote, 0x3C, 0x32)), "STATUS_INVALID_QUOTE_SIGNATURE");
  const std::set<std::string> cert_failure{"STATUS_SGX_PCK_CERT_CHAIN_UNTRUSTED",
                                           "STATUS_UNSUPPORTED_PCK_CERT_FORMAT",
                                           "STATUS_SGX_ROOT_CA_UNTRUSTED"};
  EXPECT_TRUE(cert_failure.count(status(set_byte(quote, 0xB77, 0x32)))) << status(set_byte(quote, 0xB77, 0x32));
  EXPECT_TRUE(cert_failure.count(status(set_byte(quote, 0xF5F, 0x32)))) << status(set_byte(quote, 0xF5F, 0x32));
  EXPECT_TRUE(cert_failure.count(status(set_byte(quote, 0x1329, 0x32)))) << status(set_byte(quote, 0x1329, 0x32));
  EXPECT_EQ(status(set_byte(quote, 0x278, 0x10)), "STATUS_UNSUPPORTED_QUOTE_FORMAT");
}

// --- Collateral mutations -------------------------------------------------------------------------

TEST(Mutations, ReformattedTcbInfoBreaksItsSignature) {
  auto v = phala_sgx();
  auto raw = v.raw;
  raw.tcb_info.body = "{ " + raw.tcb_info.body.substr(1);  // same JSON, other bytes
  EXPECT_EQ(verify_status(v.quote, raw, v.time), "STATUS_TCB_INFO_INVALID_SIGNATURE");
  raw = v.raw;
  raw.tcb_info.signature[5] ^= 1;
  EXPECT_EQ(verify_status(v.quote, raw, v.time), "STATUS_TCB_INFO_INVALID_SIGNATURE");
  raw = v.raw;
  // A semantic change keeps the JSON valid but is caught by the signature too.
  auto pos = raw.tcb_info.body.find("ConfigurationAndSWHardeningNeeded");
  ASSERT_NE(pos, std::string::npos);
  raw.tcb_info.body.replace(pos, 33, "UpToDate");
  EXPECT_EQ(verify_status(v.quote, raw, v.time), "STATUS_TCB_INFO_INVALID_SIGNATURE");
}

TEST(Mutations, ReformattedQeIdentityBreaksItsSignature) {
  auto v = phala_sgx();
  auto raw = v.raw;
  raw.qe_identity.body.push_back(' ');
  raw.qe_identity.body = "\n" + raw.qe_identity.body;
  EXPECT_EQ(verify_status(v.quote, raw, v.time), "STATUS_SGX_ENCLAVE_IDENTITY_INVALID_SIGNATURE");
  raw = v.raw;
  raw.qe_identity.signature[63] ^= 0x80;
  EXPECT_EQ(verify_status(v.quote, raw, v.time), "STATUS_SGX_ENCLAVE_IDENTITY_INVALID_SIGNATURE");
}

TEST(Mutations, PckCrlOfTheOtherCaIsAnIssuerMismatch) {
  // The SGX quote's PCK comes from the Processor CA; the TDX collateral carries the Platform CA CRL,
  // current at this time too. Only the CRL issuer check can fail.
  auto s = phala_sgx();
  auto t = phala_tdx();
  auto raw = s.raw;
  raw.pck_crl = t.raw.pck_crl;
  EXPECT_EQ(verify_status(s.quote, raw, at("2025-07-19T10:00:00Z")), "STATUS_SGX_CRL_UNKNOWN_ISSUER");
  EXPECT_EQ(verify_status(s.quote, s.raw, at("2025-07-19T10:00:00Z")), "STATUS_OK");
}

TEST(Mutations, CollateralOfAnotherTeeIsATcbInfoMismatch) {
  auto s = phala_sgx();
  auto t = phala_tdx();
  auto raw = s.raw;
  raw.tcb_info = t.raw.tcb_info;  // validly signed, but TDX and another FMSPC
  raw.tcb_info_issuer_chain = t.raw.tcb_info_issuer_chain;
  EXPECT_EQ(verify_status(s.quote, raw, at("2025-07-19T10:00:00Z")), "STATUS_TCB_INFO_MISMATCH");
  raw = s.raw;
  raw.qe_identity = t.raw.qe_identity;  // TD_QE identity for an SGX quote
  EXPECT_EQ(verify_status(s.quote, raw, at("2025-07-19T10:00:00Z")), "STATUS_SGX_ENCLAVE_IDENTITY_INVALID");
}

X509Ptr self_signed_p256_ca(const char* cn) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400L * 365 * 20);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * 365 * 20);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key);
  X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE");
  X509_add_ext(cert.get(), bc, -1);
  X509_EXTENSION_free(bc);
  X509_sign(cert.get(), key, EVP_sha256());
  EVP_PKEY_free(key);
  return cert;
}

TEST(Mutations, AnotherRootIsUntrusted) {
  auto v = phala_sgx();
  auto other = self_signed_p256_ca("Intel SGX Root CA");
  EXPECT_EQ(verify_status(v.quote, v.raw, v.time, other.get()), "STATUS_SGX_ROOT_CA_UNTRUSTED");
}

TEST(Mutations, CrlSignedByAnotherKeyIsRejected) {
  auto v = phala_sgx();
  auto raw = v.raw;
  // Re-sign the real root CA CRL with a foreign key: same issuer name, wrong signature.
  X509CrlPtr crl = parse_crl(raw.root_ca_crl);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_EQ(X509_CRL_sign(crl.get(), key, EVP_sha256()) > 0, true);
  EVP_PKEY_free(key);
  raw.root_ca_crl = crl_der(crl.get());
  EXPECT_EQ(verify_status(v.quote, raw, v.time), "STATUS_SGX_CRL_INVALID_SIGNATURE");
}

}  // namespace
}  // namespace ratls::attest
