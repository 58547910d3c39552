// The app owner's stage 2 through the gateway (docs/app-owners.md): the enclave starts Cosmian's
// configuration server (peers/config_server.py, answering `Mse-Status: Waiting`), the owner checks
// that the gateway verified it, seals secrets to its X25519 key with `seal --app`, POSTs the
// configuration through the gateway, and the enclave restarts as the app with the same RA-TLS
// certificate. A refused upstream never receives the POST.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

const std::string kUuid = "533a2b83-4bc3-4b8b-9c4c-4e0a9c5b4c2e";

// A configuration server on its own port with its own record directory.
struct ConfigServer {
  int port = 0;
  std::string state;
  std::unique_ptr<BackgroundProcess> process;

  std::string file(const std::string& name) const { return read_all(state + "/" + name); }
  // Lines of STATE/requests that are `line`.
  int count(const std::string& line) const {
    std::istringstream in(file("requests"));
    int n = 0;
    for (std::string l; std::getline(in, l);) n += l == line ? 1 : 0;
    return n;
  }
};

class AppOwnerTest : public GatewayTest {
 protected:
  ConfigServer start_config_server(const std::string& base, const std::string& x25519) {
    ConfigServer c;
    c.port = free_loopback_port();
    c.state = dir_.file("config-server-" + std::to_string(c.port));
    std::filesystem::create_directories(c.state);
    c.process = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/bin/python3", peer("config_server.py"),
                                 std::to_string(c.port), base + ".pem", base + ".key", c.state,
                                 kUuid, x25519},
        c.state + ".log");
    EXPECT_TRUE(wait_for_port(c.port)) << read_all(c.state + ".log.stderr");
    return c;
  }

  // curl through the gateway: the response head and body (-i), then the status code on a line of
  // its own.
  CommandResult post_json(const std::string& app, const std::string& file) {
    return curl(app, "/", {"-i", "-X", "POST", "--json", "@" + file, "-w", "\n%{http_code}"});
  }

  std::string status_page() {
    return run_command({"/usr/bin/curl", "-sS", "-m", "10", "-H",
                        "Host: localhost:" + std::to_string(port_),
                        "http://127.0.0.1:" + std::to_string(port_) + "/"})
        .out;
  }
};

std::string last_line(const std::string& s) {
  const auto end = s.find_last_not_of('\n');
  const auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1, end - start);
}

TEST_F(AppOwnerTest, SecretsGoOnlyToTheVerifiedEnclaveWhichThenRunsTheApp) {
  const std::string enclave = issue("enclave", {"--x25519-key", dir_.file("enclave.x25519")});
  const std::string impostor =
      issue("impostor", {"--mrenclave", kMrB, "--x25519-key", dir_.file("impostor.x25519")});
  ConfigServer good = start_config_server(enclave, dir_.file("enclave.x25519"));
  ConfigServer bad = start_config_server(impostor, dir_.file("impostor.x25519"));
  const json policy = {{"mrenclave", {kMrA}}};
  start_gateway(
      json::array({app("enclave", good.port, policy), app("impostor", bad.port, policy)}));

  // 1. Verify: the gateway verified the enclave, and the enclave says it waits for its owner.
  CommandResult r = curl("enclave", "/", {"-i"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/1.1 200 ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\r\nMse-Status: Waiting\r\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Waiting for code secret key"), std::string::npos) << r.out;
  json st = app_status(status(), "enclave");
  EXPECT_EQ(st["state"], "verified");
  EXPECT_EQ(st["pin"]["mrenclave"], kMrA);
  EXPECT_EQ(st["app_status"], "waiting for configuration");
  EXPECT_EQ(st["mse_status"], "Waiting");
  std::string page = status_page();
  EXPECT_NE(page.find("data-app-status>waiting for configuration</span>"), std::string::npos)
      << page;
  CommandResult cli = run_command(
      {gateway_binary(), "status", "--url", "http://127.0.0.1:" + std::to_string(port_)});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("app: waiting for configuration"), std::string::npos) << cli.out;

  // 2. Seal the secrets to the enclave's X25519 key: verified again by `seal`, and it must be the
  // certificate the gateway pinned.
  const std::string secrets =
      dir_.write("secrets.json", R"({"db_password": "hunter2", "api_key": "k-7f3a"})");
  const std::string sealed = dir_.file("secrets.sealed");
  r = run_command({gateway_binary(), "seal", "--app", "enclave", "--config", config_path_, "--in",
                   secrets, "--out", sealed, "--base64url"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string sealed_text = read_all(sealed);
  EXPECT_EQ(sealed_text.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos)
      << sealed_text;

  // 3. The configuration, with the sealed secrets in app_sealed_secrets.
  const json configuration = {{"uuid", kUuid},
                              {"code_secret_key", std::string(64, 'c')},
                              {"app_secrets", {{"greeting", "hello"}, {"limit", 3}}},
                              {"app_sealed_secrets", sealed_text}};
  const std::string config_file = dir_.write("config.json", configuration.dump(2) + "\n");

  // A refused upstream never receives it: 502 from the gateway, no POST at the peer (its TLS
  // handshake did happen, so the peer was reached).
  r = post_json("impostor", config_file);
  EXPECT_EQ(last_line(r.out), "502") << r.out << r.err;
  EXPECT_NE(r.out.find("STATUS_POLICY_MRENCLAVE_NOT_ALLOWED"), std::string::npos) << r.out;
  EXPECT_EQ(app_status(status(), "impostor")["state"], "refused");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GE(bad.count("handshake"), 1) << bad.file("requests");
  EXPECT_EQ(bad.file("requests").find("POST"), std::string::npos) << bad.file("requests");
  EXPECT_FALSE(std::filesystem::exists(bad.state + "/config.body"));

  // A configuration the enclave refuses (not its UUID) gets its 401, and it keeps waiting: answers
  // to POST never carry Mse-Status, so they do not change what the status page says.
  json wrong = configuration;
  wrong["uuid"] = "00000000-0000-0000-0000-000000000000";
  r = post_json("enclave", dir_.write("wrong.json", wrong.dump()));
  EXPECT_EQ(last_line(r.out), "401") << r.out << r.err;
  EXPECT_NE(good.file("errors").find("uuid"), std::string::npos);
  EXPECT_EQ(app_status(status(), "enclave")["app_status"], "waiting for configuration");

  // 4. The owner's POST reaches the verified enclave, byte for byte. Its answer is mse-lib-sgx's
  // bare `HTTP/1.0 200 OK`, ended by closing without TLS close_notify: the client gets the 200
  // but no end of body (curl: "transfer closed with outstanding read data remaining"), as the
  // gateway never tells a cut connection from a complete body (docs/http.md).
  r = post_json("enclave", config_file);
  EXPECT_EQ(r.out.rfind("HTTP/1.1 200 ", 0), 0u) << r.out << r.err;
  EXPECT_EQ(last_line(r.out), "200") << r.out << r.err;
  EXPECT_EQ(good.count("configuration POST /"), 2) << good.file("requests");
  EXPECT_EQ(good.file("config.body"), read_all(config_file));
  // The enclave opened the sealed secrets with its own key: the end-to-end flow.
  EXPECT_EQ(good.file("sealed_secrets"), read_all(secrets));
  EXPECT_EQ(json::parse(good.file("app_secrets.json")), configuration["app_secrets"]);

  // 5. It restarts as the app with the same certificate; the gateway reaches it on a new
  // connection, verified (the pin holds), and the waiting is over.
  for (int i = 0; i < 100 && good.file("mode") != "application"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(good.file("mode"), "application") << good.file("requests");
  r = curl("enclave", "/", {"-i"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/1.1 200 ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("the configured app is running"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Mse-Status"), std::string::npos) << r.out;
  st = app_status(status(), "enclave");
  EXPECT_EQ(st["state"], "verified");
  EXPECT_TRUE(st["app_status"].is_null()) << st.dump();
  EXPECT_TRUE(st["mse_status"].is_null()) << st.dump();
  EXPECT_EQ(st["pin"]["cert_sha256"], st["observed"]["cert_sha256"]);
  page = status_page();
  EXPECT_EQ(page.find("data-app-status"), std::string::npos) << page;
  EXPECT_NE(page.find("without Mse-Status"), std::string::npos) << page;  // in recent events
  cli = run_command(
      {gateway_binary(), "status", "--url", "http://127.0.0.1:" + std::to_string(port_)});
  EXPECT_EQ(cli.out.find("waiting for configuration"), std::string::npos) << cli.out;
}

}  // namespace
}  // namespace ratls::test
