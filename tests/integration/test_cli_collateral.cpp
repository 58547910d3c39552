// `ratls-gateway verify` without --collateral: the real binary fetches from a PCS-compatible test
// server on loopback (trusted through SSL_CERT_FILE, as users would), caches, and works --offline.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/cli_output.h"
#include "tests/support/pcs_fixture.h"
#include "tests/support/process.h"
#include "tests/support/testdata.h"

namespace ratls::test {
namespace {

using nlohmann::json;

const std::string kSgxQuote = real_path("dcap/phala_dcap_qvl/sgx_v3_quote.bin");
const std::string kSgxCollateral = real_path("dcap/phala_dcap_qvl/sgx_v3_quote.collateral.json");
const std::string kSgxTime = "2025-07-19T10:01:17Z";

class CliCollateral : public ::testing::Test {
 protected:
  void SetUp() override {
    PcsServerOptions o;
    o.collateral_json = kSgxCollateral;
    server_ = std::make_unique<PcsServer>(o);
    // The child inherits it: OpenSSL's default verify paths then trust the test CA only.
    setenv("SSL_CERT_FILE", server_->ca_file().c_str(), 1);
    setenv("SSL_CERT_DIR", dir_.file("no-certs").c_str(), 1);
  }
  void TearDown() override {
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
  }

  CommandResult verify(std::vector<std::string> args) {
    args.insert(args.begin(),
                {gateway_binary(), "verify", "--quote", kSgxQuote, "--at", kSgxTime, "--json"});
    return run_command(args);
  }

  TempDir dir_;
  std::unique_ptr<PcsServer> server_;
};

TEST_F(CliCollateral, FetchesCachesAndThenWorksOffline) {
  const std::string cache = dir_.file("cache");
  auto r = verify({"--pccs", server_->base_url(), "--cache-dir", cache});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the default policy wants UpToDate
  json j = parse_json(r);
  EXPECT_EQ(j["tcb_status"], "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(j["advisory_ids"], json({"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_EQ(j["collateral_source"], "collateral service " + server_->base_url());
  ASSERT_EQ(j["errors"].size(), 3u);
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_POLICY_TCB_STATUS_NOT_ACCEPTED");
  EXPECT_EQ(server_->requests(), 4);
  EXPECT_EQ(r.err, "");

  auto offline = verify({"--offline", "--cache-dir", cache});
  EXPECT_EQ(offline.exit_code, 1) << offline.err;
  json o = parse_json(offline);
  EXPECT_EQ(o["tcb_status"], "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(o["collateral_source"], "collateral cache " + cache + " (offline)");
  EXPECT_EQ(server_->requests(), 4);

  auto accepted = verify({"--offline", "--cache-dir", cache, "--accept-tcb",
                          "ConfigurationAndSWHardeningNeeded", "--allow-advisory", "*"});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;
}

TEST_F(CliCollateral, OfflineWithoutCacheSaysWhatIsMissing) {
  auto r = verify({"--offline", "--cache-dir", dir_.file("empty")});
  EXPECT_EQ(r.exit_code, 1);
  json j = parse_json(r);
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_MISSING_COLLATERAL");
  const std::string message = j["errors"][0]["message"];
  EXPECT_TRUE(contains(message, "SGX TCB info for FMSPC 00A067110000: not in the collateral cache"))
      << message;
  EXPECT_TRUE(contains(message, "offline mode forbids fetching it")) << message;
  EXPECT_EQ(server_->requests(), 0);
}

TEST_F(CliCollateral, ServiceFailureIsAVerificationFailureNamingTheUrl) {
  server_->set_mode("500");
  auto r = verify({"--pccs", server_->base_url(), "--cache-dir", dir_.file("cache")});
  EXPECT_EQ(r.exit_code, 1);
  json j = parse_json(r);
  ASSERT_FALSE(j["errors"].empty());
  EXPECT_EQ(j["errors"][0]["code"], "STATUS_MISSING_COLLATERAL");
  const std::string message = j["errors"][0]["message"];
  EXPECT_TRUE(
      contains(message, "fetching " + server_->base_url() +
                            "/sgx/certification/v4/tcb?fmspc=00A067110000 failed: HTTP 500"))
      << message;
}

TEST_F(CliCollateral, UntrustedServiceCertificateIsRefused) {
  unsetenv("SSL_CERT_FILE");  // the system store remains, which does not know the test CA
  auto r = verify({"--pccs", server_->base_url(), "--cache-dir", dir_.file("cache")});
  EXPECT_EQ(r.exit_code, 1);
  const std::string message = parse_json(r)["errors"][0]["message"];
  EXPECT_TRUE(contains(message, "is not trusted")) << message;
  EXPECT_EQ(server_->requests(), 0);
}

TEST_F(CliCollateral, ContradictoryFlagsAreUsageErrors) {
  auto both = verify({"--offline", "--pccs", server_->base_url()});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_TRUE(contains(both.err, "--offline cannot be combined with --pccs")) << both.err;
  auto with_file = verify({"--collateral", kSgxCollateral, "--pccs", server_->base_url()});
  EXPECT_EQ(with_file.exit_code, 2);
  auto bad_url = verify({"--pccs", "http://127.0.0.1:1", "--cache-dir", dir_.file("c")});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_TRUE(contains(bad_url.err, "expected an https:// base URL")) << bad_url.err;
  EXPECT_EQ(server_->requests(), 0);
}

// The daemon with trust.root_ca naming a root file (not a simulated hierarchy directory) and no
// collateral.offline: collateral comes from collateral.pccs.
class GatewayCollateral : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_command({gateway_binary(), "sim", "init", sim_}).exit_code, 0);
    const CommandResult issued =
        run_command({gateway_binary(), "sim", "issue", sim_, "--mrenclave", std::string(64, 'a'),
                     "--cert", dir_.file("app.pem"), "--key", dir_.file("app.key")});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;
    PcsServerOptions po;
    po.dir = sim_ + "/collateral";
    server_ = std::make_unique<PcsServer>(po);
    const int app_port = free_loopback_port();
    const std::string peer =
        (std::filesystem::path(RATLS_SOURCE_DIR) / "tests/integration/peers/https_app.py").string();
    app_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/bin/python3", peer, std::to_string(app_port),
                                 dir_.file("app.pem"), dir_.file("app.key"), "app"},
        dir_.file("app.log"));
    ASSERT_TRUE(wait_for_port(app_port));
    port_ = free_loopback_port();
    const json config = {
        {"listen", {"127.0.0.1:" + std::to_string(port_)}},
        {"apps",
         {{{"name", "app"}, {"upstream", "https://127.0.0.1:" + std::to_string(app_port)}}}},
        {"trust", {{"root_ca", sim_ + "/root_ca.pem"}}},
        {"collateral", {{"pccs", server_->base_url()}, {"cache_dir", dir_.file("cache")}}},
        {"state_dir", dir_.file("state")}};
    config_ = dir_.write("config.json", config.dump(2));
  }

  void start_gateway() {
    setenv("SSL_CERT_FILE", server_->ca_file().c_str(), 1);  // copied by the child at fork
    gateway_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{gateway_binary(), "run", "--config", config_},
        dir_.file("gateway.log"));
    unsetenv("SSL_CERT_FILE");
    ASSERT_TRUE(wait_for_port(port_));
  }

  std::vector<std::string> curl(const std::string& host, const std::string& path) const {
    const std::string authority = host + ":" + std::to_string(port_);
    return {"/usr/bin/curl",
            "-sS",
            "-m",
            "30",
            "--resolve",
            authority + ":127.0.0.1",
            "-H",
            "Connection: close",
            "http://" + authority + path};
  }

  std::string gateway_log() const {
    std::ifstream log(dir_.file("gateway.log.stderr"));
    std::stringstream text;
    text << log.rdbuf();
    return text.str();
  }

  TempDir dir_;
  const std::string sim_ = dir_.file("sim");
  std::unique_ptr<PcsServer> server_;
  std::unique_ptr<BackgroundProcess> app_;
  std::unique_ptr<BackgroundProcess> gateway_;
  int port_ = 0;
  std::string config_;
};

// `run` fetches from collateral.pccs before answering the first request, and caches.
TEST_F(GatewayCollateral, FetchedFromTheServiceAndCachedBeforeTheFirstRequest) {
  start_gateway();
  CommandResult r = run_command(curl("app.localhost", "/"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from app\n") << gateway_log();
  EXPECT_EQ(server_->requests(), 4);
  EXPECT_EQ(server_->requests("/sgx/certification/v4/rootcacrl"), 1);
  EXPECT_TRUE(std::filesystem::exists(dir_.file("cache") + "/root-ca-crl.json"));
  // Later connections use the cached collateral.
  r = run_command(curl("app.localhost", "/"));
  EXPECT_EQ(r.out, "hello from app\n");
  EXPECT_EQ(server_->requests(), 4);
}

// A verification waiting for collateral (the service accepts and never answers) holds only its
// own request: the gateway keeps answering others meanwhile, and SIGTERM does not wait for it.
TEST_F(GatewayCollateral, AWaitForCollateralStallsOnlyItsOwnRequest) {
  server_->set_mode("hang");
  start_gateway();
  BackgroundProcess waiting(curl("app.localhost", "/"), dir_.file("waiting.log"));
  for (int i = 0; i < 500 && server_->requests() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(server_->requests(), 0) << gateway_log();

  CommandResult status = run_command(curl("localhost", "/.well-known/ratls-gateway/status.json"));
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\"apps\""), std::string::npos) << status.out;
  EXPECT_TRUE(waiting.running()) << "the app request should still wait for collateral";

  EXPECT_EQ(gateway_->stop(), 0) << "the gateway did not exit by itself after SIGTERM\n"
                                 << gateway_log();
  EXPECT_EQ(waiting.wait(5000), 0);
  std::ifstream out(dir_.file("waiting.log"));
  std::stringstream body;
  body << out.rdbuf();
  EXPECT_NE(body.str().find("shutting down"), std::string::npos) << body.str() << gateway_log();
}

}  // namespace
}  // namespace ratls::test
