// Policy: each expectation, alone, turns a genuine quote into a rejection with its own code.
#include <gtest/gtest.h>

#include "attest/policy.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::at;
using test::read_bytes;
using test::read_text;
using test::real_path;

// The phala SGX v3 vector, genuine at its time: MRENCLAVE 33d8…, MRSIGNER 815f…, ISVPRODID 0,
// ISVSVN 0, ConfigurationAndSWHardeningNeeded with INTEL-SA-00289 and INTEL-SA-00615.
const QuoteVerification& genuine() {
  static const QuoteVerification v = [] {
    auto collateral = parse_collateral(collateral_from_dcap_qvl_json(
        read_text(real_path("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json"))));
    auto quote = read_bytes(real_path("dcap/phala_dcap_qvl/sgx_v3_quote.bin"));
    VerifyInput in;
    in.quote = quote;
    in.collateral = &collateral;
    in.at = at("2025-07-19T10:01:17Z");
    return verify_quote(in);
  }();
  return v;
}

std::array<std::uint8_t, 32> hex32(std::string_view h) { return *from_hex_fixed<32>(h); }

Policy lenient() {
  Policy p;
  p.accept_tcb = {TcbStatus::kConfigurationAndSWHardeningNeeded};
  p.allow_advisories = {"INTEL-SA-00289", "INTEL-SA-00615"};
  return p;
}

std::vector<std::string> codes(const std::vector<Error>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.emplace_back(status_name(e.status));
  return out;
}

using Codes = std::vector<std::string>;

TEST(Policy, DefaultAcceptsOnlyUpToDateWithoutAdvisories) {
  ASSERT_TRUE(genuine().genuine());
  EXPECT_EQ(codes(apply_policy(Policy{}, genuine())),
            (Codes{"STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED", "STATUS_POLICY_ADVISORY_NOT_ALLOWED",
                   "STATUS_POLICY_ADVISORY_NOT_ALLOWED"}));
}

TEST(Policy, AcceptedStatusAndAdvisoriesAccept) {
  EXPECT_TRUE(apply_policy(lenient(), genuine()).empty());
  Policy p = lenient();
  p.allow_advisories = {"*"};
  EXPECT_TRUE(apply_policy(p, genuine()).empty());
}

TEST(Policy, EachAdvisoryMustBeAllowed) {
  Policy p = lenient();
  p.allow_advisories = {"INTEL-SA-00289"};
  auto errors = apply_policy(p, genuine());
  ASSERT_EQ(codes(errors), Codes{"STATUS_POLICY_ADVISORY_NOT_ALLOWED"});
  EXPECT_NE(errors[0].message.find("INTEL-SA-00615"), std::string::npos);
}

TEST(Policy, Mrenclave) {
  Policy p = lenient();
  p.mrenclave = {hex32("33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb")};
  EXPECT_TRUE(apply_policy(p, genuine()).empty());
  p.mrenclave = {hex32("0e4ec55e690b06a574af59dfd51baa3866ac4c8d37896effc0f1fad17b31cf3b")};
  EXPECT_EQ(codes(apply_policy(p, genuine())), Codes{"STATUS_POLICY_MRENCLAVE_NOT_ALLOWED"});
  // One of several allowed values suffices (a redeploy allowlist).
  p.mrenclave.push_back(hex32("33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"));
  EXPECT_TRUE(apply_policy(p, genuine()).empty());
}

TEST(Policy, Mrsigner) {
  Policy p = lenient();
  p.mrsigner = {hex32("815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6")};
  EXPECT_TRUE(apply_policy(p, genuine()).empty());
  p.mrsigner = {hex32("c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5")};
  EXPECT_EQ(codes(apply_policy(p, genuine())), Codes{"STATUS_POLICY_MRSIGNER_NOT_ALLOWED"});
}

TEST(Policy, IsvProdIdAndSvn) {
  Policy p = lenient();
  p.isv_prod_id = 0;
  p.min_isv_svn = 0;
  EXPECT_TRUE(apply_policy(p, genuine()).empty());
  p.isv_prod_id = 1;
  EXPECT_EQ(codes(apply_policy(p, genuine())), Codes{"STATUS_POLICY_ISVPRODID_MISMATCH"});
  p.isv_prod_id.reset();
  p.min_isv_svn = 1;
  EXPECT_EQ(codes(apply_policy(p, genuine())), Codes{"STATUS_POLICY_ISVSVN_TOO_LOW"});
}

TEST(Policy, DebugEnclaveRejectedUnlessAllowed) {
  QuoteVerification v;
  v.quote = genuine().quote;
  v.tcb_status = genuine().tcb_status;
  v.advisory_ids = genuine().advisory_ids;
  v.quote->enclave_report->attributes[0] |= 0x02;
  ASSERT_TRUE(v.quote->enclave_report->debug());
  Policy p = lenient();
  EXPECT_EQ(codes(apply_policy(p, v)), Codes{"STATUS_POLICY_DEBUG_ENCLAVE"});
  p.allow_debug = true;
  EXPECT_TRUE(apply_policy(p, v).empty());
}

TEST(Policy, ProvisioningEnclaveAttributesRejected) {
  QuoteVerification v;
  v.quote = genuine().quote;
  v.tcb_status = genuine().tcb_status;
  v.quote->enclave_report->attributes[0] |= 0x10;  // PROVISION_KEY: an Intel architectural enclave
  Policy p = lenient();
  EXPECT_EQ(codes(apply_policy(p, v)), Codes{"STATUS_POLICY_ENCLAVE_ATTRIBUTES"});
}

TEST(Policy, MrsignerFromSignerKey) {
  // SOURCES: MRSIGNER = SHA-256 of the RSA-3072 modulus as 384 little-endian bytes.
  for (const char* file : {"cosmian/cosmian_enclave_signer_pubkey_rsa3072.pem",
                           "dcap/cosmian_enclave/enclave_signer_key_rsa3072.pub.pem",
                           "dcap/cosmian_tee_tools/enclave_signer_key_rsa3072.pub.pem"}) {
    EXPECT_EQ(to_hex(mrsigner_from_signer_key_pem(read_text(real_path(file)))),
              "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5")
        << file;
  }
  EXPECT_THROW(mrsigner_from_signer_key_pem("not a key"), AttestError);
  EXPECT_THROW(mrsigner_from_signer_key_pem(read_text(real_path("cosmian/intel_sgx_root_ca.pem"))),
               AttestError);
}

}  // namespace
}  // namespace ratls::attest
