// Real RA-TLS certificates (cosmian/SOURCES.md, dcap/SOURCES.md): format, binding, measurements,
// X25519 key and certificate fields exactly as stated; ordinary certificates are not RA-TLS.
#include <gtest/gtest.h>

#include "attest/collateral.h"
#include "attest/policy.h"
#include "attest/ratls_cert.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::at;
using test::read_bytes;
using test::read_text;
using test::real_path;

RatlsCertificate parse(const std::string& relative) {
  return parse_ratls_certificate(read_bytes(real_path(relative)));
}

std::string report_data_hex(const RatlsCertificate& c) {
  return to_hex(parse_quote(c.quote).report_data());
}

TEST(RealRatlsCert, MseHomeEvidenceCertificate) {
  const RatlsCertificate c = parse("cosmian/msehome_2023-05_ratls_cert.pem");
  EXPECT_EQ(c.format, RatlsFormat::kCosmianSgx);
  EXPECT_TRUE(c.binding_ok) << c.binding_problem;
  EXPECT_TRUE(c.self_signature_ok);
  EXPECT_EQ(c.subject, "CN=localhost,O=Cosmian Tech,L=Paris,ST=Ile-de-France,C=FR");
  EXPECT_EQ(format_rfc3339(c.not_before), "2023-05-17T09:38:42Z");
  EXPECT_EQ(format_rfc3339(c.not_after), "2024-04-26T09:38:33Z");
  EXPECT_EQ(to_hex(c.cert_sha256),
            "34b4f93721eb52951ec11b874882c390f82240706c01e8d15672a5fb3c0918da");
  EXPECT_EQ(to_hex(c.spki_sha256),
            "21dabce4e8b0370d06ac939509e62e474d36ca08407527b6fb4d20456685e26b");
  EXPECT_EQ(report_data_hex(c).substr(0, 64),
            "8d88360ed0eb149b40a220b2a9eb2f2d7de55952fb8b4759edf343a49e8df81c");
  EXPECT_FALSE(c.enclave_x25519);  // 32 zero bytes: no sealing key in this build
  EXPECT_EQ(c.quote, read_bytes(real_path("cosmian/msehome_2023-05_ratls_quote.bin")));
  const Quote q = parse_quote(c.quote);
  EXPECT_EQ(to_hex(q.enclave_report->mrenclave),
            "0e4ec55e690b06a574af59dfd51baa3866ac4c8d37896effc0f1fad17b31cf3b");
  EXPECT_EQ(to_hex(q.enclave_report->mrsigner),
            "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5");
  EXPECT_FALSE(q.enclave_report->debug());
}

TEST(RealRatlsCert, CosmianCloudCertificateCarriesTheEnclaveX25519Key) {
  const RatlsCertificate c = parse("cosmian/cloud_2023-09_devcosmianio_ratls_cert.pem");
  EXPECT_EQ(c.format, RatlsFormat::kCosmianSgx);
  EXPECT_TRUE(c.binding_ok) << c.binding_problem;
  EXPECT_EQ(c.subject,
            "CN=8cb26d2deaea3a49.dev.cosmian.io,O=Cosmian Tech,C=FR,L=Paris,ST=Ile-de-France");
  EXPECT_EQ(format_rfc3339(c.not_before), "2023-09-19T07:36:04Z");
  EXPECT_EQ(format_rfc3339(c.not_after), "2023-09-19T13:35:51Z");
  EXPECT_EQ(to_hex(c.spki_sha256),
            "24ac402e8f8f288b4b31436de360c6211ee1bc2b7a3028a0e24aaa372792b540");
  EXPECT_EQ(to_hex(c.cert_sha256),
            "b76c583a054f02613fdde83f3fa42063f43bc95c51980e37fd7c8a43887f6acd");
  EXPECT_EQ(report_data_hex(c).substr(0, 64),
            "f274ba3415e8d477954b437e6fb6d9d71979c032928fa66657b4f28f4d144552");
  ASSERT_TRUE(c.enclave_x25519);
  EXPECT_EQ(to_hex(*c.enclave_x25519),
            "bbffec2ccfc20eb7a75e5d4aec0930d27ba3fe003e4189629cea59a717d79018");
  const Quote q = parse_quote(c.quote);
  EXPECT_EQ(to_hex(q.enclave_report->mrenclave),
            "958e39c89abec8cfb5ce01961a50860c770c75b01e64ed77847097f9705ed7bd");
  EXPECT_EQ(q.enclave_report->isv_prod_id, 1);
  EXPECT_EQ(q.enclave_report->isv_svn, 10);
}

TEST(RealRatlsCert, DebugEnclaveIsRejectedByDefault) {
  const RatlsCertificate c = parse("cosmian/teetools_2023-12_DEBUG_enclave_ratls_cert.pem");
  EXPECT_EQ(c.format, RatlsFormat::kCosmianSgx);
  EXPECT_TRUE(c.binding_ok) << c.binding_problem;
  EXPECT_EQ(c.subject, "CN=cosmian.io,O=Cosmian Tech,C=FR,L=Paris,ST=Ile-de-France");
  EXPECT_EQ(report_data_hex(c), "25391834f9db02be3f373907cba5672c2a67f0dd549eea6a82d9291f7310d0c2" +
                                    std::string(64, '0'));
  EXPECT_FALSE(c.enclave_x25519);

  // No collateral for it exists; the quote's own checks pass and the policy judges the fields.
  const Bytes der = cert_der(c.cert.get());
  RatlsVerifyInput in;
  in.certificate = der;
  in.at = at("2024-01-10T00:00:00Z");
  const RatlsVerification v = verify_ratls_certificate(in);
  ASSERT_TRUE(v.quote.quote);
  EXPECT_TRUE(v.quote.quote->enclave_report->debug());
  EXPECT_EQ(to_hex(v.quote.quote->enclave_report->mrenclave),
            "72009e6e7ddebcb7a8cf6b000b40aa20fd15d2c4fd524e85e80df6e8e0841d10");
  ASSERT_EQ(v.errors.size(), 1u);
  EXPECT_EQ(v.errors[0].status, Status::STATUS_MISSING_COLLATERAL);
  const auto policy_errors = apply_policy(Policy{}, v.quote);
  bool debug_rejected = false;
  for (const auto& e : policy_errors)
    debug_rejected = debug_rejected || e.status == Status::STATUS_POLICY_DEBUG_ENCLAVE;
  EXPECT_TRUE(debug_rejected);
  Policy allow;
  allow.allow_debug = true;
  for (const auto& e : apply_policy(allow, v.quote))
    EXPECT_NE(e.status, Status::STATUS_POLICY_DEBUG_ENCLAVE);
}

TEST(RealRatlsCert, CosmianTdxCertificateUsesOid1337_8) {
  for (const char* path : {"dcap/cosmian_tee_tools/tdx_ratls_cert_oid_1337_8.pem"}) {
    const RatlsCertificate c = parse(path);
    EXPECT_EQ(c.format, RatlsFormat::kCosmianTdx);
    EXPECT_TRUE(c.binding_ok) << c.binding_problem;
    const Quote q = parse_quote(c.quote);
    EXPECT_EQ(q.tee, TeeType::kTdx);
    EXPECT_EQ(q.trailing_bytes, 3253u);
    EXPECT_EQ(to_hex(q.td_report->mrtd),
              "5f53c3881242a5b418854923bb4adec34c72aa4b570d526179d63f9ee6e4cefb6abd4f0f35e5e6e29655"
              "a60d90bcf27f");
    const std::string rd = report_data_hex(c);
    EXPECT_EQ(rd.substr(0, 8), "617b17e1") << rd;
    EXPECT_EQ(rd.substr(60, 4), "695b") << rd;
    EXPECT_EQ(rd.substr(64), std::string(64, '0'));
  }
}

TEST(RealRatlsCert, EvidenceCertificateIsTheMseHomeOne) {
  const RatlsCertificate a = parse("dcap/cosmian_enclave/ratls_cert_from_evidence.pem");
  const RatlsCertificate b = parse("cosmian/msehome_2023-05_ratls_cert.pem");
  EXPECT_EQ(a.cert_sha256, b.cert_sha256);
}

TEST(RealRatlsCert, LetsEncryptChainIsNotRatls) {
  try {
    parse("cosmian/owner_ssl_letsencrypt_fullchain_wildcard_dev.cosmilink.com.pem");
    FAIL() << "an ordinary WebPKI certificate was taken for an RA-TLS one";
  } catch (const AttestError& e) {
    EXPECT_EQ(e.status(), Status::STATUS_NOT_RATLS_CERTIFICATE) << e.what();
  }
  try {
    parse("cosmian/intel_sgx_root_ca.pem");
    FAIL();
  } catch (const AttestError& e) {
    EXPECT_EQ(e.status(), Status::STATUS_NOT_RATLS_CERTIFICATE);
  }
}

TEST(RealRatlsCert, GarbageIsNotACertificate) {
  const std::string junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  try {
    parse_ratls_certificate(as_bytes(junk));
    FAIL();
  } catch (const AttestError& e) {
    EXPECT_EQ(e.status(), Status::STATUS_UNSUPPORTED_CERT_FORMAT);
  }
}

TEST(RealRatlsCert, MseHomeCertificateWithItsEvidenceFailsOnlyOnTheCollateralWindows) {
  const ParsedCollateral collateral = parse_collateral(collateral_from_cosmian_evidence(
      read_text(real_path("cosmian/msehome_2023-05_evidence.json"))));
  const Bytes pem = read_bytes(real_path("cosmian/msehome_2023-05_ratls_cert.pem"));
  RatlsVerifyInput in;
  in.certificate = pem;
  in.collateral = &collateral;
  // SOURCES.md: no instant is strictly valid for every item of this evidence set.
  in.at = at("2023-06-10T00:00:00Z");
  RatlsVerification v = verify_ratls_certificate(in);
  ASSERT_EQ(v.errors.size(), 1u);
  EXPECT_EQ(v.errors[0].status, Status::STATUS_SGX_ENCLAVE_IDENTITY_EXPIRED) << v.errors[0].message;
  EXPECT_TRUE(v.certificate->binding_ok);
  in.at = at("2023-06-25T00:00:00Z");
  v = verify_ratls_certificate(in);
  ASSERT_EQ(v.errors.size(), 1u);
  EXPECT_EQ(v.errors[0].status, Status::STATUS_SGX_CRL_EXPIRED) << v.errors[0].message;
  // After the certificate's own notAfter, that is reported first.
  in.at = at("2024-05-01T00:00:00Z");
  v = verify_ratls_certificate(in);
  ASSERT_FALSE(v.errors.empty());
  EXPECT_EQ(v.errors[0].status, Status::STATUS_RATLS_CERT_EXPIRED);
}

TEST(RealRatlsCert, GramineLegacyBindingIsTheSpkiHash) {
  // The real Gramine certificate is corrupted in its source; its SPKI and quote are intact.
  const Bytes spki = read_bytes(
      real_path("dcap/gramine_ratls_mccoysc/ratls_cert_subject_public_key_info_p384.der"));
  const Quote q = parse_quote(
      read_bytes(real_path("dcap/gramine_ratls_mccoysc/sgx_v3_quote_from_gramine_ratls_cert.bin")));
  EXPECT_EQ(to_hex(q.report_data()), to_hex(sha256(spki)) + std::string(64, '0'));
  EXPECT_EQ(to_hex(q.enclave_report->mrenclave),
            "6364c9c486ebe6d3b3ec6e22ec0b4ee4cec428450a055c4ebee36d6e9b8660a8");
  EXPECT_TRUE(q.enclave_report->debug());
}

}  // namespace
}  // namespace ratls::attest
