// parse_qe_identity (attest/qe_identity.h) on every real enclave identity body, then one
// malformation at a time.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/qe_identity.h"
#include "tests/support/mutations.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::replaced;
using test::status_of;

using test::at;
using test::read_text;
using test::real_path;

constexpr Status kFormat = Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_FORMAT;
constexpr Status kVersion = Status::STATUS_SGX_ENCLAVE_IDENTITY_UNSUPPORTED_VERSION;
constexpr Status kUnrecognized = Status::STATUS_TCB_UNRECOGNIZED_STATUS;

std::string dcap_qvl_body(const std::string& relative) {
  return nlohmann::json::parse(read_text(real_path(relative))).at("qe_identity").get<std::string>();
}
std::string response_body(const std::string& relative) {
  return split_signed_response(read_text(real_path(relative)), "enclaveIdentity", kFormat).body;
}
std::string cosmian_body() {
  return response_body("cosmian/msehome_2023-05_qe_identity.json");
}

Status parse_status(const std::string& body) {
  return status_of([&] { parse_qe_identity(body); });
}

using Strings = std::vector<std::string>;

constexpr const char* kQeMrsigner =
    "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff";
constexpr const char* kTdQeMrsigner =
    "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5";

void expect_intel_masks(const QeIdentity& q) {
  EXPECT_EQ(to_hex(q.miscselect), "00000000");
  EXPECT_EQ(to_hex(q.miscselect_mask), "ffffffff");
  EXPECT_EQ(to_hex(q.attributes), "11000000000000000000000000000000");
  EXPECT_EQ(to_hex(q.attributes_mask), "fbffffffffffffff0000000000000000");
}

TEST(QeIdentityReal, PhalaSgxQe) {
  const QeIdentity q =
      parse_qe_identity(dcap_qvl_body("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json"));
  EXPECT_EQ(q.id, "QE");
  EXPECT_EQ(q.version, 2);
  EXPECT_EQ(q.issue_date, at("2025-06-19T10:01:18Z"));
  EXPECT_EQ(q.next_update, at("2025-07-19T10:01:18Z"));
  EXPECT_EQ(q.tcb_evaluation_data_number, 17u);
  expect_intel_masks(q);
  EXPECT_EQ(to_hex(q.mrsigner), kQeMrsigner);
  EXPECT_EQ(q.isvprodid, 1);
  ASSERT_EQ(q.levels.size(), 6u);
  EXPECT_EQ(q.levels[0].isvsvn, 8);
  EXPECT_EQ(q.levels[0].tcb_date, at("2024-03-13T00:00:00Z"));
  EXPECT_EQ(q.levels[0].status, TcbStatus::kUpToDate);
  EXPECT_TRUE(q.levels[0].advisory_ids.empty());
  EXPECT_EQ(q.levels.back().isvsvn, 1);
  EXPECT_EQ(q.levels.back().tcb_date, at("2018-08-15T00:00:00Z"));
  EXPECT_EQ(q.levels.back().status, TcbStatus::kOutOfDate);
  EXPECT_EQ(q.levels.back().advisory_ids,
            (Strings{"INTEL-SA-00202", "INTEL-SA-00219", "INTEL-SA-00293", "INTEL-SA-00334",
                     "INTEL-SA-00477", "INTEL-SA-00615"}));
}

TEST(QeIdentityReal, PhalaTdQe) {
  const QeIdentity q =
      parse_qe_identity(dcap_qvl_body("dcap/phala_dcap_qvl/tdx_v4_quote.collateral.json"));
  EXPECT_EQ(q.id, "TD_QE");
  EXPECT_EQ(q.version, 2);
  EXPECT_EQ(q.issue_date, at("2025-06-19T10:32:27Z"));
  EXPECT_EQ(q.next_update, at("2025-07-19T10:32:27Z"));
  EXPECT_EQ(q.tcb_evaluation_data_number, 17u);
  expect_intel_masks(q);
  EXPECT_EQ(to_hex(q.mrsigner), kTdQeMrsigner);
  EXPECT_EQ(q.isvprodid, 2);
  ASSERT_EQ(q.levels.size(), 1u);
  EXPECT_EQ(q.levels[0].isvsvn, 4);
  EXPECT_EQ(q.levels[0].status, TcbStatus::kUpToDate);
}

TEST(QeIdentityReal, PhalaTdQeV5Collateral) {
  const QeIdentity q = parse_qe_identity(
      dcap_qvl_body("dcap/phala_dcap_qvl/tdx_v5_td15_quote_no_tcb_level.collateral.json"));
  EXPECT_EQ(q.id, "TD_QE");
  EXPECT_EQ(q.issue_date, at("2026-02-18T10:42:15Z"));
  EXPECT_EQ(q.next_update, at("2026-03-20T10:42:15Z"));
  EXPECT_EQ(q.tcb_evaluation_data_number, 18u);
  ASSERT_EQ(q.levels.size(), 1u);
  EXPECT_EQ(q.levels[0].tcb_date, at("2024-11-13T00:00:00Z"));
}

TEST(QeIdentityReal, GoTdxGuestTdQe) {
  const QeIdentity q =
      parse_qe_identity(response_body("dcap/google_go_tdx_guest/tdx_qe_identity.response.json"));
  EXPECT_EQ(q.id, "TD_QE");
  EXPECT_EQ(q.version, 2);
  EXPECT_EQ(q.issue_date, at("2023-06-08T07:24:59Z"));
  EXPECT_EQ(q.next_update, at("2023-07-08T07:24:59Z"));
  EXPECT_EQ(q.tcb_evaluation_data_number, 15u);
  expect_intel_masks(q);
  EXPECT_EQ(to_hex(q.mrsigner), kTdQeMrsigner);
  EXPECT_EQ(q.isvprodid, 2);
  ASSERT_EQ(q.levels.size(), 1u);
  EXPECT_EQ(q.levels[0].isvsvn, 4);
  EXPECT_EQ(q.levels[0].tcb_date, at("2023-02-15T00:00:00Z"));
  EXPECT_EQ(q.levels[0].status, TcbStatus::kUpToDate);
}

TEST(QeIdentityReal, CosmianMsehomeQe) {
  const QeIdentity q = parse_qe_identity(cosmian_body());
  EXPECT_EQ(q.id, "QE");
  EXPECT_EQ(q.version, 2);
  EXPECT_EQ(q.issue_date, at("2023-06-20T00:24:02Z"));
  EXPECT_EQ(q.next_update, at("2023-07-20T00:24:02Z"));
  EXPECT_EQ(q.tcb_evaluation_data_number, 15u);
  expect_intel_masks(q);
  EXPECT_EQ(to_hex(q.mrsigner), kQeMrsigner);
  EXPECT_EQ(q.isvprodid, 1);
  ASSERT_EQ(q.levels.size(), 6u);
  // SOURCES.md A: QE isvsvn 9 >= 8 gives UpToDate.
  EXPECT_EQ(q.levels[0].isvsvn, 8);
  EXPECT_EQ(q.levels[0].tcb_date, at("2023-02-15T00:00:00Z"));
  EXPECT_EQ(q.levels[0].status, TcbStatus::kUpToDate);
  EXPECT_EQ(q.levels.back().isvsvn, 1);
  EXPECT_EQ(q.levels.back().status, TcbStatus::kOutOfDate);
}

TEST(QeIdentityNegative, UnsupportedVersion) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(replaced(b, R"("version":2)", R"("version":1)")), kVersion);
  EXPECT_EQ(parse_status(replaced(b, R"("version":2)", R"("version":3)")), kVersion);
  // Not an integer at all: a format error.
  EXPECT_EQ(parse_status(replaced(b, R"("version":2)", R"("version":"2")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("version":2,)", "")), kFormat);
}

TEST(QeIdentityNegative, UnknownTcbStatus) {
  const std::string b = cosmian_body();
  const std::string first = R"("tcbStatus":"UpToDate")";
  EXPECT_EQ(parse_status(replaced(b, first, R"("tcbStatus":"Bogus")")), kUnrecognized);
  EXPECT_EQ(parse_status(replaced(b, first, R"("tcbStatus":"uptodate")")), kUnrecognized);
  // Platform-only statuses have no meaning for an enclave identity.
  EXPECT_EQ(parse_status(replaced(b, first, R"("tcbStatus":"SWHardeningNeeded")")), kUnrecognized);
  EXPECT_EQ(parse_status(replaced(b, first, R"("tcbStatus":"ConfigurationNeeded")")),
            kUnrecognized);
  EXPECT_EQ(parse_status(replaced(b, first, R"("tcbStatus":"Revoked")")), Status::STATUS_OK);
  EXPECT_EQ(parse_status(replaced(b, first, R"("tcbStatus":"OutOfDate")")), Status::STATUS_OK);
  EXPECT_EQ(parse_status(replaced(b, first, R"("tcbStatus":7)")), kFormat);
}

TEST(QeIdentityNegative, BadHex) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(replaced(b, R"("mrsigner":"8C)", R"("mrsigner":"8)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("mrsigner":"8C)", R"("mrsigner":"8C00)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("mrsigner":"8C)", R"("mrsigner":"ZC)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("miscselect":"00000000")", R"("miscselect":"000000")")),
            kFormat);
  EXPECT_EQ(parse_status(
                replaced(b, R"("miscselectMask":"FFFFFFFF")", R"("miscselectMask":"FFFFFFFFFF")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("attributes":"11)", R"("attributes":"1)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("attributesMask":"FB)", R"("attributesMask":"FG)")),
            kFormat);
}

TEST(QeIdentityNegative, BadDatesAndNumbers) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(replaced(b, R"("issueDate":"2023-06-20T00:24:02Z")",
                                  R"("issueDate":"2023-06-20 00:24")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("nextUpdate":"2023-07-20T00:24:02Z")",
                                  R"("nextUpdate":"2023-07-32T00:24:02Z")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("tcbDate":"2023-02-15T00:00:00Z")", R"("tcbDate":"")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("isvprodid":1)", R"("isvprodid":65536)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("isvprodid":1)", R"("isvprodid":-1)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("isvsvn":8)", R"("isvsvn":65536)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("isvsvn":8)", R"("isvsvn":8.0)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("isvsvn":8)", R"("isvsvn":65535)")), Status::STATUS_OK);
}

TEST(QeIdentityNegative, DuplicateKeys) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(replaced(b, R"("isvprodid":1,)", R"("isvprodid":1,"isvprodid":2,)")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("id":"QE",)", R"("id":"QE","id":"QVE",)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"({"isvsvn":8})", R"({"isvsvn":8,"isvsvn":9})")), kFormat);
}

TEST(QeIdentityNegative, MissingFields) {
  const std::string b = cosmian_body();
  for (const char* member :
       {R"("id":"QE",)", R"("issueDate":"2023-06-20T00:24:02Z",)",
        R"("nextUpdate":"2023-07-20T00:24:02Z",)", R"("tcbEvaluationDataNumber":15,)",
        R"("miscselect":"00000000",)", R"("miscselectMask":"FFFFFFFF",)",
        R"("attributes":"11000000000000000000000000000000",)",
        R"("attributesMask":"FBFFFFFFFFFFFFFF0000000000000000",)", R"("isvprodid":1,)",
        R"("tcbDate":"2023-02-15T00:00:00Z",)", R"(,"tcbStatus":"UpToDate")"}) {
    EXPECT_EQ(parse_status(replaced(b, member, "")), kFormat) << member;
  }
  EXPECT_EQ(parse_status(replaced(b, R"({"isvsvn":8})", "{}")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"(,"mrsigner":")", R"(,"mrsignex":")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("id":"QE")", R"("id":"")")), kFormat);
  const std::size_t levels = b.find(R"("tcbLevels":)");
  ASSERT_NE(levels, std::string::npos);
  EXPECT_EQ(parse_status(b.substr(0, levels) + R"("tcbLevels":[]})"), kFormat);
  EXPECT_EQ(parse_status(b.substr(0, levels) + R"("tcbLevels":[1]})"), kFormat);
  EXPECT_EQ(parse_status(b.substr(0, levels) + R"("tcbLevels":{}})"), kFormat);
  EXPECT_EQ(parse_status(b.substr(0, levels - 1) + "}"), kFormat);
}

TEST(QeIdentityNegative, MalformedJson) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(""), kFormat);
  EXPECT_EQ(parse_status("[]"), kFormat);
  EXPECT_EQ(parse_status("\"QE\""), kFormat);
  EXPECT_EQ(parse_status(b.substr(0, b.size() - 1)), kFormat);
  EXPECT_EQ(parse_status(b + b), kFormat);
  // The PCS response body is not the signed object.
  EXPECT_EQ(parse_status(read_text(real_path("cosmian/msehome_2023-05_qe_identity.json"))),
            kFormat);
}

}  // namespace
}  // namespace ratls::attest
