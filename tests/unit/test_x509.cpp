// attest/x509.h on the real Intel certificates and CRLs, plus certificate chains and CRLs built in
// the test (tests/support/test_pki.h) so that every chain and CRL failure kind is seen on its own.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "attest/x509.h"
#include "tests/support/mutations.h"
#include "tests/support/test_pki.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::status_of;

using test::at;
using test::CertSpec;
using test::CrlSpec;
using test::make_cert;
using test::make_crl;
using test::make_ec_key;
using test::make_test_pki;
using test::read_bytes;
using test::read_text;
using test::real_path;
using test::TestPki;

constexpr const char* kPckChain = "cosmian/msehome_2023-05_pck_chain_from_quote.pem";
constexpr const char* kRootDer = "dcap/intel_root/intel_sgx_root_ca.der";
constexpr const char* kRootPem = "dcap/intel_root/intel_sgx_root_ca.pem";
constexpr const char* kRootCrlDer = "dcap/google_go_tdx_guest/root_ca_crl.der";
constexpr const char* kRootCrlPem = "cosmian/msehome_2023-05_root_ca_crl.pem";
constexpr const char* kPlatformCrlPem = "cosmian/msehome_2023-05_pck_platform_ca_crl.pem";
constexpr const char* kRootSha256 =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";
// RFC 2253 strings: the last RDN first. Intel encodes CN first, so C comes first here (SOURCES.md
// lists the RDNs in encoding order; `openssl x509 -nameopt RFC2253` prints these strings).
constexpr const char* kRootName =
    "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX Root CA";
constexpr const char* kPlatformCaName =
    "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX PCK Platform CA";
// X||Y of the Intel SGX Root CA key (dcap/SOURCES.md, without the 04 prefix).
constexpr const char* kRootPoint =
    "0ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f5"
    "67918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394";

std::vector<const X509*> raw(const std::vector<X509Ptr>& certs) {
  std::vector<const X509*> out;
  for (const auto& c : certs) out.push_back(c.get());
  return out;
}

std::vector<X509Ptr> real_pck_chain() {
  return parse_pem_chain(read_text(real_path(kPckChain)), Status::STATUS_SGX_PCK_INVALID);
}

int revoked_count(X509_CRL* crl) {
  const STACK_OF(X509_REVOKED)* list = X509_CRL_get_REVOKED(crl);
  return list == nullptr ? 0 : sk_X509_REVOKED_num(list);
}

Bytes flipped(Bytes b, std::size_t index) {
  b[index] = static_cast<std::uint8_t>(b[index] ^ 0x01);
  return b;
}

// ---------------------------------------------------------------------------------------------
// parse_pem_chain

TEST(PemChain, RealPckChainHasThreeCertificatesInOrder) {
  auto chain = real_pck_chain();
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(common_name(chain[0].get()), "Intel SGX PCK Certificate");
  EXPECT_EQ(common_name(chain[1].get()), "Intel SGX PCK Platform CA");
  EXPECT_EQ(common_name(chain[2].get()), "Intel SGX Root CA");
  EXPECT_EQ(issuer_name(chain[0].get()), kPlatformCaName);
  EXPECT_EQ(subject_name(chain[1].get()), kPlatformCaName);
  EXPECT_EQ(issuer_name(chain[1].get()), kRootName);
  // The chain's root is the pinned one, byte for byte.
  EXPECT_EQ(cert_der(chain[2].get()), cert_der(intel_sgx_root_ca().get()));
}

TEST(PemChain, TrailingNewlineAndNulAreTolerated) {
  std::string pem = read_text(real_path(kPckChain));
  pem += "\n";
  pem.push_back('\0');
  EXPECT_EQ(parse_pem_chain(pem, Status::STATUS_SGX_PCK_INVALID).size(), 3u);
  pem.push_back('\0');
  pem += "\r\n";
  EXPECT_EQ(parse_pem_chain(pem, Status::STATUS_SGX_PCK_INVALID).size(), 3u);
}

TEST(PemChain, LeadingWhitespaceIsTolerated) {
  const std::string pem = "\n  \t" + read_text(real_path(kPckChain));
  EXPECT_EQ(parse_pem_chain(pem, Status::STATUS_SGX_PCK_INVALID).size(), 3u);
}

TEST(PemChain, GarbageBetweenBlocksIsRejected) {
  const std::string pem = read_text(real_path(kPckChain));
  const std::string end = "-----END CERTIFICATE-----";
  const std::size_t cut = pem.find(end) + end.size();
  const std::string bad = pem.substr(0, cut) + "\nhello\n" + pem.substr(cut);
  EXPECT_EQ(status_of([&] { parse_pem_chain(bad, Status::STATUS_SGX_PCK_INVALID); }),
            Status::STATUS_SGX_PCK_INVALID);
  // Garbage before the first block too.
  EXPECT_EQ(status_of([&] { parse_pem_chain("x" + pem, Status::STATUS_SGX_PCK_INVALID); }),
            Status::STATUS_SGX_PCK_INVALID);
  // A NUL between blocks is not trailing.
  std::string nul = pem.substr(0, cut);
  nul.push_back('\0');
  nul += pem.substr(cut);
  EXPECT_EQ(status_of([&] { parse_pem_chain(nul, Status::STATUS_SGX_PCK_INVALID); }),
            Status::STATUS_SGX_PCK_INVALID);
}

TEST(PemChain, EmptyIsRejectedWithTheGivenStatus) {
  EXPECT_EQ(status_of([] { parse_pem_chain("", Status::STATUS_SGX_TCB_SIGNING_CERT_MISSING); }),
            Status::STATUS_SGX_TCB_SIGNING_CERT_MISSING);
  EXPECT_EQ(status_of([] { parse_pem_chain(" \n\r\t", Status::STATUS_SGX_PCK_MISSING); }),
            Status::STATUS_SGX_PCK_MISSING);
  const std::string nuls(3, '\0');
  EXPECT_EQ(status_of([&] { parse_pem_chain(nuls, Status::STATUS_SGX_PCK_MISSING); }),
            Status::STATUS_SGX_PCK_MISSING);
}

TEST(PemChain, MalformedBlocksAreRejected) {
  const std::string pem = read_text(real_path(kPckChain));
  const std::string end = "-----END CERTIFICATE-----";
  // No END line on the last block.
  const std::size_t last_end = pem.rfind(end);
  EXPECT_EQ(
      status_of([&] { parse_pem_chain(pem.substr(0, last_end), Status::STATUS_SGX_PCK_INVALID); }),
      Status::STATUS_SGX_PCK_INVALID);
  // Base64 damaged inside the first block.
  std::string damaged = pem;
  damaged[40] = '*';
  EXPECT_EQ(status_of([&] { parse_pem_chain(damaged, Status::STATUS_SGX_PCK_INVALID); }),
            Status::STATUS_SGX_PCK_INVALID);
  // A PEM block of another type.
  EXPECT_EQ(status_of([&] {
              parse_pem_chain(read_text(real_path(kRootCrlPem)), Status::STATUS_SGX_PCK_INVALID);
            }),
            Status::STATUS_SGX_PCK_INVALID);
}

// ---------------------------------------------------------------------------------------------
// parse_certificate

TEST(ParseCertificate, DerAndPemGiveTheSameCertificate) {
  const Bytes der = read_bytes(real_path(kRootDer));
  const Bytes pem = read_bytes(real_path(kRootPem));
  auto a = parse_certificate(der, Status::STATUS_SGX_ROOT_CA_INVALID);
  auto b = parse_certificate(pem, Status::STATUS_SGX_ROOT_CA_INVALID);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(cert_der(a.get()), der);
  EXPECT_EQ(cert_der(b.get()), der);
  EXPECT_EQ(common_name(a.get()), "Intel SGX Root CA");
}

TEST(ParseCertificate, TrailingGarbageAfterDerIsRejected) {
  Bytes der = read_bytes(real_path(kRootDer));
  der.push_back(0x00);
  EXPECT_EQ(status_of([&] { parse_certificate(der, Status::STATUS_SGX_ROOT_CA_INVALID); }),
            Status::STATUS_SGX_ROOT_CA_INVALID);
}

TEST(ParseCertificate, TruncatedOrEmptyDerIsRejected) {
  Bytes der = read_bytes(real_path(kRootDer));
  der.pop_back();
  EXPECT_EQ(status_of([&] { parse_certificate(der, Status::STATUS_SGX_ROOT_CA_INVALID); }),
            Status::STATUS_SGX_ROOT_CA_INVALID);
  EXPECT_EQ(status_of([] { parse_certificate(ByteView{}, Status::STATUS_SGX_PCK_INVALID); }),
            Status::STATUS_SGX_PCK_INVALID);
  EXPECT_EQ(status_of([] { parse_certificate(as_bytes("hello"), Status::STATUS_SGX_PCK_INVALID); }),
            Status::STATUS_SGX_PCK_INVALID);
}

TEST(ParseCertificate, PemWithSeveralCertificatesIsRejected) {
  const Bytes chain = read_bytes(real_path(kPckChain));
  EXPECT_EQ(status_of([&] { parse_certificate(chain, Status::STATUS_UNSUPPORTED_CERT_FORMAT); }),
            Status::STATUS_UNSUPPORTED_CERT_FORMAT);
}

// ---------------------------------------------------------------------------------------------
// CRLs

TEST(ParseCrl, DerPemAndHexDecodeToTheSameCrl) {
  const Bytes der = read_bytes(real_path(kRootCrlDer));
  const Bytes pem = read_bytes(real_path(kRootCrlPem));
  const std::string hex = to_hex(der);
  auto from_der = parse_crl(der);
  auto from_pem = parse_crl(pem);
  auto from_hex_text = parse_crl(as_bytes(hex));
  ASSERT_TRUE(from_der && from_pem && from_hex_text);
  // The two files are the same Root CA CRL (2023-04-03 .. 2024-04-02, no entries).
  EXPECT_EQ(crl_der(from_der.get()), der);
  EXPECT_EQ(crl_der(from_pem.get()), der);
  EXPECT_EQ(crl_der(from_hex_text.get()), der);
  EXPECT_EQ(crl_issuer_name(from_der.get()), kRootName);
  EXPECT_EQ(asn1_time_to_unix(X509_CRL_get0_lastUpdate(from_der.get())),
            at("2023-04-03T10:22:51Z"));
  EXPECT_EQ(asn1_time_to_unix(X509_CRL_get0_nextUpdate(from_der.get())),
            at("2024-04-02T10:22:51Z"));
  EXPECT_EQ(revoked_count(from_der.get()), 0);
  // Uppercase hex and surrounding whitespace (PCCS style) are accepted too.
  std::string upper;
  for (char c : hex) upper.push_back(c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c);
  EXPECT_EQ(crl_der(parse_crl(as_bytes("  " + upper + "\n")).get()), der);
}

TEST(ParseCrl, PlatformCaCrlValues) {
  auto crl = parse_crl(read_bytes(real_path(kPlatformCrlPem)));
  EXPECT_EQ(crl_issuer_name(crl.get()), kPlatformCaName);
  EXPECT_EQ(asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl.get())), at("2023-05-16T23:55:41Z"));
  EXPECT_EQ(asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl.get())), at("2023-06-15T23:55:41Z"));
  EXPECT_EQ(revoked_count(crl.get()), 44);
}

TEST(ParseCrl, CrlToDerRoundTrip) {
  const Bytes der = read_bytes(real_path(kRootCrlDer));
  const Bytes pem = read_bytes(real_path(kPlatformCrlPem));
  EXPECT_EQ(crl_to_der(der), der);
  EXPECT_EQ(crl_to_der(read_bytes(real_path(kRootCrlPem))), der);
  EXPECT_EQ(crl_to_der(as_bytes(to_hex(der))), der);
  const Bytes platform_der = crl_to_der(pem);
  ASSERT_FALSE(platform_der.empty());
  EXPECT_EQ(platform_der[0], 0x30);
  EXPECT_EQ(crl_der(parse_crl(platform_der).get()), platform_der);
  EXPECT_EQ(crl_to_der(as_bytes(to_hex(platform_der))), platform_der);
  // A CRL built here, through PEM.
  TestPki pki = make_test_pki(at("2020-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"));
  CrlSpec spec;
  spec.this_update = at("2024-01-01T00:00:00Z");
  spec.next_update = at("2024-02-01T00:00:00Z");
  spec.revoked_serials = {7, 9};
  auto made = make_crl(pki.intermediate.get(), pki.intermediate_key.get(), spec);
  ASSERT_TRUE(made);
  EXPECT_EQ(crl_to_der(as_bytes(test::crl_pem(made.get()))), crl_der(made.get()));
}

TEST(ParseCrl, UnsupportedFormatsThrow) {
  const Status kUnsupported = Status::STATUS_SGX_CRL_UNSUPPORTED_FORMAT;
  const Bytes der = read_bytes(real_path(kRootCrlDer));
  EXPECT_EQ(status_of([] { parse_crl(ByteView{}); }), kUnsupported);
  EXPECT_EQ(status_of([] { crl_to_der(ByteView{}); }), kUnsupported);
  EXPECT_EQ(status_of([] { parse_crl(as_bytes("not a crl")); }), kUnsupported);
  EXPECT_EQ(status_of([] { crl_to_der(as_bytes("not a crl")); }), kUnsupported);
  EXPECT_EQ(status_of([] { parse_crl(as_bytes("   \n")); }), kUnsupported);
  // Hex, but not of a DER SEQUENCE; odd-length hex.
  EXPECT_EQ(status_of([] { parse_crl(as_bytes("0102")); }), kUnsupported);
  EXPECT_EQ(status_of([&] { parse_crl(as_bytes(to_hex(der).substr(1))); }), kUnsupported);
  // A PEM certificate is not a CRL.
  EXPECT_EQ(status_of([] { parse_crl(read_bytes(real_path(kRootPem))); }), kUnsupported);
  // Malformed PEM CRL body.
  EXPECT_EQ(status_of([] {
              parse_crl(as_bytes("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"));
            }),
            kUnsupported);
  // DER: truncated, trailing bytes, and a certificate's DER.
  Bytes truncated(der.begin(), der.end() - 1);
  EXPECT_EQ(status_of([&] { parse_crl(truncated); }), kUnsupported);
  Bytes trailing = der;
  trailing.push_back(0x00);
  EXPECT_EQ(status_of([&] { parse_crl(trailing); }), kUnsupported);
  EXPECT_EQ(status_of([] { parse_crl(read_bytes(real_path(kRootDer))); }), kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// Names, dates, the pinned root

TEST(IntelRoot, PinnedRootFingerprintAndFile) {
  auto root = intel_sgx_root_ca();
  ASSERT_TRUE(root);
  EXPECT_EQ(to_hex(sha256(cert_der(root.get()))), kRootSha256);
  EXPECT_EQ(cert_der(root.get()), read_bytes(real_path(kRootDer)));
  auto cosmian_copy = parse_certificate(read_bytes(real_path("cosmian/intel_sgx_root_ca.pem")),
                                        Status::STATUS_SGX_ROOT_CA_INVALID);
  EXPECT_EQ(cert_der(cosmian_copy.get()), cert_der(root.get()));
}

TEST(IntelRoot, NamesAndValidity) {
  auto root = intel_sgx_root_ca();
  EXPECT_EQ(subject_name(root.get()), kRootName);
  EXPECT_EQ(issuer_name(root.get()), kRootName);
  EXPECT_EQ(common_name(root.get()), "Intel SGX Root CA");
  EXPECT_EQ(not_before(root.get()), at("2018-05-21T10:45:10Z"));
  EXPECT_EQ(not_after(root.get()), at("2049-12-31T23:59:59Z"));
  EXPECT_EQ(format_rfc3339(not_before(root.get())), "2018-05-21T10:45:10Z");
  EXPECT_EQ(format_rfc3339(not_after(root.get())), "2049-12-31T23:59:59Z");
}

TEST(Names, CommonNameEmptyWithoutCn) {
  auto key = make_ec_key();
  CertSpec spec;
  spec.common_name = "";
  spec.organization = "Only An Org";
  spec.not_before = at("2020-01-01T00:00:00Z");
  spec.not_after = at("2021-01-01T00:00:00Z");
  auto cert = make_cert(spec, key.get(), nullptr, key.get());
  ASSERT_TRUE(cert);
  EXPECT_EQ(common_name(cert.get()), "");
  EXPECT_EQ(subject_name(cert.get()), "O=Only An Org");
}

// A peer's certificate names reach messages and logs: control characters come out escaped.
TEST(Names, ControlCharactersInNamesAreEscaped) {
  auto key = make_ec_key();
  CertSpec spec;
  spec.common_name = "Evil\ninfo: forged\x1b[2J";
  spec.organization = "Org\r";
  spec.not_before = at("2020-01-01T00:00:00Z");
  spec.not_after = at("2021-01-01T00:00:00Z");
  auto cert = make_cert(spec, key.get(), nullptr, key.get());
  ASSERT_TRUE(cert);
  EXPECT_EQ(common_name(cert.get()), "Evil\\x0ainfo: forged\\x1b[2J");
  EXPECT_EQ(issuer_common_name(cert.get()), "Evil\\x0ainfo: forged\\x1b[2J");
  const std::string subject = subject_name(cert.get());
  EXPECT_EQ(subject.find_first_of("\r\n\x1b"), std::string::npos) << subject;
}

TEST(Names, CosmianRatlsCertificateSubject) {
  // SOURCES.md A: subject and issuer of the msehome RA-TLS certificate (encoded C first).
  auto cert = parse_certificate(read_bytes(real_path("cosmian/msehome_2023-05_ratls_cert.pem")),
                                Status::STATUS_UNSUPPORTED_CERT_FORMAT);
  EXPECT_EQ(subject_name(cert.get()), "CN=localhost,O=Cosmian Tech,L=Paris,ST=Ile-de-France,C=FR");
  EXPECT_EQ(issuer_name(cert.get()), "CN=localhost,O=Cosmian Tech,L=Paris,ST=Ile-de-France,C=FR");
  EXPECT_EQ(common_name(cert.get()), "localhost");
  EXPECT_EQ(not_before(cert.get()), at("2023-05-17T09:38:42Z"));
  EXPECT_EQ(not_after(cert.get()), at("2024-04-26T09:38:33Z"));
}

TEST(Names, PckLeafNames) {
  auto chain = real_pck_chain();
  EXPECT_EQ(subject_name(chain[0].get()),
            "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX PCK Certificate");
  EXPECT_EQ(not_before(chain[0].get()), at("2023-01-19T09:26:42Z"));
  EXPECT_EQ(not_after(chain[0].get()), at("2030-01-19T09:26:42Z"));
}

// ---------------------------------------------------------------------------------------------
// Raw P-256 keys and signatures

TEST(P256, RootPointRoundTrip) {
  auto root = intel_sgx_root_ca();
  const Bytes point = p256_raw_point(X509_get0_pubkey(root.get()));
  EXPECT_EQ(to_hex(point), kRootPoint);
  auto key = p256_public_key(*from_hex(kRootPoint));
  ASSERT_TRUE(key);
  EXPECT_EQ(to_hex(p256_raw_point(key.get())), kRootPoint);
  EXPECT_EQ(EVP_PKEY_eq(key.get(), X509_get0_pubkey(root.get())), 1);
}

TEST(P256, OffCurveAndMalformedPointsAreRejected) {
  Bytes point = *from_hex(kRootPoint);
  EXPECT_FALSE(p256_public_key(flipped(point, 63)));  // Y changed: off the curve
  EXPECT_FALSE(p256_public_key(flipped(point, 0)));   // X changed
  EXPECT_FALSE(p256_public_key(Bytes(64, 0x00)));     // (0,0): not a point
  EXPECT_FALSE(p256_public_key(Bytes(64, 0xff)));     // coordinates >= p
  EXPECT_FALSE(p256_public_key(ByteView(point.data(), 63)));
  Bytes longer = point;
  longer.push_back(0);
  EXPECT_FALSE(p256_public_key(longer));
  EXPECT_FALSE(p256_public_key(ByteView{}));
}

TEST(P256, RawPointOfOtherKeysIsEmpty) {
  auto p384 = make_ec_key("P-384");
  EXPECT_TRUE(p256_raw_point(p384.get()).empty());
  EXPECT_TRUE(p256_raw_point(nullptr).empty());
  auto p256 = make_ec_key("P-256");
  EXPECT_EQ(p256_raw_point(p256.get()).size(), 64u);
}

TEST(P256, VerifyRawSignature) {
  auto key = make_ec_key();
  const std::string message = "the quote header and body";
  const Bytes sig = test::sign_p256_raw(key.get(), as_bytes(message));
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(ecdsa_p256_verify_raw(key.get(), as_bytes(message), sig));
  // The public half alone, rebuilt from X||Y, verifies too.
  auto pub = p256_public_key(p256_raw_point(key.get()));
  ASSERT_TRUE(pub);
  EXPECT_TRUE(ecdsa_p256_verify_raw(pub.get(), as_bytes(message), sig));
}

TEST(P256, VerifyRawSignatureNegative) {
  auto key = make_ec_key();
  const std::string message = "the quote header and body";
  const Bytes sig = test::sign_p256_raw(key.get(), as_bytes(message));
  ASSERT_EQ(sig.size(), 64u);
  std::string other = message;
  other[0] = 'T';
  EXPECT_FALSE(ecdsa_p256_verify_raw(key.get(), as_bytes(other), sig));
  EXPECT_FALSE(ecdsa_p256_verify_raw(key.get(), as_bytes(message), flipped(sig, 0)));   // r
  EXPECT_FALSE(ecdsa_p256_verify_raw(key.get(), as_bytes(message), flipped(sig, 63)));  // s
  EXPECT_FALSE(ecdsa_p256_verify_raw(key.get(), as_bytes(message), ByteView(sig.data(), 63)));
  Bytes longer = sig;
  longer.push_back(0);
  EXPECT_FALSE(ecdsa_p256_verify_raw(key.get(), as_bytes(message), longer));
  EXPECT_FALSE(ecdsa_p256_verify_raw(key.get(), as_bytes(message), Bytes(64, 0)));
  auto other_key = make_ec_key();
  EXPECT_FALSE(ecdsa_p256_verify_raw(other_key.get(), as_bytes(message), sig));
  EXPECT_FALSE(ecdsa_p256_verify_raw(nullptr, as_bytes(message), sig));
  auto p384 = make_ec_key("P-384");
  EXPECT_FALSE(ecdsa_p256_verify_raw(p384.get(), as_bytes(message), sig));
}

// ---------------------------------------------------------------------------------------------
// verify_chain

class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = make_test_pki(from_, to_);
    ASSERT_TRUE(pki_.root && pki_.intermediate && pki_.leaf);
  }
  CertSpec leaf_spec() const {
    CertSpec s;
    s.common_name = "Test Leaf";
    s.serial = 3;
    s.not_before = from_;
    s.not_after = to_;
    return s;
  }
  CertSpec ca_spec(const std::string& cn) const {
    CertSpec s = leaf_spec();
    s.common_name = cn;
    s.serial = 2;
    s.ca = true;
    return s;
  }
  const UnixTime from_ = at("2020-01-01T00:00:00Z");
  const UnixTime to_ = at("2030-01-01T00:00:00Z");
  const UnixTime now_ = at("2025-01-01T00:00:00Z");
  TestPki pki_;
};

TEST(VerifyChain, RealPckChainAtMsehomeTime) {
  auto chain = real_pck_chain();
  auto root = intel_sgx_root_ca();
  auto check = verify_chain(raw(chain), root.get(), at("2023-06-10T00:00:00Z"));
  EXPECT_TRUE(check.ok()) << check.message;
  EXPECT_EQ(check.failure, ChainCheck::Failure::kNone);
  EXPECT_EQ(check.depth, -1);
}

TEST(VerifyChain, RealPckChainOutsideItsValidity) {
  auto chain = real_pck_chain();
  auto root = intel_sgx_root_ca();
  // The PCK leaf is valid 2023-01-19T09:26:42Z .. 2030-01-19T09:26:42Z.
  auto early = verify_chain(raw(chain), root.get(), at("2023-01-19T09:26:41Z"));
  EXPECT_EQ(early.failure, ChainCheck::Failure::kNotYetValid);
  EXPECT_EQ(early.depth, 0);
  EXPECT_TRUE(verify_chain(raw(chain), root.get(), at("2023-01-19T09:26:42Z")).ok());
  EXPECT_TRUE(verify_chain(raw(chain), root.get(), at("2030-01-19T09:26:42Z")).ok());
  auto late = verify_chain(raw(chain), root.get(), at("2030-01-19T09:26:43Z"));
  EXPECT_EQ(late.failure, ChainCheck::Failure::kExpired);
  EXPECT_EQ(late.depth, 0);
}

TEST(VerifyChain, RealChainWithTheLeafOnlyIsUntrusted) {
  auto chain = real_pck_chain();
  auto root = intel_sgx_root_ca();
  std::vector<const X509*> partial{chain[0].get(), chain[1].get()};
  auto check = verify_chain(partial, root.get(), at("2023-06-10T00:00:00Z"));
  EXPECT_EQ(check.failure, ChainCheck::Failure::kUntrustedRoot);
  EXPECT_EQ(check.depth, 1);
}

TEST_F(ChainTest, SelfMadeChainVerifiesAgainstItsOwnRoot) {
  auto check = verify_chain(pki_.chain(), pki_.root.get(), now_);
  EXPECT_TRUE(check.ok()) << check.message;
  // Root alone, and intermediate + root.
  EXPECT_TRUE(verify_chain({pki_.root.get()}, pki_.root.get(), now_).ok());
  EXPECT_TRUE(verify_chain({pki_.intermediate.get(), pki_.root.get()}, pki_.root.get(), now_).ok());
}

TEST_F(ChainTest, UntrustedRoot) {
  auto intel = intel_sgx_root_ca();
  auto check = verify_chain(pki_.chain(), intel.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kUntrustedRoot);
  EXPECT_EQ(check.depth, 2);
  EXPECT_FALSE(check.message.empty());
  // And the real chain against the self-made root.
  auto real = real_pck_chain();
  auto other = verify_chain(raw(real), pki_.root.get(), at("2023-06-10T00:00:00Z"));
  EXPECT_EQ(other.failure, ChainCheck::Failure::kUntrustedRoot);
  EXPECT_EQ(other.depth, 2);
}

TEST_F(ChainTest, RootWithSameNameButOtherKeyIsUntrusted) {
  auto impostor_key = make_ec_key();
  CertSpec spec = ca_spec("Test Root CA");
  spec.serial = 1;
  auto impostor = make_cert(spec, impostor_key.get(), nullptr, impostor_key.get());
  ASSERT_TRUE(impostor);
  auto check = verify_chain(pki_.chain(), impostor.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kUntrustedRoot);
}

TEST_F(ChainTest, ExpiredLeaf) {
  auto check = verify_chain(pki_.chain(), pki_.root.get(), to_ + 1);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kExpired);
  EXPECT_EQ(check.depth, 0);
  EXPECT_TRUE(verify_chain(pki_.chain(), pki_.root.get(), to_).ok());
}

TEST_F(ChainTest, ExpiredIntermediateReportsItsDepth) {
  CertSpec spec = ca_spec("Short Intermediate");
  spec.not_after = at("2024-06-01T00:00:00Z");
  auto key = make_ec_key();
  auto intermediate = make_cert(spec, key.get(), pki_.root.get(), pki_.root_key.get());
  auto leaf = make_cert(leaf_spec(), pki_.leaf_key.get(), intermediate.get(), key.get());
  ASSERT_TRUE(intermediate && leaf);
  const std::vector<const X509*> chain{leaf.get(), intermediate.get(), pki_.root.get()};
  EXPECT_TRUE(verify_chain(chain, pki_.root.get(), at("2024-06-01T00:00:00Z")).ok());
  auto check = verify_chain(chain, pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kExpired);
  EXPECT_EQ(check.depth, 1);
}

TEST_F(ChainTest, NotYetValid) {
  auto check = verify_chain(pki_.chain(), pki_.root.get(), from_ - 1);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kNotYetValid);
  EXPECT_EQ(check.depth, 0);
  EXPECT_TRUE(verify_chain(pki_.chain(), pki_.root.get(), from_).ok());
  // Only the leaf starts later.
  CertSpec spec = leaf_spec();
  spec.not_before = at("2026-01-01T00:00:00Z");
  auto leaf =
      make_cert(spec, pki_.leaf_key.get(), pki_.intermediate.get(), pki_.intermediate_key.get());
  auto late =
      verify_chain({leaf.get(), pki_.intermediate.get(), pki_.root.get()}, pki_.root.get(), now_);
  EXPECT_EQ(late.failure, ChainCheck::Failure::kNotYetValid);
  EXPECT_EQ(late.depth, 0);
}

TEST_F(ChainTest, LeafSignedByAnotherKeyIsABadSignature) {
  auto impostor = make_ec_key();
  auto leaf = make_cert(leaf_spec(), pki_.leaf_key.get(), pki_.intermediate.get(), impostor.get());
  ASSERT_TRUE(leaf);
  auto check =
      verify_chain({leaf.get(), pki_.intermediate.get(), pki_.root.get()}, pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kBadSignature);
  EXPECT_EQ(check.depth, 0);
}

TEST_F(ChainTest, IntermediateSignedByAnotherKeyIsABadSignature) {
  auto impostor = make_ec_key();
  auto intermediate = make_cert(ca_spec("Test Intermediate CA"), pki_.intermediate_key.get(),
                                pki_.root.get(), impostor.get());
  ASSERT_TRUE(intermediate);
  auto check =
      verify_chain({pki_.leaf.get(), intermediate.get(), pki_.root.get()}, pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kBadSignature);
  EXPECT_EQ(check.depth, 1);
}

TEST_F(ChainTest, TamperedSignatureBytesAreABadSignature) {
  Bytes der = cert_der(pki_.leaf.get());
  der.back() = static_cast<std::uint8_t>(der.back() ^ 0x01);  // last byte of s
  auto tampered = parse_certificate(der, Status::STATUS_SGX_PCK_INVALID);
  auto check = verify_chain({tampered.get(), pki_.intermediate.get(), pki_.root.get()},
                            pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kBadSignature);
  EXPECT_EQ(check.depth, 0);
}

TEST_F(ChainTest, ChainOutOfOrderIsABadSignature) {
  // The leaf names the intermediate, not the root, as its issuer.
  auto check = verify_chain({pki_.leaf.get(), pki_.root.get()}, pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kBadSignature);
  EXPECT_EQ(check.depth, 0);
}

TEST_F(ChainTest, IssuerWithoutCaIsNotACa) {
  CertSpec spec = ca_spec("Not A CA");
  spec.ca = false;  // basicConstraints CA:FALSE
  auto key = make_ec_key();
  auto not_ca = make_cert(spec, key.get(), pki_.root.get(), pki_.root_key.get());
  auto leaf = make_cert(leaf_spec(), pki_.leaf_key.get(), not_ca.get(), key.get());
  ASSERT_TRUE(not_ca && leaf);
  auto check = verify_chain({leaf.get(), not_ca.get(), pki_.root.get()}, pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kNotACa);
  EXPECT_EQ(check.depth, 1);
}

TEST_F(ChainTest, IssuerWithoutBasicConstraintsIsNotACa) {
  CertSpec spec = ca_spec("No Constraints");
  spec.ca = false;
  spec.basic_constraints = false;
  auto key = make_ec_key();
  auto not_ca = make_cert(spec, key.get(), pki_.root.get(), pki_.root_key.get());
  auto leaf = make_cert(leaf_spec(), pki_.leaf_key.get(), not_ca.get(), key.get());
  ASSERT_TRUE(not_ca && leaf);
  auto check = verify_chain({leaf.get(), not_ca.get(), pki_.root.get()}, pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kNotACa);
  EXPECT_EQ(check.depth, 1);
}

TEST_F(ChainTest, P384LeafIsTheWrongKeyType) {
  auto p384 = make_ec_key("P-384");
  auto leaf =
      make_cert(leaf_spec(), p384.get(), pki_.intermediate.get(), pki_.intermediate_key.get());
  ASSERT_TRUE(leaf);
  auto check =
      verify_chain({leaf.get(), pki_.intermediate.get(), pki_.root.get()}, pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kWrongKeyType);
  EXPECT_EQ(check.depth, 0);
}

TEST_F(ChainTest, P384IntermediateIsTheWrongKeyType) {
  auto p384 = make_ec_key("P-384");
  auto intermediate =
      make_cert(ca_spec("P-384 CA"), p384.get(), pki_.root.get(), pki_.root_key.get());
  auto leaf = make_cert(leaf_spec(), pki_.leaf_key.get(), intermediate.get(), p384.get());
  ASSERT_TRUE(intermediate && leaf);
  auto check =
      verify_chain({leaf.get(), intermediate.get(), pki_.root.get()}, pki_.root.get(), now_);
  // The P-256 leaf's ecdsa-with-SHA256 signature by the P-384 key verifies; the intermediate's own
  // key is the wrong type.
  EXPECT_EQ(check.failure, ChainCheck::Failure::kWrongKeyType);
  EXPECT_EQ(check.depth, 1);
}

TEST_F(ChainTest, Version1CertificateIsRefused) {
  CertSpec spec = leaf_spec();
  spec.version = 1;
  auto leaf =
      make_cert(spec, pki_.leaf_key.get(), pki_.intermediate.get(), pki_.intermediate_key.get());
  ASSERT_TRUE(leaf);
  auto check =
      verify_chain({leaf.get(), pki_.intermediate.get(), pki_.root.get()}, pki_.root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kOther);
  EXPECT_EQ(check.depth, 0);
}

TEST_F(ChainTest, PathLengthConstraint) {
  CertSpec spec = ca_spec("Test Root CA");
  spec.serial = 1;
  spec.path_length = 0;  // no CA may follow the root
  auto root = make_cert(spec, pki_.root_key.get(), nullptr, pki_.root_key.get());
  auto intermediate = make_cert(ca_spec("Test Intermediate CA"), pki_.intermediate_key.get(),
                                root.get(), pki_.root_key.get());
  ASSERT_TRUE(root && intermediate);
  auto check = verify_chain({pki_.leaf.get(), intermediate.get(), root.get()}, root.get(), now_);
  EXPECT_EQ(check.failure, ChainCheck::Failure::kOther);
  EXPECT_EQ(check.depth, 2);
  // Directly below the root, a leaf is fine.
  auto leaf = make_cert(leaf_spec(), pki_.leaf_key.get(), root.get(), pki_.root_key.get());
  EXPECT_TRUE(verify_chain({leaf.get(), root.get()}, root.get(), now_).ok());
}

TEST_F(ChainTest, EmptyChainOrNoRoot) {
  EXPECT_EQ(verify_chain({}, pki_.root.get(), now_).failure, ChainCheck::Failure::kOther);
  EXPECT_EQ(verify_chain(pki_.chain(), nullptr, now_).failure, ChainCheck::Failure::kOther);
}

// ---------------------------------------------------------------------------------------------
// check_crl

class CrlTest : public ChainTest {
 protected:
  CrlSpec spec(std::vector<std::uint64_t> revoked = {}) const {
    CrlSpec s;
    s.this_update = at("2024-12-01T00:00:00Z");
    s.next_update = at("2025-02-01T00:00:00Z");
    s.revoked_serials = std::move(revoked);
    return s;
  }
};

TEST_F(CrlTest, CurrentCrlNotListingTheSubjectIsOk) {
  auto crl = make_crl(pki_.intermediate.get(), pki_.intermediate_key.get(), spec({99, 100}));
  ASSERT_TRUE(crl);
  auto check = check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), now_);
  EXPECT_TRUE(check.ok()) << check.message;
  // Boundaries are inclusive.
  EXPECT_TRUE(
      check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), at("2024-12-01T00:00:00Z"))
          .ok());
  EXPECT_TRUE(
      check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), at("2025-02-01T00:00:00Z"))
          .ok());
}

TEST_F(CrlTest, Revoked) {
  auto crl = make_crl(pki_.intermediate.get(), pki_.intermediate_key.get(), spec({99, 3}));
  ASSERT_TRUE(crl);
  auto check = check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), now_);
  EXPECT_EQ(check.failure, CrlCheck::Failure::kRevoked);
  EXPECT_FALSE(check.message.empty());
  // Without a subject only the CRL itself is checked.
  EXPECT_TRUE(check_crl(crl.get(), pki_.intermediate.get(), nullptr, now_).ok());
}

TEST_F(CrlTest, IssuerMismatch) {
  auto crl = make_crl(pki_.root.get(), pki_.intermediate_key.get(), spec());
  ASSERT_TRUE(crl);
  auto check = check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), now_);
  EXPECT_EQ(check.failure, CrlCheck::Failure::kIssuerMismatch);
  EXPECT_EQ(check_crl(nullptr, pki_.intermediate.get(), pki_.leaf.get(), now_).failure,
            CrlCheck::Failure::kIssuerMismatch);
  EXPECT_EQ(check_crl(crl.get(), nullptr, pki_.leaf.get(), now_).failure,
            CrlCheck::Failure::kIssuerMismatch);
}

TEST_F(CrlTest, BadSignature) {
  auto crl = make_crl(pki_.intermediate.get(), pki_.root_key.get(), spec());
  ASSERT_TRUE(crl);
  auto check = check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), now_);
  EXPECT_EQ(check.failure, CrlCheck::Failure::kBadSignature);
}

TEST_F(CrlTest, NotYetValid) {
  auto crl = make_crl(pki_.intermediate.get(), pki_.intermediate_key.get(), spec());
  ASSERT_TRUE(crl);
  auto check =
      check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), at("2024-11-30T23:59:59Z"));
  EXPECT_EQ(check.failure, CrlCheck::Failure::kNotYetValid);
}

TEST_F(CrlTest, Expired) {
  auto crl = make_crl(pki_.intermediate.get(), pki_.intermediate_key.get(), spec());
  ASSERT_TRUE(crl);
  auto check =
      check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), at("2025-02-01T00:00:01Z"));
  EXPECT_EQ(check.failure, CrlCheck::Failure::kExpired);
}

TEST_F(CrlTest, NoNextUpdateCountsAsExpired) {
  CrlSpec s = spec();
  s.next_update.reset();
  auto crl = make_crl(pki_.intermediate.get(), pki_.intermediate_key.get(), s);
  ASSERT_TRUE(crl);
  auto check = check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), now_);
  EXPECT_EQ(check.failure, CrlCheck::Failure::kExpired);
}

TEST_F(CrlTest, FirstFailureInOrderIsReported) {
  // Wrong issuer name, wrong key, expired and revoked all at once: the issuer is reported.
  auto crl = make_crl(pki_.root.get(), pki_.leaf_key.get(), spec({3}));
  ASSERT_TRUE(crl);
  EXPECT_EQ(check_crl(crl.get(), pki_.intermediate.get(), pki_.leaf.get(), to_).failure,
            CrlCheck::Failure::kIssuerMismatch);
  // Right name, wrong key, expired and revoked: the signature.
  auto crl2 = make_crl(pki_.intermediate.get(), pki_.leaf_key.get(), spec({3}));
  EXPECT_EQ(check_crl(crl2.get(), pki_.intermediate.get(), pki_.leaf.get(), to_).failure,
            CrlCheck::Failure::kBadSignature);
  // Signed properly, expired and revoked: the date.
  auto crl3 = make_crl(pki_.intermediate.get(), pki_.intermediate_key.get(), spec({3}));
  EXPECT_EQ(check_crl(crl3.get(), pki_.intermediate.get(), pki_.leaf.get(), to_).failure,
            CrlCheck::Failure::kExpired);
}

TEST(RealCrl, PlatformCaCrlDoesNotListThePckLeaf) {
  auto chain = real_pck_chain();
  auto crl = parse_crl(read_bytes(real_path(kPlatformCrlPem)));
  auto check = check_crl(crl.get(), chain[1].get(), chain[0].get(), at("2023-06-10T00:00:00Z"));
  EXPECT_TRUE(check.ok()) << check.message;
  EXPECT_EQ(
      check_crl(crl.get(), chain[1].get(), chain[0].get(), at("2023-06-15T23:55:42Z")).failure,
      CrlCheck::Failure::kExpired);
  EXPECT_EQ(
      check_crl(crl.get(), chain[1].get(), chain[0].get(), at("2023-05-16T23:55:40Z")).failure,
      CrlCheck::Failure::kNotYetValid);
  // The Platform CA's CRL is not the root's.
  EXPECT_EQ(
      check_crl(crl.get(), chain[2].get(), chain[1].get(), at("2023-06-10T00:00:00Z")).failure,
      CrlCheck::Failure::kIssuerMismatch);
}

TEST(RealCrl, RootCrlDoesNotListThePlatformCa) {
  auto chain = real_pck_chain();
  auto crl = parse_crl(read_bytes(real_path(kRootCrlDer)));
  auto check = check_crl(crl.get(), chain[2].get(), chain[1].get(), at("2023-07-01T01:00:00Z"));
  EXPECT_TRUE(check.ok()) << check.message;
}

TEST(RealCrl, ListedSerialIsRevoked) {
  auto chain = real_pck_chain();
  auto crl = parse_crl(read_bytes(real_path(kPlatformCrlPem)));
  // A copy of the PCK leaf carrying the first serial the CRL lists
  // (6FC34E5023E728923435D61AA4B83C618166AD35).
  X509Ptr revoked(X509_dup(chain[0].get()));
  ASSERT_TRUE(revoked);
  const X509_REVOKED* entry = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl.get()), 0);
  ASSERT_NE(entry, nullptr);
  ASSERT_EQ(X509_set_serialNumber(revoked.get(),
                                  const_cast<ASN1_INTEGER*>(X509_REVOKED_get0_serialNumber(entry))),
            1);
  auto check = check_crl(crl.get(), chain[1].get(), revoked.get(), at("2023-06-10T00:00:00Z"));
  EXPECT_EQ(check.failure, CrlCheck::Failure::kRevoked);
}

TEST(RealCrl, CrlSignedByAnotherKeyFailsAgainstTheRealIssuer) {
  // A CRL with the Platform CA's name, signed by a key of ours.
  auto chain = real_pck_chain();
  auto key = make_ec_key();
  CrlSpec s;
  s.this_update = at("2023-06-01T00:00:00Z");
  s.next_update = at("2023-07-01T00:00:00Z");
  auto crl = make_crl(chain[1].get(), key.get(), s);
  ASSERT_TRUE(crl);
  EXPECT_EQ(
      check_crl(crl.get(), chain[1].get(), chain[0].get(), at("2023-06-10T00:00:00Z")).failure,
      CrlCheck::Failure::kBadSignature);
}

}  // namespace
}  // namespace ratls::attest
