// The status page's checklist (proxy/status/verification_checks) and what status.json and the page
// say about it: each check failing alone shows exactly that ✘, later checks not reached show as
// "not checked", a real verification from a simulated hierarchy is all ✔.
#include <gtest/gtest.h>

#include "attest/sim/hierarchy.h"
#include "attest/x509.h"
#include "proxy/status/gateway_state.h"
#include "proxy/status/verification_checks.h"
#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::proxy {
namespace {

using test::filled;

using attest::Status;
using nlohmann::json;

const std::string kA(64, 'a');
const std::string kB(64, 'b');
const std::string kS(64, '5');

// A decision the verifier would accept: SGX quote, everything read.
UpstreamDecision accepted() {
  UpstreamDecision d;
  d.accepted = true;
  Pin p;
  p.cert_sha256 = std::string(64, 'c');
  p.mrenclave = kA;
  p.mrsigner = kS;
  p.isv_prod_id = 1;
  p.isv_svn = 3;
  p.tcb_status = "UpToDate";
  d.observed = p;
  d.evidence.quote = true;
  d.evidence.tee = "sgx";
  d.evidence.pck_ca = "platform";
  d.evidence.binding_known = true;
  d.evidence.binding_ok = true;
  d.evidence.binding = "REPORTDATA[0:32] = SHA-256 of the DER SubjectPublicKeyInfo";
  return d;
}

UpstreamDecision refused(UpstreamDecision d, Status status, const std::string& message) {
  d.accepted = false;
  d.errors.push_back({status, message});
  d.reason = message;
  return d;
}

AppConfig app_with_policy() {
  AppConfig app;
  app.name = "demo";
  app.upstream = "https://127.0.0.1:8443";
  app.upstream_host = "127.0.0.1";
  app.policy.mrenclave = {filled(0xaa)};
  app.measurement_policy = true;
  return app;
}

// "✔" / "✘" / "-" per check, in order, with the check's name.
std::vector<std::string> marks(const std::vector<Check>& checks) {
  std::vector<std::string> out;
  for (const Check& c : checks) {
    out.push_back(std::string(!c.ok ? "-" : *c.ok ? "\u2714" : "\u2718") + " " + c.name);
  }
  return out;
}

const std::vector<std::string> kAllPass = {"\u2714 genuine enclave",  "\u2714 operator signer",
                                           "\u2714 code fingerprint", "\u2714 production",
                                           "\u2714 key binding",      "\u2714 TCB status"};

TEST(StatusChecks, AnAcceptedVerificationIsAllTicked) {
  const auto checks = ratls_checks(accepted(), app_with_policy(), "Intel's SGX root");
  EXPECT_EQ(marks(checks), kAllPass);
  EXPECT_EQ(checks[0].value, "SGX quote, platform PCK CA");
  EXPECT_EQ(checks[0].expected,
            "quote and QE report signed, PCK chain to Intel's SGX root, CRLs current");
  EXPECT_EQ(checks[2].value, "MRENCLAVE " + kA);
  EXPECT_EQ(checks[2].expected, "expected " + kA);
  EXPECT_EQ(checks[1].expected, "any signer (none in the policy)");
  EXPECT_EQ(checks[3].value, "not debug");
  EXPECT_EQ(checks[4].expected, "TLS key bound to the quote's report data");
  EXPECT_EQ(checks[5].value, "UpToDate, advisories: none");
  EXPECT_EQ(checks[5].expected, "TCB statuses accepted: UpToDate; advisories allowed: none");
}

TEST(StatusChecks, EachPolicyCheckFailingAloneShowsExactlyThatCross) {
  struct Case {
    Status status;
    std::size_t index;
  };
  for (const Case& c :
       {Case{Status::STATUS_POLICY_MRSIGNER_NOT_ALLOWED, 1},
        Case{Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED, 2},
        Case{Status::STATUS_POLICY_DEBUG_ENCLAVE, 3},
        Case{Status::STATUS_RATLS_KEY_BINDING_MISMATCH, 4},
        Case{Status::STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED, 5},
        Case{Status::STATUS_POLICY_ADVISORY_NOT_ALLOWED, 5}, Case{Status::STATUS_TCB_REVOKED, 5}}) {
    const auto checks = ratls_checks(refused(accepted(), c.status, "the problem"),
                                     app_with_policy(), "Intel's SGX root");
    std::vector<std::string> expected = kAllPass;
    expected[c.index] = "\u2718" + expected[c.index].substr(std::string("\u2714").size());
    EXPECT_EQ(marks(checks), expected) << attest::status_name(c.status);
    EXPECT_EQ(checks[c.index].problem, "the problem");
  }
}

TEST(StatusChecks, AQuoteThatIsNotGenuineLeavesTheMeasurementsNotChecked) {
  for (Status s : {Status::STATUS_INVALID_QUOTE_SIGNATURE, Status::STATUS_SGX_PCK_REVOKED,
                   Status::STATUS_SGX_CRL_EXPIRED, Status::STATUS_MISSING_COLLATERAL}) {
    UpstreamDecision d = accepted();
    d.observed->tcb_status.clear();  // verification stopped before the TCB
    const auto checks =
        ratls_checks(refused(d, s, "not genuine"), app_with_policy(), "Intel's SGX root");
    EXPECT_EQ(marks(checks),
              (std::vector<std::string>{"\u2718 genuine enclave", "- operator signer",
                                        "- code fingerprint", "- production", "\u2714 key binding",
                                        "- TCB status"}))
        << attest::status_name(s);
  }
  // Not an RA-TLS certificate at all: nothing but the first line was reached.
  UpstreamDecision none;
  const auto checks = ratls_checks(refused(none, Status::STATUS_NOT_RATLS_CERTIFICATE, "no quote"),
                                   app_with_policy(), "Intel's SGX root");
  EXPECT_EQ(marks(checks), (std::vector<std::string>{"\u2718 genuine enclave", "- operator signer",
                                                     "- code fingerprint", "- production",
                                                     "- key binding", "- TCB status"}));
  EXPECT_EQ(checks[0].value, "no quote read");
}

TEST(StatusChecks, TrustOnFirstUseNamesThePinnedMeasurementThatChanged) {
  AppConfig app = app_with_policy();
  app.policy.mrenclave.clear();
  app.measurement_policy = false;
  UpstreamDecision d = accepted();
  Pin before = *d.observed;
  before.mrenclave = kB;
  d.previous_pin = before;
  d = refused(d, Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED, "the enclave's measurement changed");
  auto checks = ratls_checks(d, app, "Intel's SGX root");
  std::vector<std::string> expected = kAllPass;
  expected[2] = "\u2718 code fingerprint";
  EXPECT_EQ(marks(checks), expected);
  EXPECT_EQ(checks[2].expected, "expected the pinned " + kB + " (trust on first use)");
  // Only the signer changed: that line fails, the code fingerprint holds.
  d.previous_pin->mrenclave = kA;
  d.previous_pin->mrsigner = kB;
  checks = ratls_checks(d, app, "Intel's SGX root");
  expected = kAllPass;
  expected[1] = "\u2718 operator signer";
  EXPECT_EQ(marks(checks), expected);
}

TEST(StatusChecks, ThePolicyIsNamedInEachLine) {
  AppConfig app = app_with_policy();
  app.policy.mrenclave.push_back(filled(0xbb));
  app.policy.mrsigner = {filled(0x55)};
  app.policy.isv_prod_id = 1;
  app.policy.min_isv_svn = 2;
  app.policy.allow_debug = true;
  app.policy.accept_tcb = {attest::TcbStatus::kUpToDate, attest::TcbStatus::kSWHardeningNeeded};
  app.policy.allow_advisories = {"INTEL-SA-00615"};
  UpstreamDecision d = accepted();
  d.observed->advisory_ids = {"INTEL-SA-00615"};
  const auto checks = ratls_checks(d, app, "Intel's SGX root");
  ASSERT_EQ(checks.size(), 7u);
  EXPECT_EQ(checks[1].expected, "expected " + kS);
  EXPECT_EQ(checks[2].expected, "expected one of " + kA + ", " + kB);
  EXPECT_EQ(checks[3].name, "product / version");
  EXPECT_EQ(checks[3].value, "ISVPRODID 1, ISVSVN 3");
  EXPECT_EQ(checks[3].expected, "expected ISVPRODID 1, ISVSVN at least 2");
  EXPECT_EQ(checks[4].expected, "debug allowed by the policy");
  EXPECT_EQ(checks[6].value, "UpToDate, advisories: INTEL-SA-00615");
  EXPECT_EQ(checks[6].expected,
            "TCB statuses accepted: UpToDate, SWHardeningNeeded; advisories allowed: "
            "INTEL-SA-00615");
  for (const Check& c : checks) EXPECT_EQ(c.ok, true) << c.name;
}

TEST(StatusChecks, RelativeTimesAndTheAcceptCommand) {
  EXPECT_EQ(relative_time(0), "just now");
  EXPECT_EQ(relative_time(42), "42 seconds ago");
  EXPECT_EQ(relative_time(60), "1 minute ago");
  EXPECT_EQ(relative_time(3 * 60 + 59), "3 minutes ago");
  EXPECT_EQ(relative_time(2 * 3600), "2 hours ago");
  EXPECT_EQ(relative_time(86400 * 3), "3 days ago");
  EXPECT_EQ(pins_accept_command("demo", "/home/u/.config/ratls-gateway/config.json", true),
            "ratls-gateway pins accept demo");
  EXPECT_EQ(pins_accept_command("demo", "", false), "ratls-gateway pins accept demo");
  EXPECT_EQ(pins_accept_command("demo", "/etc/gw.json", false),
            "ratls-gateway pins accept demo --config /etc/gw.json");
  EXPECT_EQ(pins_accept_command("demo", "/tmp/it's here.json", false),
            "ratls-gateway pins accept demo --config '/tmp/it'\\''s here.json'");
}

// GatewayState records the checks with the decision; status.json and the page show them.
TEST(StatusChecks, StatusJsonAndPageCarryTheChecklistThePendingPinAndRelativeTimes) {
  test::TempDir dir;
  Config config;
  config.source = dir.write("gw.json", "{}");
  AppConfig demo = app_with_policy();
  demo.policy.mrenclave.clear();
  demo.measurement_policy = false;
  AppConfig site;
  site.name = "site";
  site.upstream = "https://example.org";
  site.upstream_host = "example.org";
  site.mode = UpstreamMode::kWebpki;
  config.apps = {demo, site};
  GatewayState state;
  state.configure(config, false);

  PinStore pins(dir.file("pins.json"));
  UpstreamDecision d = accepted();
  Pin before = *d.observed;
  before.mrenclave = kB;
  d.previous_pin = before;
  pins.set_pin("demo", before);
  pins.set_pending("demo", *d.observed, "the enclave's measurement changed");
  d = refused(d, Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED, "the enclave's measurement changed");
  state.record_decision("demo", d, 1'800'000'000);
  state.record_webpki("site", std::string(64, 'e'), 1'800'000'100);

  const json status = state.to_json(pins, 1'800'000'200);
  const json& a = status["apps"][0];
  EXPECT_EQ(a["verified_ago_seconds"], 200);
  ASSERT_EQ(a["checks"].size(), 6u);
  EXPECT_EQ(a["checks"][2],
            (json{{"name", "code fingerprint"},
                  {"ok", false},
                  {"value", "MRENCLAVE " + kA},
                  {"expected", "expected the pinned " + kB + " (trust on first use)"},
                  {"problem", "the enclave's measurement changed"}}));
  EXPECT_EQ(a["checks"][0]["ok"], true);
  EXPECT_EQ(a["pending"]["mrenclave"], kA);
  EXPECT_EQ(a["pending"]["reason"], "the enclave's measurement changed");
  EXPECT_EQ(a["pending"]["accept_command"],
            "ratls-gateway pins accept demo --config " + config.source);
  const json& w = status["apps"][1];
  EXPECT_EQ(w["verified_ago_seconds"], 100);
  ASSERT_EQ(w["checks"].size(), 1u);
  EXPECT_EQ(w["checks"][0]["name"], "certificate chain and host name");
  EXPECT_EQ(w["checks"][0]["ok"], true);

  const std::string page = render_status_html(status, "http", "7443");
  EXPECT_NE(page.find("\u2718</td><td class=name>code fingerprint"), std::string::npos);
  EXPECT_NE(page.find("\u2714</td><td class=name>genuine enclave"), std::string::npos);
  EXPECT_NE(page.find("\u2714</td><td class=name>certificate chain and host name"),
            std::string::npos);
  EXPECT_NE(page.find("ratls-gateway pins accept demo --config " + config.source),
            std::string::npos);
  EXPECT_NE(page.find("<span title=\"2027-01-15T08:00:00Z\">checked 3 minutes ago</span>"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

// The evidence the real verifier records: a simulated enclave's certificate is all ticked.
TEST(StatusChecks, ARealVerificationFromASimulatedHierarchyIsAllTicked) {
  constexpr attest::UnixTime kNow = 1'800'000'000;
  attest::sim::HierarchyOptions o;
  o.now = kNow;
  o.seed = "status-checks";
  auto h = attest::sim::create_hierarchy(o);
  struct Fixed : CollateralSource {
    std::shared_ptr<const attest::ParsedCollateral> c;
    std::shared_ptr<const attest::ParsedCollateral> get(attest::UnixTime, std::string&) override {
      return c;
    }
  };
  auto collateral = std::make_shared<Fixed>();
  collateral->c =
      std::make_shared<const attest::ParsedCollateral>(attest::parse_collateral(h.collateral));
  attest::sim::IssueOptions io;
  io.enclave.mrenclave = filled(0xaa);
  io.certificate.not_before = kNow - 60;
  io.certificate.not_after = kNow + 86400;
  const attest::Bytes der =
      attest::cert_der(attest::sim::issue_ratls_certificate(h, io).cert.get());
  test::TempDir dir;
  PinStore pins(dir.file("pins.json"));
  UpstreamVerifier verifier(attest::clone(h.root), true, collateral, pins);
  const AppConfig app = app_with_policy();
  const UpstreamDecision d = verifier.verify(app, der, kNow);
  ASSERT_TRUE(d.accepted) << d.reason;
  const auto checks = ratls_checks(d, app, root_label("/sim", true));
  EXPECT_EQ(marks(checks), kAllPass);
  EXPECT_NE(checks[0].expected.find("SIMULATED"), std::string::npos);
  // The cached result carries the same evidence.
  EXPECT_EQ(ratls_checks(verifier.verify(app, der, kNow), app, "x")[4], checks[4]);
}

}  // namespace
}  // namespace ratls::proxy
