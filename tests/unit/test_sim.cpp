// The simulated hierarchy, verified by the real verifier: the cases the real vectors lack (an
// UpToDate platform, revocations, expired collateral, unsupported TCB, debug, wrong signer, a quote
// binding another key), each failing on exactly the expected check.
#include <gtest/gtest.h>

#include "attest/policy.h"
#include "attest/ratls_cert.h"
#include "attest/sim/hierarchy.h"
#include "attest/sim/pki.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::filled;

using sim::Hierarchy;
using sim::HierarchyOptions;
using sim::IssueOptions;

constexpr UnixTime kNow = 1'800'000'000;  // 2027-01-15

HierarchyOptions options() {
  HierarchyOptions o;
  o.now = kNow;
  o.seed = "unit-test";
  return o;
}

IssueOptions issue(RatlsFormat format = RatlsFormat::kCosmianSgx) {
  IssueOptions o;
  o.format = format;
  o.enclave.mrenclave = filled(0xAA);
  o.enclave.mrsigner = filled(0xBB);
  o.enclave.isv_prod_id = 1;
  o.enclave.isv_svn = 3;
  o.certificate.not_before = kNow - 60;
  o.certificate.not_after = kNow + 86400;
  return o;
}

struct Outcome {
  RatlsVerification verification;
  std::vector<Error> policy_errors;
  std::vector<std::string> codes() const {
    std::vector<std::string> out;
    for (const auto& e : verification.errors) out.emplace_back(status_name(e.status));
    for (const auto& e : policy_errors) out.emplace_back(status_name(e.status));
    return out;
  }
};

Outcome verify(const Hierarchy& h, const sim::IssuedCertificate& issued, const Policy& policy = {},
               UnixTime at = kNow, const X509* root_override = nullptr,
               bool use_builtin_root = false) {
  const ParsedCollateral collateral = parse_collateral(h.collateral);
  const Bytes der = cert_der(issued.cert.get());
  RatlsVerifyInput in;
  in.certificate = der;
  in.collateral = &collateral;
  in.root = use_builtin_root ? nullptr : (root_override ? root_override : h.root.get());
  in.at = at;
  Outcome o;
  o.verification = verify_ratls_certificate(in);
  o.policy_errors = apply_policy(policy, o.verification.quote);
  return o;
}

Policy expecting_measurements() {
  Policy p;
  p.mrenclave.push_back(filled(0xAA));
  p.mrsigner.push_back(filled(0xBB));
  p.isv_prod_id = 1;
  p.min_isv_svn = 3;
  return p;
}

TEST(Sim, UpToDatePlatformIsAcceptedForEveryFormat) {
  const Hierarchy h = sim::create_hierarchy(options());
  for (RatlsFormat f :
       {RatlsFormat::kCosmianSgx, RatlsFormat::kGramineLegacy, RatlsFormat::kGramineDice}) {
    SCOPED_TRACE(std::string(ratls_format_name(f)));
    const auto issued = sim::issue_ratls_certificate(h, issue(f));
    const Outcome o = verify(h, issued, expecting_measurements());
    EXPECT_TRUE(o.codes().empty()) << testing::PrintToString(o.codes());
    ASSERT_TRUE(o.verification.certificate);
    EXPECT_EQ(o.verification.certificate->format, f);
    EXPECT_TRUE(o.verification.certificate->binding_ok);
    ASSERT_TRUE(o.verification.quote.tcb_status);
    EXPECT_EQ(*o.verification.quote.tcb_status, TcbStatus::kUpToDate);
    EXPECT_TRUE(o.verification.quote.advisory_ids.empty());
    EXPECT_EQ(to_hex(o.verification.quote.pck->fmspc), "53494d000001");
  }
}

TEST(Sim, CosmianX25519KeyIsCarriedInReportData) {
  const Hierarchy h = sim::create_hierarchy(options());
  IssueOptions o = issue();
  o.x25519 = filled(0x42);
  const Outcome out = verify(h, sim::issue_ratls_certificate(h, o));
  EXPECT_TRUE(out.codes().empty()) << testing::PrintToString(out.codes());
  ASSERT_TRUE(out.verification.certificate->enclave_x25519);
  EXPECT_EQ(*out.verification.certificate->enclave_x25519, filled(0x42));
}

TEST(Sim, TheBuiltInIntelRootDoesNotTrustTheSimulation) {
  const Hierarchy h = sim::create_hierarchy(options());
  const Outcome o = verify(h, sim::issue_ratls_certificate(h, issue()), {}, kNow, nullptr, true);
  ASSERT_FALSE(o.verification.errors.empty());
  EXPECT_EQ(o.codes().front(), "STATUS_SGX_ROOT_CA_UNTRUSTED");
}

TEST(Sim, RevokedPckLeaf) {
  HierarchyOptions ho = options();
  ho.revoke_pck = true;
  const Hierarchy h = sim::create_hierarchy(ho);
  const Outcome o = verify(h, sim::issue_ratls_certificate(h, issue()));
  ASSERT_EQ(o.verification.errors.size(), 1u);
  EXPECT_EQ(o.codes().front(), "STATUS_PCK_REVOKED");
}

TEST(Sim, RevokedPckCa) {
  HierarchyOptions ho = options();
  ho.revoke_pck_ca = true;
  const Hierarchy h = sim::create_hierarchy(ho);
  const Outcome o = verify(h, sim::issue_ratls_certificate(h, issue()));
  ASSERT_EQ(o.verification.errors.size(), 1u);
  EXPECT_EQ(o.codes().front(), "STATUS_SGX_INTERMEDIATE_CA_REVOKED");
}

TEST(Sim, ExpiredTcbInfo) {
  HierarchyOptions ho = options();
  ho.expired_collateral = true;
  const Hierarchy h = sim::create_hierarchy(ho);
  const Outcome o = verify(h, sim::issue_ratls_certificate(h, issue()));
  ASSERT_EQ(o.verification.errors.size(), 1u);
  EXPECT_EQ(o.codes().front(), "STATUS_SGX_TCB_INFO_EXPIRED");
}

TEST(Sim, CollateralOneSecondPastItsWindowIsExpired) {
  const Hierarchy h = sim::create_hierarchy(options());
  const ParsedCollateral c = parse_collateral(h.collateral);
  IssueOptions io = issue();
  io.certificate.not_after = kNow + 365 * 86400;  // outlives the collateral
  const auto issued = sim::issue_ratls_certificate(h, io);
  EXPECT_TRUE(verify(h, issued, {}, c.tcb_info.next_update).verification.errors.empty());
  const Outcome o = verify(h, issued, {}, c.tcb_info.next_update + 1);
  ASSERT_EQ(o.verification.errors.size(), 1u);
  // TCB info and QE identity end an hour before the PCK CRL; TCB info is checked first.
  EXPECT_EQ(o.codes().front(), "STATUS_SGX_TCB_INFO_EXPIRED");
}

TEST(Sim, TcbLevelNotSupported) {
  HierarchyOptions ho = options();
  ho.tcb_unsupported = true;
  const Hierarchy h = sim::create_hierarchy(ho);
  const Outcome o = verify(h, sim::issue_ratls_certificate(h, issue()));
  ASSERT_EQ(o.verification.errors.size(), 1u);
  EXPECT_EQ(o.codes().front(), "STATUS_TCB_NOT_SUPPORTED");
  EXPECT_FALSE(o.verification.quote.tcb_status);
}

TEST(Sim, OutOfDatePlatformIsGenuineButRejectedByTheDefaultPolicy) {
  HierarchyOptions ho = options();
  ho.platform_tcb = TcbStatus::kOutOfDate;
  const Hierarchy h = sim::create_hierarchy(ho);
  const Outcome o = verify(h, sim::issue_ratls_certificate(h, issue()));
  EXPECT_TRUE(o.verification.genuine());
  EXPECT_EQ(*o.verification.quote.tcb_status, TcbStatus::kOutOfDate);
  EXPECT_EQ(o.verification.quote.advisory_ids, std::vector<std::string>{"INTEL-SA-00615"});
  EXPECT_EQ(o.codes(), (std::vector<std::string>{"STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED",
                                                 "STATUS_POLICY_ADVISORY_NOT_ALLOWED"}));
}

TEST(Sim, OutOfDateQeConvergesWithAnUpToDatePlatform) {
  HierarchyOptions ho = options();
  ho.qe_isv_svn = 6;
  const Hierarchy h = sim::create_hierarchy(ho);
  const Outcome o = verify(h, sim::issue_ratls_certificate(h, issue()));
  EXPECT_EQ(*o.verification.quote.platform_tcb_status, TcbStatus::kUpToDate);
  EXPECT_EQ(*o.verification.quote.qe_tcb_status, TcbStatus::kOutOfDate);
  EXPECT_EQ(*o.verification.quote.tcb_status, TcbStatus::kOutOfDate);
}

TEST(Sim, DebugEnclaveRejectedUnlessAllowed) {
  const Hierarchy h = sim::create_hierarchy(options());
  IssueOptions io = issue();
  io.enclave.debug = true;
  const auto issued = sim::issue_ratls_certificate(h, io);
  const Outcome o = verify(h, issued, expecting_measurements());
  EXPECT_TRUE(o.verification.genuine());
  EXPECT_EQ(o.codes(), std::vector<std::string>{"STATUS_POLICY_DEBUG_ENCLAVE"});
  Policy allow = expecting_measurements();
  allow.allow_debug = true;
  EXPECT_TRUE(verify(h, issued, allow).codes().empty());
}

TEST(Sim, WrongMrsignerAndMrenclave) {
  const Hierarchy h = sim::create_hierarchy(options());
  const auto issued = sim::issue_ratls_certificate(h, issue());
  Policy p = expecting_measurements();
  p.mrsigner = {filled(0xCC)};
  EXPECT_EQ(verify(h, issued, p).codes(),
            std::vector<std::string>{"STATUS_POLICY_MRSIGNER_NOT_ALLOWED"});
  p = expecting_measurements();
  p.mrenclave = {filled(0xCC)};
  EXPECT_EQ(verify(h, issued, p).codes(),
            std::vector<std::string>{"STATUS_POLICY_MRENCLAVE_NOT_ALLOWED"});
}

TEST(Sim, QuoteBindingAnotherKeyIsRejectedInEveryFormat) {
  const Hierarchy h = sim::create_hierarchy(options());
  for (RatlsFormat f :
       {RatlsFormat::kCosmianSgx, RatlsFormat::kGramineLegacy, RatlsFormat::kGramineDice}) {
    SCOPED_TRACE(std::string(ratls_format_name(f)));
    IssueOptions io = issue(f);
    io.bind_other_key = true;
    const Outcome o = verify(h, sim::issue_ratls_certificate(h, io), expecting_measurements());
    EXPECT_EQ(o.codes(), std::vector<std::string>{"STATUS_RATLS_KEY_BINDING_MISMATCH"});
    EXPECT_FALSE(o.verification.certificate->binding_ok);
    // The quote itself is genuine: only the binding fails.
    EXPECT_TRUE(o.verification.quote.genuine());
  }
}

// A quote made by the other format's binding rule: each certificate is checked by its own format's
// rule only, so it does not bind, though REPORTDATA holds a hash of the very key it carries.
TEST(Sim, BindingByTheOtherFormatsRuleIsRejected) {
  const Hierarchy h = sim::create_hierarchy(options());
  struct Case {
    RatlsFormat format;
    RatlsFormat binding;
    const char* detected;
  };
  for (const Case& c :
       {Case{RatlsFormat::kCosmianSgx, RatlsFormat::kGramineLegacy, "cosmian-sgx"},
        Case{RatlsFormat::kGramineLegacy, RatlsFormat::kCosmianSgx, "gramine-legacy"}}) {
    SCOPED_TRACE(c.detected);
    IssueOptions io = issue(c.format);
    io.binding = c.binding;
    const auto issued = sim::issue_ratls_certificate(h, io);
    const Outcome o = verify(h, issued, expecting_measurements());
    EXPECT_EQ(o.codes(), std::vector<std::string>{"STATUS_RATLS_KEY_BINDING_MISMATCH"});
    EXPECT_EQ(ratls_format_name(o.verification.certificate->format), c.detected);
    EXPECT_TRUE(o.verification.quote.genuine());
    // REPORTDATA is exactly the other rule's hash of this certificate's own key.
    const auto rd = parse_quote(issued.quote).report_data();
    const auto other_rule = sim::binding_report_data(c.binding, issued.key.get());
    EXPECT_EQ(Bytes(rd.begin(), rd.begin() + 32),
              Bytes(other_rule.begin(), other_rule.begin() + 32));
  }
  IssueOptions dice = issue(RatlsFormat::kGramineDice);
  dice.binding = RatlsFormat::kCosmianSgx;
  EXPECT_THROW(sim::issue_ratls_certificate(h, dice), AttestError);
}

TEST(Sim, FilesRoundTripAndKeepKeysPrivate) {
  const Hierarchy h = sim::create_hierarchy(options());
  const auto files = sim::hierarchy_files(h);
  for (const char* name :
       {"root_ca.pem", "collateral/tcb_info.json", "collateral/qe_identity.json",
        "collateral/tcb_info_issuer_chain.pem", "collateral/qe_identity_issuer_chain.pem",
        "collateral/pck_crl.pem", "collateral/root_ca_crl.pem", "private/root_ca.key",
        "private/attestation.key", "hierarchy.json"}) {
    EXPECT_TRUE(files.count(name)) << name;
  }
  for (const auto& [name, content] : files) {
    if (name.rfind("private/", 0) != 0) {
      EXPECT_EQ(content.find("PRIVATE KEY"), std::string::npos) << name;
    }
  }
  const Hierarchy loaded = sim::load_hierarchy(files);
  EXPECT_EQ(cert_der(loaded.root.get()), cert_der(h.root.get()));
  const Outcome o =
      verify(loaded, sim::issue_ratls_certificate(loaded, issue()), expecting_measurements());
  EXPECT_TRUE(o.codes().empty()) << testing::PrintToString(o.codes());

  auto broken = files;
  broken.erase("private/pck.key");
  EXPECT_THROW(sim::load_hierarchy(broken), AttestError);
}

TEST(Sim, SeedMakesKeysReproducible) {
  const Hierarchy a = sim::create_hierarchy(options());
  const Hierarchy b = sim::create_hierarchy(options());
  EXPECT_EQ(p256_raw_point(X509_get0_pubkey(a.root.get())),
            p256_raw_point(X509_get0_pubkey(b.root.get())));
  HierarchyOptions other = options();
  other.seed = "another";
  const Hierarchy c = sim::create_hierarchy(other);
  EXPECT_NE(p256_raw_point(X509_get0_pubkey(a.root.get())),
            p256_raw_point(X509_get0_pubkey(c.root.get())));
  HierarchyOptions unseeded = options();
  unseeded.seed.reset();
  const Hierarchy d = sim::create_hierarchy(unseeded);
  EXPECT_NE(p256_raw_point(X509_get0_pubkey(a.root.get())),
            p256_raw_point(X509_get0_pubkey(d.root.get())));
}

TEST(Sim, EveryCertificateIsLabelledSimulated) {
  const Hierarchy h = sim::create_hierarchy(options());
  for (const X509* c : {h.root.get(), h.pck_ca.get(), h.pck.get(), h.tcb_signing.get()}) {
    EXPECT_NE(subject_name(c).find(std::string(sim::kSimulatedOrganization)), std::string::npos)
        << subject_name(c);
  }
}

TEST(Sim, PckExtensionEncodingRoundTrips) {
  PckExtension e;
  e.ppid.fill(7);
  e.tcb_components = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255};
  e.pcesvn = 300;
  e.cpusvn.fill(9);
  e.pce_id = {0, 1};
  e.fmspc = {1, 2, 3, 4, 5, 6};
  e.sgx_type = 1;
  e.platform_instance_id = std::array<std::uint8_t, 16>{};
  e.configuration = PckConfiguration{true, false, true};
  const PckExtension back = parse_pck_extension_value(sim::encode_pck_extension(e));
  EXPECT_EQ(back.ppid, e.ppid);
  EXPECT_EQ(back.tcb_components, e.tcb_components);
  EXPECT_EQ(back.pcesvn, 300);
  EXPECT_EQ(back.cpusvn, e.cpusvn);
  EXPECT_EQ(back.pce_id, e.pce_id);
  EXPECT_EQ(back.fmspc, e.fmspc);
  EXPECT_EQ(back.sgx_type, 1);
  ASSERT_TRUE(back.configuration);
  EXPECT_EQ(back.configuration->dynamic_platform, true);
  EXPECT_EQ(back.configuration->cached_keys, false);
}

}  // namespace
}  // namespace ratls::attest
