// parse_tcb_info (attest/tcb_info.h) on every real TCB info body (dcap-qvl collateral, PCS
// responses of go-tdx-guest and Cosmian), then one malformation at a time on copies of them.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/tcb_info.h"
#include "tests/support/mutations.h"
#include "tests/support/testdata.h"

namespace ratls::attest {
namespace {

using test::replaced;
using test::status_of;

using test::at;
using test::read_text;
using test::real_path;

constexpr Status kFormat = Status::STATUS_SGX_TCB_INFO_UNSUPPORTED_FORMAT;
constexpr Status kUnrecognized = Status::STATUS_TCB_UNRECOGNIZED_STATUS;

// The `tcb_info` string of a dcap-qvl collateral file, decoded with nlohmann::json directly.
std::string dcap_qvl_body(const std::string& relative) {
  return nlohmann::json::parse(read_text(real_path(relative))).at("tcb_info").get<std::string>();
}
std::string response_body(const std::string& relative) {
  return split_signed_response(read_text(real_path(relative)), "tcbInfo", kFormat).body;
}
std::string sgx_v3_body() {
  return dcap_qvl_body("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json");
}
std::string tdx_v4_body() {
  return dcap_qvl_body("dcap/phala_dcap_qvl/tdx_v4_quote.collateral.json");
}
std::string cosmian_body() {
  return response_body("cosmian/msehome_2023-05_tcbinfo_fmspc30606A000000.json");
}
std::string go_tdx_body() {
  return response_body("dcap/google_go_tdx_guest/tdx_tcb_info_fmspc_50806f000000.response.json");
}

Status parse_status(const std::string& body) {
  return status_of([&] { parse_tcb_info(body); });
}

std::vector<int> ints(const std::array<std::uint8_t, 16>& a) {
  return std::vector<int>(a.begin(), a.end());
}

// "\"text\"", built by appending (operator+ on a literal prefix trips GCC 12's false -Wrestrict).
std::string quoted(const char* text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

using Ints = std::vector<int>;
using Strings = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// Real documents

TEST(TcbInfoReal, PhalaSgxV3) {
  const TcbInfo t = parse_tcb_info(sgx_v3_body());
  EXPECT_EQ(t.id, "SGX");
  EXPECT_EQ(t.version, 3);
  EXPECT_EQ(t.issue_date, at("2025-06-19T10:56:11Z"));
  EXPECT_EQ(t.next_update, at("2025-07-19T10:56:11Z"));
  EXPECT_EQ(to_hex(t.fmspc), "00a067110000");
  EXPECT_EQ(to_hex(t.pce_id), "0000");
  EXPECT_EQ(t.tcb_type, 0);
  EXPECT_EQ(t.tcb_evaluation_data_number, 17u);
  ASSERT_EQ(t.levels.size(), 11u);
  const TcbLevel& first = t.levels[0];
  EXPECT_EQ(ints(first.sgx_components),
            (Ints{11, 11, 2, 2, 255, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(first.pcesvn, 13);
  EXPECT_FALSE(first.tdx_components);
  EXPECT_EQ(first.tcb_date, at("2024-03-13T00:00:00Z"));
  EXPECT_EQ(first.status, TcbStatus::kSWHardeningNeeded);
  EXPECT_EQ(first.advisory_ids, (Strings{"INTEL-SA-00615"}));
  // The level dcap-qvl's test matches (ConfigurationAndSWHardeningNeeded, 00289 + 00615).
  EXPECT_EQ(t.levels[1].status, TcbStatus::kConfigurationAndSWHardeningNeeded);
  EXPECT_EQ(t.levels[1].advisory_ids, (Strings{"INTEL-SA-00289", "INTEL-SA-00615"}));
  const TcbLevel& last = t.levels.back();
  EXPECT_EQ(ints(last.sgx_components), (Ints{5, 5, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(last.pcesvn, 5);
  EXPECT_EQ(last.tcb_date, at("2018-01-04T00:00:00Z"));
  EXPECT_EQ(last.status, TcbStatus::kOutOfDate);
  EXPECT_FALSE(t.tdx_module);
  EXPECT_TRUE(t.tdx_module_identities.empty());
}

TEST(TcbInfoReal, PhalaTdxV4WithModuleIdentities) {
  const TcbInfo t = parse_tcb_info(tdx_v4_body());
  EXPECT_EQ(t.id, "TDX");
  EXPECT_EQ(t.version, 3);
  EXPECT_EQ(t.issue_date, at("2025-06-19T10:16:03Z"));
  EXPECT_EQ(t.next_update, at("2025-07-19T10:16:03Z"));
  EXPECT_EQ(to_hex(t.fmspc), "b0c06f000000");
  EXPECT_EQ(t.tcb_evaluation_data_number, 17u);
  ASSERT_EQ(t.levels.size(), 2u);
  const TcbLevel& first = t.levels[0];
  EXPECT_EQ(ints(first.sgx_components), (Ints{2, 2, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(first.pcesvn, 11);
  ASSERT_TRUE(first.tdx_components);
  EXPECT_EQ(ints(*first.tdx_components), (Ints{5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(first.status, TcbStatus::kUpToDate);
  EXPECT_TRUE(first.advisory_ids.empty());
  EXPECT_EQ(t.levels[1].status, TcbStatus::kOutOfDate);
  EXPECT_EQ(t.levels[1].advisory_ids.size(), 14u);
  EXPECT_EQ(t.levels[1].advisory_ids.front(), "INTEL-SA-00106");
  EXPECT_EQ(t.levels[1].advisory_ids.back(), "INTEL-SA-00837");
  ASSERT_TRUE(t.tdx_module);
  EXPECT_EQ(to_hex(t.tdx_module->mrsigner), std::string(96, '0'));
  EXPECT_EQ(to_hex(t.tdx_module->attributes), "0000000000000000");
  EXPECT_EQ(to_hex(t.tdx_module->attributes_mask), "ffffffffffffffff");
  ASSERT_EQ(t.tdx_module_identities.size(), 2u);
  const TdxModuleIdentity& m3 = t.tdx_module_identities[0];
  EXPECT_EQ(m3.id, "TDX_03");
  ASSERT_EQ(m3.levels.size(), 1u);
  EXPECT_EQ(m3.levels[0].isvsvn, 3);
  EXPECT_EQ(m3.levels[0].status, TcbStatus::kUpToDate);
  const TdxModuleIdentity& m1 = t.tdx_module_identities[1];
  EXPECT_EQ(m1.id, "TDX_01");
  EXPECT_EQ(to_hex(m1.module.attributes_mask), "ffffffffffffffff");
  ASSERT_EQ(m1.levels.size(), 2u);
  EXPECT_EQ(m1.levels[0].isvsvn, 4);
  EXPECT_EQ(m1.levels[0].tcb_date, at("2024-03-13T00:00:00Z"));
  EXPECT_EQ(m1.levels[0].status, TcbStatus::kUpToDate);
  EXPECT_EQ(m1.levels[1].isvsvn, 2);
  EXPECT_EQ(m1.levels[1].tcb_date, at("2023-08-09T00:00:00Z"));
  EXPECT_EQ(m1.levels[1].status, TcbStatus::kOutOfDate);
}

TEST(TcbInfoReal, PhalaTdxV5) {
  const TcbInfo t = parse_tcb_info(
      dcap_qvl_body("dcap/phala_dcap_qvl/tdx_v5_td15_quote_no_tcb_level.collateral.json"));
  EXPECT_EQ(t.id, "TDX");
  EXPECT_EQ(to_hex(t.fmspc), "90c06f000000");
  EXPECT_EQ(t.issue_date, at("2026-02-18T10:58:51Z"));
  EXPECT_EQ(t.next_update, at("2026-03-20T10:58:51Z"));
  EXPECT_EQ(t.tcb_evaluation_data_number, 18u);
  ASSERT_EQ(t.levels.size(), 3u);
  EXPECT_EQ(ints(t.levels[0].sgx_components),
            (Ints{3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(t.levels[0].pcesvn, 13);
  ASSERT_EQ(t.tdx_module_identities.size(), 2u);
  const TdxModuleIdentity& m1 = t.tdx_module_identities[1];
  EXPECT_EQ(m1.id, "TDX_01");
  ASSERT_EQ(m1.levels.size(), 3u);
  EXPECT_EQ(m1.levels[0].isvsvn, 6);
  EXPECT_EQ(m1.levels[1].advisory_ids, (Strings{"INTEL-SA-01036", "INTEL-SA-01099"}));
}

TEST(TcbInfoReal, GoTdxGuestResponseWithoutModuleIdentities) {
  const TcbInfo t = parse_tcb_info(go_tdx_body());
  EXPECT_EQ(t.id, "TDX");
  EXPECT_EQ(t.version, 3);
  EXPECT_EQ(t.issue_date, at("2023-06-18T08:42:58Z"));
  EXPECT_EQ(t.next_update, at("2023-07-18T08:42:58Z"));
  EXPECT_EQ(to_hex(t.fmspc), "50806f000000");
  EXPECT_EQ(to_hex(t.pce_id), "0000");
  EXPECT_EQ(t.tcb_evaluation_data_number, 15u);
  ASSERT_EQ(t.levels.size(), 2u);
  // go-tdx-guest: every level needs [5,5,2,2,3,1,0,3] (the SPR E4 platform is below them).
  EXPECT_EQ(ints(t.levels[0].sgx_components),
            (Ints{5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(t.levels[0].pcesvn, 11);
  ASSERT_TRUE(t.levels[0].tdx_components);
  EXPECT_EQ(ints(*t.levels[0].tdx_components),
            (Ints{3, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(t.levels[0].status, TcbStatus::kUpToDate);
  EXPECT_EQ(t.levels[0].tcb_date, at("2023-02-15T00:00:00Z"));
  EXPECT_EQ(t.levels[1].status, TcbStatus::kOutOfDate);
  EXPECT_EQ(t.levels[1].pcesvn, 5);
  EXPECT_EQ(t.levels[1].advisory_ids.size(), 13u);
  ASSERT_TRUE(t.tdx_module);
  EXPECT_EQ(to_hex(t.tdx_module->attributes_mask), "ffffffffffffffff");
  EXPECT_TRUE(t.tdx_module_identities.empty());
}

TEST(TcbInfoReal, CosmianMsehome) {
  const TcbInfo t = parse_tcb_info(cosmian_body());
  EXPECT_EQ(t.id, "SGX");
  EXPECT_EQ(t.version, 3);
  EXPECT_EQ(t.issue_date, at("2023-05-30T00:45:00Z"));
  EXPECT_EQ(t.next_update, at("2023-06-29T00:45:00Z"));
  EXPECT_EQ(to_hex(t.fmspc), "30606a000000");
  EXPECT_EQ(to_hex(t.pce_id), "0000");
  EXPECT_EQ(t.tcb_evaluation_data_number, 15u);
  ASSERT_EQ(t.levels.size(), 7u);
  EXPECT_EQ(ints(t.levels[0].sgx_components),
            (Ints{11, 11, 3, 3, 255, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(t.levels[0].pcesvn, 13);
  EXPECT_EQ(t.levels[0].status, TcbStatus::kSWHardeningNeeded);
  EXPECT_EQ(t.levels[0].advisory_ids, (Strings{"INTEL-SA-00615"}));
  EXPECT_EQ(t.levels[3].status, TcbStatus::kOutOfDateConfigurationNeeded);
  // The level the msehome platform ([4,4,3,3,255,255,0..], PCESVN 11) lands on (SOURCES.md A).
  const TcbLevel& l = t.levels[4];
  EXPECT_EQ(ints(l.sgx_components), (Ints{4, 4, 3, 3, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(l.pcesvn, 11);
  EXPECT_EQ(l.tcb_date, at("2021-11-10T00:00:00Z"));
  EXPECT_EQ(l.status, TcbStatus::kOutOfDate);
  EXPECT_EQ(l.advisory_ids,
            (Strings{"INTEL-SA-00586", "INTEL-SA-00614", "INTEL-SA-00615", "INTEL-SA-00657",
                     "INTEL-SA-00730", "INTEL-SA-00738", "INTEL-SA-00767"}));
  EXPECT_EQ(t.levels.back().advisory_ids.size(), 20u);
}

// ---------------------------------------------------------------------------------------------
// Version 2 (PCS v3 API): no id, sgxtcbcompNNsvn members.

std::string v2_document(const std::string& status = "UpToDate", int components = 16) {
  std::string tcb;
  for (int i = 1; i <= components; ++i) {
    char key[64];
    std::snprintf(key, sizeof key, "\"sgxtcbcomp%02dsvn\":%d,", i, i + 100);
    tcb += key;
  }
  return R"({"version":2,"issueDate":"2020-01-02T03:04:05Z","nextUpdate":"2020-02-02T03:04:05Z",)"
         R"("fmspc":"00906EA10000","pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":5,)"
         R"("tcbLevels":[{"tcb":{)" +
         tcb + R"("pcesvn":10},"tcbDate":"2019-11-13T00:00:00Z","tcbStatus":")" + status +
         R"("}]})";
}

TEST(TcbInfoV2, ParsesNumberedComponents) {
  const TcbInfo t = parse_tcb_info(v2_document());
  EXPECT_EQ(t.version, 2);
  EXPECT_EQ(t.id, "SGX");
  EXPECT_EQ(t.issue_date, at("2020-01-02T03:04:05Z"));
  EXPECT_EQ(to_hex(t.fmspc), "00906ea10000");
  EXPECT_EQ(t.tcb_evaluation_data_number, 5u);
  ASSERT_EQ(t.levels.size(), 1u);
  EXPECT_EQ(ints(t.levels[0].sgx_components),
            (Ints{101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116}));
  EXPECT_EQ(t.levels[0].pcesvn, 10);
  EXPECT_EQ(t.levels[0].status, TcbStatus::kUpToDate);
  EXPECT_TRUE(t.levels[0].advisory_ids.empty());
}

TEST(TcbInfoV2, NegativeCases) {
  EXPECT_EQ(parse_status(v2_document("UpToDate", 15)), kFormat);  // sgxtcbcomp16svn missing
  EXPECT_EQ(parse_status(v2_document("Bogus")), kUnrecognized);
  // Version 2 with an explicit id: SGX only.
  EXPECT_EQ(
      parse_tcb_info(replaced(v2_document(), R"("version":2,)", R"("version":2,"id":"SGX",)")).id,
      "SGX");
  EXPECT_EQ(parse_status(replaced(v2_document(), R"("version":2,)", R"("version":2,"id":"TDX",)")),
            kFormat);
  // Version 3 components layout under version 2.
  EXPECT_EQ(parse_status(replaced(cosmian_body(), R"("version":3)", R"("version":2)")), kFormat);
}

// ---------------------------------------------------------------------------------------------
// One malformation at a time

TEST(TcbInfoNegative, UnknownTcbStatusIsUnrecognized) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(replaced(b, R"("SWHardeningNeeded")", R"("Bogus")")), kUnrecognized);
  EXPECT_EQ(parse_status(replaced(b, R"("SWHardeningNeeded")", R"("swhardeningneeded")")),
            kUnrecognized);
  EXPECT_EQ(parse_status(replaced(b, R"("SWHardeningNeeded")", R"("")")), kUnrecognized);
  // Verdicts the verifier derives are never Intel's JSON.
  EXPECT_EQ(parse_status(replaced(b, R"("SWHardeningNeeded")", R"("TDRelaunchAdvised")")),
            kUnrecognized);
  // A non-string status is a format error.
  EXPECT_EQ(parse_status(replaced(b, R"("SWHardeningNeeded")", "1")), kFormat);
  // Every status Intel defines for platform levels is accepted.
  for (const char* s :
       {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
        "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked"}) {
    EXPECT_EQ(parse_status(replaced(b, R"("SWHardeningNeeded")", quoted(s))), Status::STATUS_OK)
        << s;
  }
}

TEST(TcbInfoNegative, TdxModuleLevelsOnlyTakeIsvStatuses) {
  const std::string b = tdx_v4_body();
  const std::string anchor = R"("id":"TDX_01")";
  EXPECT_EQ(parse_status(replaced(b, R"("UpToDate")", R"("SWHardeningNeeded")", anchor)),
            kUnrecognized);
  EXPECT_EQ(parse_status(replaced(b, R"("UpToDate")", R"("Bogus")", anchor)), kUnrecognized);
  EXPECT_EQ(parse_status(replaced(b, R"("UpToDate")", R"("Revoked")", anchor)), Status::STATUS_OK);
}

TEST(TcbInfoNegative, WrongComponentCount) {
  const std::string b = cosmian_body();
  const std::string sixteenth = R"({"svn":0},{"svn":0}],"pcesvn")";
  EXPECT_EQ(parse_status(replaced(b, sixteenth, R"({"svn":0}],"pcesvn")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, sixteenth, R"({"svn":0},{"svn":0},{"svn":0}],"pcesvn")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("sgxtcbcomponents":)", R"("sgxtcbcomponents":{},"x":)")),
            kFormat);
  // TDX components of a TDX level.
  const std::string t = tdx_v4_body();
  EXPECT_EQ(parse_status(replaced(t, R"(,{"svn":0}]},"tcbDate")", R"(]},"tcbDate")")), kFormat);
  EXPECT_EQ(parse_status(replaced(t, R"("tdxtcbcomponents")", R"("tdxtcbcomponentz")")), kFormat);
}

TEST(TcbInfoNegative, ComponentValuesOutOfRange) {
  const std::string b = cosmian_body();
  const std::string first = R"({"svn":11,)";
  EXPECT_EQ(parse_status(replaced(b, first, R"({"svn":256,)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, first, R"({"svn":-1,)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, first, R"({"svn":1.5,)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, first, R"({"svn":"11",)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, first, R"({"svn":255,)")), Status::STATUS_OK);
  EXPECT_EQ(parse_status(replaced(b, R"("pcesvn":13)", R"("pcesvn":65536)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("pcesvn":13)", R"("pcesvn":65535)")), Status::STATUS_OK);
  EXPECT_EQ(parse_status(replaced(b, R"("tcbEvaluationDataNumber":15)",
                                  R"("tcbEvaluationDataNumber":4294967296)")),
            kFormat);
}

TEST(TcbInfoNegative, BadHex) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(replaced(b, R"("fmspc":"30606A000000")", R"("fmspc":"30606A00000G")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("fmspc":"30606A000000")", R"("fmspc":"30606A0000")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("fmspc":"30606A000000")", R"("fmspc":"30606A00000000")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("fmspc":"30606A000000")", R"("fmspc":"30606A00000")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("pceId":"0000")", R"("pceId":"00 0")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("pceId":"0000")", R"("pceId":0)")), kFormat);
  // Lowercase hex is fine.
  EXPECT_EQ(parse_status(replaced(b, R"("fmspc":"30606A000000")", R"("fmspc":"30606a000000")")),
            Status::STATUS_OK);
  const std::string t = tdx_v4_body();
  EXPECT_EQ(parse_status(replaced(t, R"("attributesMask":"FFFFFFFFFFFFFFFF")",
                                  R"("attributesMask":"FFFFFFFFFFFFFFF")")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(t, R"("mrsigner":"0)", R"("mrsigner":"x)", R"("id":"TDX_01")")),
            kFormat);
}

TEST(TcbInfoNegative, BadDates) {
  const std::string b = cosmian_body();
  const std::string issue = R"("issueDate":"2023-05-30T00:45:00Z")";
  EXPECT_EQ(parse_status(replaced(b, issue, R"("issueDate":"2023-05-30")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, issue, R"("issueDate":"2023-13-30T00:45:00Z")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, issue, R"("issueDate":"2023-05-30T24:45:00Z")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, issue, R"("issueDate":"yesterday")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, issue, R"("issueDate":1685407500)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("tcbDate":"2023-02-15T00:00:00Z")",
                                  R"("tcbDate":"2023-02-30T00:00:00Z")")),
            kFormat);
  // An offset is RFC 3339 too.
  const TcbInfo t =
      parse_tcb_info(replaced(b, issue, R"("issueDate":"2023-05-30T02:45:00+02:00")"));
  EXPECT_EQ(t.issue_date, at("2023-05-30T00:45:00Z"));
}

TEST(TcbInfoNegative, UnsupportedVersionOrId) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(replaced(b, R"("version":3)", R"("version":4)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("version":3)", R"("version":1)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("version":3)", R"("version":"3")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("id":"SGX")", R"("id":"SEV")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("id":"SGX",)", "")), kFormat);  // v3 must name the TEE
  // A TDX document needs the TDX members.
  EXPECT_EQ(parse_status(replaced(b, R"("id":"SGX")", R"("id":"TDX")")), kFormat);
}

TEST(TcbInfoNegative, DuplicateKeysAreRejected) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(replaced(b, R"("fmspc":"30606A000000",)",
                                  R"("fmspc":"30606A000000","fmspc":"00906EA10000",)")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("pcesvn":13)", R"("pcesvn":13,"pcesvn":14)")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("tcbStatus":"SWHardeningNeeded")",
                                  R"("tcbStatus":"SWHardeningNeeded","tcbStatus":"UpToDate")")),
            kFormat);
}

TEST(TcbInfoNegative, MissingFields) {
  const std::string b = cosmian_body();
  for (const char* member :
       {R"("issueDate":"2023-05-30T00:45:00Z",)", R"("nextUpdate":"2023-06-29T00:45:00Z",)",
        R"("fmspc":"30606A000000",)", R"("pceId":"0000",)", R"("tcbType":0,)",
        R"("tcbEvaluationDataNumber":15,)", R"("tcbDate":"2023-02-15T00:00:00Z",)",
        R"(,"pcesvn":13)", R"(,"tcbStatus":"SWHardeningNeeded")"}) {
    EXPECT_EQ(parse_status(replaced(b, member, "")), kFormat) << member;
  }
  // No levels at all.
  const std::size_t levels = b.find(R"("tcbLevels":)");
  ASSERT_NE(levels, std::string::npos);
  EXPECT_EQ(parse_status(b.substr(0, levels) + R"("tcbLevels":[]})"), kFormat);
  EXPECT_EQ(parse_status(b.substr(0, levels) + R"("tcbLevels":{}})"), kFormat);
  EXPECT_EQ(parse_status(b.substr(0, levels - 1) + "}"), kFormat);
  // TDX: module and module identity members.
  const std::string t = tdx_v4_body();
  EXPECT_EQ(parse_status(replaced(t, R"("tdxModule":)", R"("tdxModulf":)")), kFormat);
  EXPECT_EQ(parse_status(replaced(t, R"("id":"TDX_03",)", "")), kFormat);
  EXPECT_EQ(parse_status(
                replaced(t, R"("tcbLevels":[{"tcb":{"isvsvn":3},)", R"("tcbLevels":[{"tcb":{},)")),
            kFormat);
  EXPECT_EQ(parse_status(replaced(t, R"("tcbLevels":[{"tcb":{"isvsvn":3},)",
                                  R"("tcbLevels":[],"x":[{"tcb":{"isvsvn":3},)")),
            kFormat);
  // Advisory IDs, when present, are an array of strings.
  EXPECT_EQ(parse_status(replaced(b, R"(["INTEL-SA-00615"])", R"("INTEL-SA-00615")")), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"(["INTEL-SA-00615"])", R"([615])")), kFormat);
}

TEST(TcbInfoNegative, MalformedJson) {
  const std::string b = cosmian_body();
  EXPECT_EQ(parse_status(""), kFormat);
  EXPECT_EQ(parse_status("[]"), kFormat);
  EXPECT_EQ(parse_status("null"), kFormat);
  EXPECT_EQ(parse_status(b.substr(0, b.size() - 1)), kFormat);
  EXPECT_EQ(parse_status(b + "}"), kFormat);
  EXPECT_EQ(parse_status(b + ",{}"), kFormat);
  EXPECT_EQ(parse_status(replaced(b, R"("tcbType":0,)", R"("tcbType":0,,)")), kFormat);
  // Deep nesting is bounded.
  EXPECT_EQ(parse_status(replaced(
                b, R"("tcbType":0,)",
                R"("x":)" + std::string(100, '[') + std::string(100, ']') + R"(,"tcbType":0,)")),
            kFormat);
  // Whitespace around the object is fine.
  EXPECT_EQ(parse_status(" \n" + b + "\n "), Status::STATUS_OK);
}

}  // namespace
}  // namespace ratls::attest
