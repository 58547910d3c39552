// `ratls-gateway verify --quote`: the real binary, real vectors, exit statuses and output forms.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "attest/bytes.h"
#include "tests/support/cli_output.h"
#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::test {
namespace {

using nlohmann::json;

const std::string kSgxQuote = real_path("dcap/phala_dcap_qvl/sgx_v3_quote.bin");
const std::string kSgxCollateral = real_path("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json");
const std::string kSgxTime = "2025-07-19T10:01:17Z";

CommandResult verify(std::vector<std::string> args) {
  args.insert(args.begin(), {gateway_binary(), "verify"});
  return run_command(args);
}

TEST(CliVerify, HelpAndVersion) {
  auto help = run_command({gateway_binary(), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("verify"), std::string::npos);
  auto version = run_command({gateway_binary(), "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("ratls-gateway "), std::string::npos);
  auto sub = run_command({gateway_binary(), "verify", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("--collateral"), std::string::npos);
}

TEST(CliVerify, DefaultPolicyRejectsConfigurationNeededWithJsonFields) {
  auto r =
      verify({"--quote", kSgxQuote, "--collateral", kSgxCollateral, "--at", kSgxTime, "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  json j = parse_json(r);
  EXPECT_EQ(j["verdict"], "rejected");
  EXPECT_EQ(j["tee"], "sgx");
  EXPECT_EQ(j["quote_version"], 3);
  EXPECT_EQ(j["tcb_status"], "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(j["platform_tcb_status"], "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(j["qe_tcb_status"], "UpToDate");
  EXPECT_EQ(j["advisory_ids"], json({"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_EQ(j["mrenclave"], "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(j["mrsigner"], "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
  EXPECT_EQ(j["isv_prod_id"], 0);
  EXPECT_EQ(j["isv_svn"], 0);
  EXPECT_EQ(j["debug"], false);
  EXPECT_EQ(j["report_data"].get<std::string>().substr(0, 26), "48656c6c6f2c20776f726c6421");
  EXPECT_EQ(j["fmspc"], "00a067110000");
  EXPECT_EQ(j["pce_id"], "0000");
  ASSERT_EQ(j["errors"].size(), 3u);
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED");
}

TEST(CliVerify, AcceptedWhenPolicyAllowsIt) {
  auto r = verify({"--quote", kSgxQuote, "--collateral", kSgxCollateral, "--at", kSgxTime,
                   "--accept-tcb", "UpToDate,ConfigurationAndSWHardeningNeeded", "--allow-advisory",
                   "INTEL-SA-00289", "--allow-advisory", "INTEL-SA-00615", "--mrenclave",
                   "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("VERIFIED\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("ConfigurationAndSWHardeningNeeded"), std::string::npos);
}

TEST(CliVerify, HumanReportStartsWithTheReason) {
  auto r = verify({"--quote", kSgxQuote, "--collateral", kSgxCollateral, "--at", kSgxTime,
                   "--accept-tcb", "ConfigurationAndSWHardeningNeeded", "--allow-advisory", "*",
                   "--mrenclave", std::string(64, 'a')});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind("REJECTED: MRENCLAVE 33d8736d", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("STATUS_POLICY_MRENCLAVE_NOT_ALLOWED"), std::string::npos);
}

TEST(CliVerify, HexQuoteFileIsDetected) {
  TempDir dir;
  auto hex = attest::to_hex(read_bytes(kSgxQuote));
  std::string text;
  for (std::size_t i = 0; i < hex.size(); i += 64) text += hex.substr(i, 64) + "\n";
  auto path = dir.write("quote.hex", text);
  auto r = verify({"--quote", path, "--collateral", kSgxCollateral, "--at", kSgxTime, "--json"});
  EXPECT_EQ(parse_json(r)["tcb_status"], "ConfigurationAndSWHardeningNeeded");
}

TEST(CliVerify, WithoutCollateralReportsFieldsButRejects) {
  TempDir empty_cache;  // --offline: no collateral service is contacted
  auto r = verify({"--quote", kSgxQuote, "--at", kSgxTime, "--json", "--offline", "--cache-dir",
                   empty_cache.file("c")});
  EXPECT_EQ(r.exit_code, 1);
  json j = parse_json(r);
  EXPECT_EQ(j["verdict"], "rejected");
  EXPECT_EQ(j["tcb_status"], nullptr);
  EXPECT_EQ(j["mrenclave"], "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(j["fmspc"], "00a067110000");
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_MISSING_COLLATERAL");
}

TEST(CliVerify, CollateralDirectoryForm) {
  TempDir dir;
  const std::string src = "dcap/google_go_tdx_guest/";
  std::filesystem::create_directory(dir.path() / "coll");
  auto put = [&](const std::string& from, const std::string& to) {
    std::filesystem::copy_file(real_path(src + from), dir.path() / "coll" / to);
  };
  put("tdx_tcb_info_fmspc_50806f000000.response.json", "tcb_info.json");
  put("tdx_qe_identity.response.json", "qe_identity.json");
  put("tcb_info_issuer_chain.header.pem", "tcb_info_issuer_chain.pem");
  put("qe_identity_issuer_chain.header.pem", "qe_identity_issuer_chain.pem");
  put("pck_crl_platform.der", "pck_crl.der");
  put("root_ca_crl.der", "root_ca_crl.der");
  auto r = verify({"--quote", real_path(src + "tdx_v4_quote_spr_e4.bin"), "--collateral",
                   dir.file("coll"), "--at", "2023-07-01T01:00:00Z", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  json j = parse_json(r);
  EXPECT_EQ(j["tee"], "tdx");
  EXPECT_EQ(j["qe_tcb_status"], "UpToDate");
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_TCB_NOT_SUPPORTED");
}

TEST(CliVerify, CosmianEvidenceIsStrictlyRejected) {
  auto r = verify({"--quote", real_path("cosmian/msehome_2023-05_ratls_quote.bin"), "--collateral",
                   real_path("cosmian/msehome_2023-05_evidence.json"), "--at",
                   "2023-06-25T00:00:00Z", "--signer-key",
                   real_path("cosmian/cosmian_enclave_signer_pubkey_rsa3072.pem"), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  json j = parse_json(r);
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_SGX_CRL_EXPIRED");
  EXPECT_EQ(j["mrsigner"], "c1c161d0dd996e8a9847de67ea2c00226761f7715a2c422d3012ac10795a1ef5");
}

TEST(CliVerify, CustomRootWarnsAndDoesNotTrustIntel) {
  auto r = verify({"--quote", kSgxQuote, "--collateral", kSgxCollateral, "--at", kSgxTime,
                   "--root-ca", real_path("cosmian/intel_sgx_pck_platform_ca.pem"), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("warning: trusting"), std::string::npos);
  EXPECT_EQ(parse_json(r)["errors"][0]["code"], "STATUS_SGX_ROOT_CA_UNTRUSTED");
}

TEST(CliVerify, UnusableInputExitsTwoWithOneLine) {
  TempDir dir;
  auto not_quote = dir.write("junk.bin", std::string("\x01\x02\x03 not a quote", 16));
  const std::vector<std::vector<std::string>> cases = {
      {"--quote", dir.file("missing.bin")},
      {"--quote", not_quote},
      {"--quote", kSgxQuote, "--mrenclave", "abc"},
      {"--quote", kSgxQuote, "--at", "yesterday"},
      {"--quote", kSgxQuote, "--accept-tcb", "Fine"},
      {"--quote", kSgxQuote, "--accept-tcb", "Revoked"},
      {"--quote", kSgxQuote, "--collateral", not_quote},
      {"--quote", kSgxQuote, "--signer-key", kSgxQuote},
      {"--quote", kSgxQuote, "--isv-prod-id", "70000"},
      {"--bogus-flag"},
      {},
  };
  for (const auto& args : cases) {
    auto r = verify(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.out << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
}

TEST(CliVerify, MissingFileMessageNamesTheFile) {
  TempDir dir;
  auto r = verify({"--quote", dir.file("nope.bin")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.bin"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace ratls::test

namespace ratls::test {
namespace {

TEST(CliVerifyCert, RealCosmianCertificateReportsItsFields) {
  TempDir empty_cache;  // --offline: no collateral service is contacted
  auto r =
      verify({"--cert", real_path("cosmian/cloud_2023-09_devcosmianio_ratls_cert.pem"), "--at",
              "2023-09-19T10:00:00Z", "--json", "--offline", "--cache-dir", empty_cache.file("c")});
  EXPECT_EQ(r.exit_code, 1);  // no collateral: never accepted
  json j = parse_json(r);
  EXPECT_EQ(j["format"], "cosmian-sgx");
  EXPECT_EQ(j["binding"], "ok");
  EXPECT_EQ(j["enclave_x25519_public_key"],
            "bbffec2ccfc20eb7a75e5d4aec0930d27ba3fe003e4189629cea59a717d79018");
  EXPECT_EQ(j["cert_sha256"], "b76c583a054f02613fdde83f3fa42063f43bc95c51980e37fd7c8a43887f6acd");
  EXPECT_EQ(j["mrenclave"], "958e39c89abec8cfb5ce01961a50860c770c75b01e64ed77847097f9705ed7bd");
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_MISSING_COLLATERAL");
}

TEST(CliVerifyCert, DebugEnclaveAndWebPkiCertificatesAreRejected) {
  TempDir empty_cache;  // --offline: no collateral service is contacted
  auto debug =
      verify({"--cert", real_path("cosmian/teetools_2023-12_DEBUG_enclave_ratls_cert.pem"), "--at",
              "2024-01-10T00:00:00Z", "--json", "--offline", "--cache-dir", empty_cache.file("c")});
  EXPECT_EQ(debug.exit_code, 1);
  EXPECT_NE(debug.out.find("STATUS_POLICY_DEBUG_ENCLAVE"), std::string::npos) << debug.out;
  auto webpki =
      verify({"--cert",
              real_path("cosmian/owner_ssl_letsencrypt_fullchain_wildcard_dev.cosmilink.com.pem")});
  EXPECT_EQ(webpki.exit_code, 1);
  EXPECT_NE(webpki.out.find("not an RA-TLS certificate"), std::string::npos)
      << webpki.out << webpki.err;
}

}  // namespace
}  // namespace ratls::test
