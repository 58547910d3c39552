// The decision about an upstream's certificate (proxy/pinning/upstream_verifier), in process: a
// simulated hierarchy issues RA-TLS certificates, and each pin rule is checked with the one thing
// that changes from a case the verifier accepts.
#include "proxy/pinning/upstream_verifier.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "attest/sim/hierarchy.h"
#include "attest/x509.h"
#include "proxy/common/file_io.h"
#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::proxy {
namespace {

using test::filled;

using attest::UnixTime;
namespace sim = attest::sim;

constexpr UnixTime kNow = 1'800'000'000;

// The hierarchy's own collateral, as the offline directory source would give it.
class FixedCollateral : public CollateralSource {
 public:
  explicit FixedCollateral(std::shared_ptr<const attest::ParsedCollateral> c) : c_(std::move(c)) {}
  std::shared_ptr<const attest::ParsedCollateral> get(UnixTime, std::string& problem) override {
    if (!c_) problem = "no collateral in this test";
    return c_;
  }

 private:
  std::shared_ptr<const attest::ParsedCollateral> c_;
};

class UpstreamVerifierTest : public ::testing::Test {
 protected:
  UpstreamVerifierTest() {
    sim::HierarchyOptions o;
    o.now = kNow;
    o.seed = "verifier-unit-test";
    h_ = sim::create_hierarchy(o);
    collateral_ =
        std::make_shared<const attest::ParsedCollateral>(attest::parse_collateral(h_.collateral));
    app_.name = "demo";
    app_.upstream = "https://127.0.0.1:8443";
  }

  attest::Bytes issue(std::uint8_t mrenclave, std::uint16_t isv_svn = 3) {
    sim::IssueOptions o;
    o.enclave.mrenclave = filled(mrenclave);
    o.enclave.mrsigner = filled(0xBB);
    o.enclave.isv_prod_id = 1;
    o.enclave.isv_svn = isv_svn;
    o.certificate.not_before = kNow - 60;
    o.certificate.not_after = kNow + 86400;
    return attest::cert_der(sim::issue_ratls_certificate(h_, o).cert.get());
  }

  // One verifier for the test (its cache of results is part of what is tested).
  UpstreamDecision verify(const attest::Bytes& der, bool with_collateral = true) {
    if (!verifier_) {
      pins_.load();
      verifier_ = std::make_unique<UpstreamVerifier>(
          attest::clone(h_.root), true,
          std::make_shared<FixedCollateral>(with_collateral ? collateral_ : nullptr), pins_);
    }
    return verifier_->verify(app_, der, kNow);
  }

  std::vector<attest::Status> statuses(const UpstreamDecision& d) {
    std::vector<attest::Status> out;
    for (const auto& e : d.errors) out.push_back(e.status);
    return out;
  }

  test::TempDir dir_;
  sim::Hierarchy h_;
  std::shared_ptr<const attest::ParsedCollateral> collateral_;
  PinStore pins_{dir_.file("pins.json")};
  AppConfig app_;
  std::unique_ptr<UpstreamVerifier> verifier_;
};

TEST_F(UpstreamVerifierTest, FirstUsePinsTheMeasurements) {
  const UpstreamDecision d = verify(issue(0xAA));
  ASSERT_TRUE(d.accepted) << d.reason;
  EXPECT_TRUE(d.pin_changed);
  EXPECT_FALSE(d.previous_pin.has_value());
  ASSERT_TRUE(pins_.get("demo") && pins_.get("demo")->pin);
  EXPECT_EQ(pins_.get("demo")->pin->mrenclave, std::string(64, 'a'));
  EXPECT_TRUE(pins_.get("demo")->pin->simulated);
}

// Same certificate, same collateral, the pinned one: the earlier result is reused.
TEST_F(UpstreamVerifierTest, SameCertificateAgainReusesTheResult) {
  const attest::Bytes cert = issue(0xAA);
  ASSERT_TRUE(verify(cert).accepted);
  const UpstreamDecision again = verify(cert);
  EXPECT_TRUE(again.accepted);
  EXPECT_TRUE(again.from_cache);
  EXPECT_FALSE(again.pin_changed);
}

TEST_F(UpstreamVerifierTest, ANewCertificateWithTheSameMeasurementsReplacesThePin) {
  ASSERT_TRUE(verify(issue(0xAA)).accepted);
  const std::string first = pins_.get("demo")->pin->cert_sha256;
  const UpstreamDecision d = verify(issue(0xAA));
  EXPECT_TRUE(d.accepted) << d.reason;
  EXPECT_TRUE(d.pin_changed);
  EXPECT_NE(pins_.get("demo")->pin->cert_sha256, first);
}

TEST_F(UpstreamVerifierTest, AChangedMeasurementWithoutPolicyIsRefusedAndKeptPending) {
  ASSERT_TRUE(verify(issue(0xAA)).accepted);
  const UpstreamDecision d = verify(issue(0xCC));
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(statuses(d),
            std::vector<attest::Status>{attest::Status::STATUS_POLICY_MRENCLAVE_NOT_ALLOWED});
  EXPECT_NE(d.advice.find("ratls-gateway pins accept demo"), std::string::npos) << d.advice;
  EXPECT_EQ(pins_.get("demo")->pin->mrenclave, std::string(64, 'a'));  // the pin stays
  ASSERT_TRUE(pins_.get("demo")->pending);
  EXPECT_EQ(pins_.get("demo")->pending->mrenclave, std::string(64, 'c'));
}

TEST_F(UpstreamVerifierTest, AChangedMeasurementThatThePolicyAllowsIsPinned) {
  app_.measurement_policy = true;
  app_.policy.mrenclave = {filled(0xAA), filled(0xCC)};
  ASSERT_TRUE(verify(issue(0xAA)).accepted);
  const UpstreamDecision d = verify(issue(0xCC));
  EXPECT_TRUE(d.accepted) << d.reason;
  EXPECT_EQ(pins_.get("demo")->pin->mrenclave, std::string(64, 'c'));
}

TEST_F(UpstreamVerifierTest, APolicyMismatchIsRefusedAndNothingIsWritten) {
  app_.measurement_policy = true;
  app_.policy.mrenclave = {filled(0xAA)};
  app_.policy.min_isv_svn = 4;
  const UpstreamDecision d = verify(issue(0xAA, 3));
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(statuses(d), std::vector<attest::Status>{attest::Status::STATUS_POLICY_ISVSVN_TOO_LOW});
  EXPECT_FALSE(pins_.get("demo").has_value());
}

TEST_F(UpstreamVerifierTest, NoCollateralIsARefusalThatSaysWhy) {
  const UpstreamDecision d = verify(issue(0xAA), false);
  EXPECT_FALSE(d.accepted);
  ASSERT_FALSE(d.errors.empty());
  EXPECT_EQ(d.errors.front().status, attest::Status::STATUS_MISSING_COLLATERAL);
  EXPECT_NE(d.reason.find("no collateral in this test"), std::string::npos) << d.reason;
  EXPECT_FALSE(pins_.get("demo").has_value());
}

TEST_F(UpstreamVerifierTest, APinStoreThatCannotBeReadRefusesANewPinAndIsLeftAsItIs) {
  pins_.load();
  std::ofstream(dir_.file("pins.json")) << "{ not json";
  UpstreamVerifier v(attest::clone(h_.root), true, std::make_shared<FixedCollateral>(collateral_),
                     pins_);
  const UpstreamDecision d = v.verify(app_, issue(0xAA), kNow);
  EXPECT_FALSE(d.accepted);
  ASSERT_FALSE(d.errors.empty());
  EXPECT_EQ(d.errors.front().status, attest::Status::STATUS_PIN_STORE_UNUSABLE);
  EXPECT_EQ(std::string(attest::as_chars(read_file(dir_.file("pins.json")))), "{ not json");
}

}  // namespace
}  // namespace ratls::proxy
