// Real vectors from tests/data/real must give exactly the results their provenance states,
// at the stated time, and fail 1 s outside their validity window with the right expired status.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>
#include <vector>

#include "attest/tcb_eval.h"
#include "attest/verifier.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::at;
using test::read_bytes;
using test::read_text;
using test::real_path;

struct Vector {
  Bytes quote;
  ParsedCollateral collateral;
};

Vector phala(const std::string& name) {
  Vector v;
  v.quote = read_bytes(real_path("dcap/phala_dcap_qvl/" + name + ".bin"));
  v.collateral = parse_collateral(collateral_from_dcap_qvl_json(
      read_text(real_path("dcap/phala_dcap_qvl/" + name + ".collateral.json"))));
  return v;
}

QuoteVerification run(const Vector& v, UnixTime t) {
  VerifyInput in;
  in.quote = v.quote;
  in.collateral = &v.collateral;
  in.at = t;
  return verify_quote(in);
}

QuoteVerification run_without_collateral(const Bytes& quote, UnixTime t) {
  VerifyInput in;
  in.quote = quote;
  in.at = t;
  return verify_quote(in);
}

std::string first_error(const QuoteVerification& r) {
  return r.errors.empty() ? "STATUS_OK" : std::string(status_name(r.errors.front().status));
}

// --- 1a: dcap-qvl SGX v3 (asserted by the source: ConfigurationAndSWHardeningNeeded) ----------

TEST(RealVectors, PhalaSgxV3ConfigurationAndSWHardeningNeeded) {
  auto v = phala("sgx_v3_quote");
  auto r = run(v, at("2025-07-19T10:01:17Z"));
  ASSERT_TRUE(r.errors.empty()) << r.errors.front().message;
  ASSERT_TRUE(r.genuine());
  EXPECT_EQ(tcb_status_name(*r.tcb_status), "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(tcb_status_name(*r.platform_tcb_status), "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(tcb_status_name(*r.qe_tcb_status), "UpToDate");
  EXPECT_EQ(r.advisory_ids, (std::vector<std::string>{"INTEL-SA-00289", "INTEL-SA-00615"}));
  const auto& rep = *r.quote->enclave_report;
  EXPECT_EQ(to_hex(rep.mrenclave),
            "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(to_hex(rep.mrsigner),
            "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
  EXPECT_EQ(rep.isv_prod_id, 0);
  EXPECT_EQ(rep.isv_svn, 0);
  EXPECT_FALSE(rep.debug());
  EXPECT_EQ(to_hex(rep.report_data).substr(0, 26), "48656c6c6f2c20776f726c6421");
  EXPECT_EQ(to_hex(r.pck->fmspc), "00a067110000");
  EXPECT_EQ(to_hex(r.pck->pce_id), "0000");
  EXPECT_EQ(r.pck->pcesvn, 13);
  EXPECT_EQ(r.pck_ca, "processor");
  EXPECT_EQ(r.quote->qe_report.isv_svn, 10);
  EXPECT_EQ(*r.collateral_expiry, at("2025-07-19T10:01:18Z"));
}

// The gateway verifies on several threads with one parsed collateral set and root: results must
// not depend on it (and a ThreadSanitizer build, RATLS_SANITIZE_THREAD, checks for races there).
TEST(RealVectors, OneCollateralSetVerifiedFromSeveralThreadsAtOnce) {
  const auto v = phala("sgx_v3_quote");
  const UnixTime t = at("2025-07-19T10:01:17Z");
  const X509Ptr root = intel_sgx_root_ca();  // one root object for all, as the gateway holds it
  std::vector<std::string> outcomes(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 10; ++n) {
        VerifyInput in;
        in.quote = v.quote;
        in.collateral = &v.collateral;
        in.root = root.get();
        in.at = t;
        const auto r = verify_quote(in);
        outcomes[i] += first_error(r) + ":" +
                       (r.tcb_status ? std::string(tcb_status_name(*r.tcb_status)) : "-") + " ";
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto single = run(v, t);
  std::string expected;
  for (int n = 0; n < 10; ++n) {
    expected += first_error(single) + ":" + std::string(tcb_status_name(*single.tcb_status)) + " ";
  }
  for (const auto& o : outcomes) EXPECT_EQ(o, expected);
}

TEST(RealVectors, PhalaSgxV3ValidityWindowEdges) {
  auto v = phala("sgx_v3_quote");
  EXPECT_TRUE(run(v, at("2025-07-19T10:01:18Z")).genuine());  // last valid second
  EXPECT_TRUE(run(v, at("2025-06-19T10:56:11Z")).genuine());  // first valid second
  // QE identity nextUpdate is the earliest end of the window.
  EXPECT_EQ(first_error(run(v, at("2025-07-19T10:01:19Z"))), "STATUS_SGX_ENCLAVE_IDENTITY_EXPIRED");
  // TCB info issueDate is the latest start.
  EXPECT_EQ(first_error(run(v, at("2025-06-19T10:56:10Z"))), "STATUS_SGX_TCB_INFO_EXPIRED");
  // Long after: the PCK CRL expired first in check order.
  EXPECT_EQ(first_error(run(v, at("2026-11-22T00:00:00Z"))), "STATUS_SGX_CRL_EXPIRED");
}

// --- 1b: dcap-qvl TDX v4 (asserted: UpToDate, no advisories) -----------------------------------

TEST(RealVectors, PhalaTdxV4UpToDate) {
  auto v = phala("tdx_v4_quote");
  auto r = run(v, at("2025-07-19T10:00:34Z"));
  ASSERT_TRUE(r.errors.empty()) << r.errors.front().message;
  EXPECT_EQ(tcb_status_name(*r.tcb_status), "UpToDate");
  EXPECT_EQ(tcb_status_name(*r.qe_tcb_status), "UpToDate");
  EXPECT_TRUE(r.advisory_ids.empty());
  EXPECT_EQ(r.quote->tee, TeeType::kTdx);
  EXPECT_EQ(r.quote->trailing_bytes, 70u);
  EXPECT_EQ(to_hex(r.quote->td_report->mrtd),
            "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b25"
            "38873118b7");
  EXPECT_EQ(to_hex(r.pck->fmspc), "b0c06f000000");
  EXPECT_EQ(r.pck_ca, "platform");
}

TEST(RealVectors, PhalaTdxV4ValidityWindowEdges) {
  auto v = phala("tdx_v4_quote");
  EXPECT_TRUE(run(v, at("2025-07-19T10:00:35Z")).genuine());
  EXPECT_TRUE(run(v, at("2025-06-19T10:32:27Z")).genuine());
  EXPECT_EQ(first_error(run(v, at("2025-07-19T10:00:36Z"))), "STATUS_SGX_CRL_EXPIRED");
  EXPECT_EQ(first_error(run(v, at("2025-06-19T10:32:26Z"))), "STATUS_SGX_ENCLAVE_IDENTITY_EXPIRED");
}

// --- 1c: dcap-qvl TDX v5 / TD 1.5 (re-derived: every check passes but no TCB level matches) -----

TEST(RealVectors, PhalaTdxV5NoTcbLevel) {
  auto v = phala("tdx_v5_td15_quote_no_tcb_level");
  auto r = run(v, at("2026-03-20T10:41:14Z"));
  EXPECT_EQ(first_error(r), "STATUS_TCB_NOT_SUPPORTED");
  EXPECT_FALSE(r.genuine());
  EXPECT_FALSE(r.tcb_status.has_value());
  EXPECT_EQ(tcb_status_name(*r.qe_tcb_status), "UpToDate");
  EXPECT_EQ(to_hex(r.pck->fmspc), "90c06f000000");
  EXPECT_TRUE(r.quote->td_report->is_td15);
}

// --- 2: go-tdx-guest SPR E4 with its 2023 PCS collateral (directory form) ----------------------

ParsedCollateral go_tdx_guest_collateral() {
  const std::string dir = "dcap/google_go_tdx_guest/";
  std::map<std::string, Bytes> files{
      {"tcb_info.json",
       read_bytes(real_path(dir + "tdx_tcb_info_fmspc_50806f000000.response.json"))},
      {"qe_identity.json", read_bytes(real_path(dir + "tdx_qe_identity.response.json"))},
      {"tcb_info_issuer_chain.pem",
       read_bytes(real_path(dir + "tcb_info_issuer_chain.header.pem"))},
      {"qe_identity_issuer_chain.pem",
       read_bytes(real_path(dir + "qe_identity_issuer_chain.header.pem"))},
      {"pck_crl_issuer_chain.pem", read_bytes(real_path(dir + "pck_crl_issuer_chain.header.pem"))},
      {"pck_crl.der", read_bytes(real_path(dir + "pck_crl_platform.der"))},
      {"root_ca_crl.der", read_bytes(real_path(dir + "root_ca_crl.der"))},
  };
  return parse_collateral(collateral_from_files(files));
}

TEST(RealVectors, GoTdxGuestSprE4CollateralPassesButNoTcbLevel) {
  Vector v{read_bytes(real_path("dcap/google_go_tdx_guest/tdx_v4_quote_spr_e4.bin")),
           go_tdx_guest_collateral()};
  auto r = run(v, at("2023-07-01T01:00:00Z"));
  // Chain, CRLs, signatures, TCB info and QE identity pass; the platform reaches no TCB level.
  EXPECT_EQ(first_error(r), "STATUS_TCB_NOT_SUPPORTED") << r.errors.front().message;
  EXPECT_EQ(tcb_status_name(*r.qe_tcb_status), "UpToDate");
  EXPECT_EQ(to_hex(r.pck->fmspc), "50806f000000");
  EXPECT_EQ(r.pck->pcesvn, 11);
  EXPECT_EQ(r.quote->qe_report.isv_svn, 4);
  EXPECT_EQ(to_hex(r.quote->qe_report.mrsigner),
            "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
  // The PCK leaf expires 2029-09-20T13:20:31Z; in 2053 it is the first thing to fail.
  EXPECT_EQ(first_error(run(v, at("2053-07-01T00:00:00Z"))), "STATUS_SGX_PCK_CERT_CHAIN_EXPIRED");
}

// --- Cosmian evidence (msehome 2023-05): strict verification fails on the expired PCK CRL --------

Vector cosmian_evidence(const std::string& evidence_path, const std::string& quote_path) {
  Vector v;
  v.quote = read_bytes(real_path(quote_path));
  v.collateral =
      parse_collateral(collateral_from_cosmian_evidence(read_text(real_path(evidence_path))));
  return v;
}

TEST(RealVectors, CosmianEvidenceStrictlyRejectedForExpiredCrlOrEarlyQeIdentity) {
  auto v = cosmian_evidence("cosmian/msehome_2023-05_evidence.json",
                            "cosmian/msehome_2023-05_ratls_quote.bin");
  // SOURCES: strict verification fails on PCK CRL expiry at the suggested time...
  auto late = run(v, at("2023-06-25T00:00:00Z"));
  EXPECT_EQ(first_error(late), "STATUS_SGX_CRL_EXPIRED");
  // ...and inside the CRL window the QE identity is not yet issued: no instant is valid for all.
  auto early = run(v, at("2023-06-10T00:00:00Z"));
  EXPECT_EQ(first_error(early), "STATUS_SGX_ENCLAVE_IDENTITY_EXPIRED");
  // Everything before collateral holds: fields as stated.
  const auto& rep = *late.quote->enclave_report;
  EXPECT_EQ(to_hex(rep.mrenclave),
            "0e4ec55e690b06a574af59dfd51baa3866ac4c8d37896effc0f1fad17b31cf3b");
  EXPECT_EQ(to_hex(rep.mrsigner),
            "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5");
  EXPECT_EQ(rep.isv_prod_id, 1);
  EXPECT_EQ(rep.isv_svn, 10);
  EXPECT_EQ(to_hex(late.pck->fmspc), "30606a000000");
}

// The re-derived TCB result of SOURCES (OutOfDate, 7 advisories; QE UpToDate) is what the TCB
// evaluation gives on this collateral; only the CRL/issue dates keep it from a full verdict.
TEST(RealVectors, CosmianEvidenceTcbEvaluationIsOutOfDate) {
  for (const char* evidence :
       {"cosmian/msehome_2023-05_evidence.json", "dcap/cosmian_enclave/evidence.json"}) {
    auto v = cosmian_evidence(evidence, "cosmian/msehome_2023-05_ratls_quote.bin");
    auto r = run(v, at("2023-06-10T00:00:00Z"));
    ASSERT_TRUE(r.pck.has_value());
    const TcbLevel* level = match_sgx_tcb_level(v.collateral.tcb_info, *r.pck);
    ASSERT_NE(level, nullptr);
    EXPECT_EQ(tcb_status_name(level->status), "OutOfDate");
    EXPECT_EQ(format_rfc3339(level->tcb_date).substr(0, 10), "2021-11-10");
    EXPECT_EQ(level->advisory_ids,
              (std::vector<std::string>{"INTEL-SA-00586", "INTEL-SA-00614", "INTEL-SA-00615",
                                        "INTEL-SA-00657", "INTEL-SA-00730", "INTEL-SA-00738",
                                        "INTEL-SA-00767"}));
    EXPECT_EQ(qe_identity_mismatch(v.collateral.qe_identity, r.quote->qe_report), "");
    const IsvTcbLevel* qe =
        match_isv_tcb_level(v.collateral.qe_identity.levels, r.quote->qe_report.isv_svn);
    ASSERT_NE(qe, nullptr);
    EXPECT_EQ(tcb_status_name(qe->status), "UpToDate");
    EXPECT_EQ(tcb_status_name(converge_tcb_status(level->status, qe->status)), "OutOfDate");
  }
}

TEST(RealVectors, CosmianCloudQuoteIsOutOfDateUnderTheSameCollateral) {
  auto v = cosmian_evidence("cosmian/msehome_2023-05_evidence.json",
                            "cosmian/cloud_2023-09_devcosmianio_ratls_quote.bin");
  auto r = run_without_collateral(v.quote, at("2023-09-19T08:00:00Z"));
  EXPECT_EQ(first_error(r), "STATUS_MISSING_COLLATERAL");
  ASSERT_TRUE(r.pck.has_value());
  const TcbLevel* level = match_sgx_tcb_level(v.collateral.tcb_info, *r.pck);
  ASSERT_NE(level, nullptr);
  EXPECT_EQ(tcb_status_name(level->status), "OutOfDate");
  EXPECT_EQ(to_hex(r.quote->enclave_report->mrenclave),
            "958e39c89abec8cfb5ce01961a50860c770c75b01e64ed77847097f9705ed7bd");
}

// --- Quotes without collateral: every signature and the PCK chain verify; verdict needs collateral

struct NoCollateralCase {
  const char* file;
  const char* time;
  const char* mrenclave;  // prefix
};

TEST(RealVectors, QuotesWithoutCollateralPassEverySignature) {
  const NoCollateralCase cases[] = {
      {"cosmian/msehome_2023-05_ratls_quote.bin", "2023-06-10T00:00:00Z", "0e4ec55e"},
      {"cosmian/cloud_2023-09_devcosmianio_ratls_quote.bin", "2023-09-19T08:00:00Z", "958e39c8"},
      {"cosmian/teetools_2023-12_DEBUG_enclave_ratls_quote.bin", "2024-01-01T00:00:00Z",
       "72009e6e"},
      {"cosmian/teetools_2023-09_quote_mrenclave_f07830d7.bin", "2023-10-01T00:00:00Z", "f07830d7"},
      {"cosmian/azure_2023-09_processor_ca_quote_fmspc00906ED50000.bin", "2023-10-01T00:00:00Z",
       "c8028b8d"},
      {"cosmian/isra_2023-06_quote_mrsigner_ac2c9fa8.bin", "2023-07-01T00:00:00Z", "e413a4ed"},
      {"cosmian/isra_2023-02_quote_certdata_without_trailing_nul.bin", "2023-03-01T00:00:00Z",
       "053e6dfa"},
      {"dcap/gramine_ratls_mccoysc/sgx_v3_quote_from_gramine_ratls_cert.bin",
       "2026-01-01T00:00:00Z", "6364c9c4"},
      {"dcap/phala_dcap_qvl/sgx_v3_quote.bin", "2025-07-01T00:00:00Z", "33d8736d"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto r = run_without_collateral(read_bytes(real_path(c.file)), at(c.time));
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(first_error(r), "STATUS_MISSING_COLLATERAL") << r.errors.front().message;
    EXPECT_FALSE(r.genuine());
    EXPECT_EQ(to_hex(r.quote->enclave_report->mrenclave).substr(0, 8), c.mrenclave);
  }
}

TEST(RealVectors, TdxQuotesWithoutCollateralPassEverySignature) {
  auto r = run_without_collateral(
      read_bytes(real_path("dcap/google_go_tdx_guest/tdx_v4_quote_cos113_padded.bin")),
      at("2024-08-01T00:00:00Z"));
  EXPECT_EQ(first_error(r), "STATUS_MISSING_COLLATERAL") << r.errors.front().message;
  EXPECT_EQ(to_hex(r.pck->fmspc), "00806f050000");
}

}  // namespace
}  // namespace ratls::attest
