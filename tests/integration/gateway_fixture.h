// The gateway test fixture: a simulated hierarchy, RA-TLS upstreams (Debian python3 HTTPS apps and
// TLS recorders), and `ratls-gateway run` with a generated configuration, all on loopback.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/process.h"

namespace ratls::test {

using nlohmann::json;

inline const std::string kMrA(64, 'a');
inline const std::string kMrB(64, 'b');

inline std::string peer(const std::string& script) {
  return (std::filesystem::path(RATLS_SOURCE_DIR) / "tests/integration/peers" / script).string();
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// AddressSanitizer keeps freed memory in quarantine and adds shadow memory, so peak RSS says
// nothing about the gateway's own bound in such a build (the binary under test is built alike).
inline constexpr bool kSanitizedBuild =
#if defined(__SANITIZE_ADDRESS__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

inline long peak_rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// `ratls-gateway demo` started on a free port with its own state directory: the simulated enclave
// app behind the gateway, at origin().
class DemoFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_loopback_port();
    log_ = dir_.file("demo.log");
    demo_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{gateway_binary(), "demo", "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "--state-dir",
                                 dir_.file("state")},
        log_);
    ASSERT_TRUE(wait_for_port(port_)) << read_all(log_ + ".stderr");
  }
  std::string origin() const { return "http://demo.localhost:" + std::to_string(port_); }

  TempDir dir_;
  int port_ = 0;
  std::string log_;
  std::unique_ptr<BackgroundProcess> demo_;
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = dir_.file("sim");
    const CommandResult r = run_command({gateway_binary(), "sim", "init", sim_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // An RA-TLS certificate (and key) from the simulated hierarchy; returns the name's base path.
  std::string issue(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        gateway_binary(),        "sim", "issue", sim_, "--cert", dir_.file(name + ".pem"), "--key",
        dir_.file(name + ".key")};
    if (std::find(extra.begin(), extra.end(), "--mrenclave") == extra.end()) {
      args.push_back("--mrenclave");
      args.push_back(kMrA);
    }
    for (auto& e : extra) args.push_back(e);
    const CommandResult r = run_command(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir_.file(name);
  }

  struct Peer {
    int port = 0;
    std::string record;
    std::unique_ptr<BackgroundProcess> process;
  };

  // A python3 TLS peer from peers/ run as `SCRIPT PORT CERT KEY [extra...]` with the certificate
  // and key at `base`.pem/.key, on `port` (0: a free one); its log beside the others.
  Peer start_tls_peer(const std::string& script, const std::string& base,
                      const std::vector<std::string>& extra = {}, int port = 0) {
    Peer p;
    p.port = port ? port : free_loopback_port();
    std::vector<std::string> argv{"/usr/bin/python3", peer(script), std::to_string(p.port),
                                  base + ".pem", base + ".key"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    p.process = std::make_unique<BackgroundProcess>(
        argv, dir_.file(script + "-" + std::to_string(p.port) + ".log"));
    EXPECT_TRUE(wait_for_port(p.port)) << script << " did not start";
    return p;
  }

  Peer start_app(const std::string& base, const std::string& name, int port = 0) {
    return start_tls_peer("https_app.py", base, {name}, port);
  }

  Peer start_recorder(const std::string& base) {
    const int port = free_loopback_port();
    const std::string record = dir_.file("record-" + std::to_string(port));
    Peer p = start_tls_peer("tls_recorder.py", base, {record}, port);
    p.record = record;
    return p;
  }

  static json app(const std::string& name, int port, json policy = json::object()) {
    json a = {{"name", name}, {"upstream", "https://127.0.0.1:" + std::to_string(port)}};
    if (!policy.empty()) a["policy"] = policy;
    return a;
  }

  static void openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = run_command(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }

  // A local test CA for WebPKI-mode upstreams (made on first use); its PEM file's path. The
  // gateway trusts it when started with SSL_CERT_FILE set to it.
  std::string webpki_ca() {
    const std::string ca = dir_.file("webpki-ca");
    if (!std::filesystem::exists(ca + ".pem")) {
      openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
               "-subj", "/CN=test CA", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
               "-keyout", ca + ".key", "-out", ca + ".pem"});
    }
    return ca + ".pem";
  }

  // A certificate for `san` ("IP:127.0.0.1", "DNS:name") from webpki_ca(), or self-signed; the
  // base path of its .pem and .key.
  std::string webpki_leaf(const std::string& name, const std::string& san, bool from_ca = true) {
    const std::string base = dir_.file(name);
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
             "/CN=" + name, "-keyout", base + ".key", "-out", base + ".csr"});
    if (from_ca) {
      const std::string ca = webpki_ca();
      const std::string ca_base = ca.substr(0, ca.size() - 4);
      dir_.write(name + ".ext", "subjectAltName=" + san + "\n");
      openssl({"x509", "-req", "-in", base + ".csr", "-CA", ca, "-CAkey", ca_base + ".key",
               "-CAcreateserial", "-days", "2", "-extfile", base + ".ext", "-out", base + ".pem"});
    } else {
      openssl({"x509", "-req", "-in", base + ".csr", "-signkey", base + ".key", "-days", "2",
               "-out", base + ".pem"});
    }
    return base;
  }

  json config_for(const json& apps) {
    if (port_ == 0) port_ = free_loopback_port();
    json c = {{"listen", {"127.0.0.1:" + std::to_string(port_)}},
              {"apps", apps},
              {"trust", {{"root_ca", sim_}}},
              {"collateral", {{"offline", sim_ + "/collateral"}}},
              {"state_dir", dir_.file("state")}};
    for (const auto& [key, value] : extra_config_.items()) c[key] = value;
    return c;
  }

  // Starts `ratls-gateway run` on the configuration; `wrapper` goes before the binary (e.g.
  // systemd-socket-activate), `env` adds NAME=VALUE entries to its environment.
  void start_gateway(const json& apps, std::vector<std::string> wrapper = {},
                     std::vector<std::string> env = {}) {
    config_path_ = dir_.write("config.json", config_for(apps).dump(2));
    log_ = dir_.file("gateway.log");
    std::vector<std::string> argv = wrapper;
    for (const std::string& a : {gateway_binary(), std::string("run"), std::string("--config"),
                                 config_path_, std::string("--log-level"), std::string("debug")}) {
      argv.push_back(a);
    }
    argv.insert(argv.end(), gateway_args_.begin(), gateway_args_.end());
    gateway_ = std::make_unique<BackgroundProcess>(argv, log_, env);
    ASSERT_TRUE(wait_for_port(port_)) << read_all(log_ + ".stderr");
  }

  std::string host(const std::string& app) const {
    return app + ".localhost:" + std::to_string(port_);
  }

  CommandResult curl(const std::string& app, const std::string& path,
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"/usr/bin/curl",
                                     "-sS",
                                     "-m",
                                     "30",
                                     "--resolve",
                                     host(app) + ":127.0.0.1",
                                     "http://" + host(app) + path};
    for (auto& e : extra) args.push_back(e);
    return run_command(args);
  }

  // The gateway's Prometheus text (/metrics on its status host).
  std::string metrics_text() {
    return run_command({"/usr/bin/curl", "-sS", "-m", "10", "-H",
                        "Host: localhost:" + std::to_string(port_),
                        "http://127.0.0.1:" + std::to_string(port_) + "/metrics"})
        .out;
  }

  json status() {
    const CommandResult r = run_command(
        {"/usr/bin/curl", "-sS", "-m", "10", "-H", "Host: localhost:" + std::to_string(port_),
         "http://127.0.0.1:" + std::to_string(port_) + "/.well-known/ratls-gateway/status.json"});
    try {
      return json::parse(r.out);
    } catch (const std::exception&) {
      ADD_FAILURE() << "status.json is not JSON: " << r.out << r.err;
      return {};
    }
  }

  static const json& app_status(const json& s, const std::string& name) {
    for (const auto& a : s["apps"]) {
      if (a["name"] == name) return a;
    }
    static const json none;
    ADD_FAILURE() << "no app " << name << " in status";
    return none;
  }

  TempDir dir_;
  std::string sim_;
  int port_ = 0;
  std::string log_;
  std::vector<std::string> gateway_args_;  // extra arguments of `run`
  std::string config_path_;
  json extra_config_ = json::object();  // more top-level keys for the configuration
  std::unique_ptr<BackgroundProcess> gateway_;
};

}  // namespace ratls::test
