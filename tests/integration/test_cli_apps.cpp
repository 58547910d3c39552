// `ratls-gateway apps add|list|remove` and `run` without a configuration file, with the real
// binary: simulated RA-TLS upstreams, a running gateway that must pick the change up, and a fake
// `systemctl` first on PATH (the test's own: no user manager is touched) that records its calls.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <thread>

#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
}

std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

class AppsTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    home_ = dir_.file("home");
    fs::create_directories(home_);
    fs::create_directories(dir_.file("bin"));
    set_systemd_unit(false);
  }

  // The fake systemctl: `is-active` says whether the unit is active, `show` prints unit.pid as the
  // unit's MainPID, `reload` sends SIGHUP to the process in reload.pid (what ExecReload does).
  void set_systemd_unit(bool active, int main_pid = 0, bool reload_works = true) {
    dir_.write("unit.pid", std::to_string(main_pid));
    const std::string log = dir_.file("systemctl.log");
    const std::string script =
        "#!/bin/sh\necho \"$*\" >> " + log +
        "\ncase \"$*\" in\n"
        "  *is-active*) exit " +
        std::string(active ? "0" : "3") +
        ";;\n"
        "  *show*) cat " +
        dir_.file("unit.pid") +
        "; exit 0;;\n"
        "  *reload*) " +
        (reload_works ? "kill -HUP $(cat " + dir_.file("reload.pid") + ")" : std::string(":")) +
        "; exit 0;;\n"
        "esac\nexit 1\n";
    const std::string path = dir_.write("bin/systemctl", script);
    fs::permissions(path, fs::perms::owner_all);
  }

  // The environment of a fresh account in the test's directory: the default configuration is
  // home/.config/ratls-gateway/config.json, and `systemctl` is the fake.
  std::vector<std::string> environment() const {
    return {"PATH=" + dir_.file("bin") + ":/usr/bin:/bin", "HOME=" + home_,
            "XDG_CONFIG_HOME=" + home_ + "/.config", "XDG_STATE_HOME=" + home_ + "/.local/state",
            "XDG_CACHE_HOME=" + home_ + "/.cache"};
  }
  std::string default_config() const { return home_ + "/.config/ratls-gateway/config.json"; }

  CommandResult cli(const std::vector<std::string>& args, std::vector<std::string> extra_env = {}) {
    std::vector<std::string> argv{"/usr/bin/env"};
    for (const auto& e : environment()) argv.push_back(e);
    for (const auto& e : extra_env) argv.push_back(e);
    argv.push_back(gateway_binary());
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, 90);
  }

  // `ratls-gateway run` on config.json as written (not through config_for, to keep its text).
  void start_gateway_on(const std::string& text) {
    config_path_ = dir_.write("config.json", text);
    log_ = dir_.file("gateway.log");
    gateway_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{gateway_binary(), "run", "--config", config_path_}, log_,
        environment());
    ASSERT_TRUE(wait_for_port(port_)) << read_all(log_ + ".stderr");
    dir_.write("reload.pid", std::to_string(gateway_->pid()));
  }

  // `run` with no configuration file, on a socket passed as systemd's socket unit would.
  void start_fresh_gateway() {
    port_ = free_loopback_port();
    log_ = dir_.file("gateway.log");
    gateway_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/bin/systemd-socket-activate", "-l",
                                 "127.0.0.1:" + std::to_string(port_), gateway_binary(), "run"},
        log_, environment());
    ASSERT_TRUE(wait_for_port(port_)) << read_all(log_ + ".stderr");
    dir_.write("reload.pid", std::to_string(gateway_->pid()));
  }

  std::string page() {
    return run_command({"/usr/bin/curl", "-sS", "-m", "10", "-H",
                        "Host: localhost:" + std::to_string(port_),
                        "http://127.0.0.1:" + std::to_string(port_) + "/"})
        .out;
  }

  std::string url(const std::string& app) const {
    return "http://" + app + ".localhost:" + std::to_string(port_) + "/";
  }

  // A hand-written configuration: keys in no sorted order, settings an edit must keep.
  std::string written_config(int alpha_port) {
    if (port_ == 0) port_ = free_loopback_port();
    std::string upper_mr = kMrA;
    for (char& c : upper_mr) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return R"({
  "state_dir": ")" +
           dir_.file("state") + R"(",
  "http": { "max_header_fields": 120, "idle_timeout_seconds": 90 },
  "listen": [ "127.0.0.1:)" +
           std::to_string(port_) + R"(" ],
  "apps": [
    { "upstream": "https://127.0.0.1:)" +
           std::to_string(alpha_port) + R"(", "name": "alpha",
      "policy": { "mrenclave": [ ")" +
           upper_mr + R"(" ], "accept_tcb": [ "UpToDate" ] } },
    { "name": "docs", "upstream": "https://docs.example:8443", "mode": "webpki" }
  ],
  "trust": { "root_ca": ")" +
           sim_ + R"(" },
  "collateral": { "offline": ")" +
           sim_ + R"(/collateral" }
}
)";
  }

  std::string home_;
};

// --- add -----------------------------------------------------------------------------------------

TEST_F(AppsTest, AddVerifiesWritesAtomicallyKeepsEverythingElseAndReloadsTheGateway) {
  Peer a = start_app(issue("a"), "app-a");
  Peer b = start_app(issue("b", {"--mrenclave", kMrB}), "app-b");
  const std::string before = written_config(a.port);
  start_gateway_on(before);
  fs::permissions(config_path_, fs::perms(0644));
  EXPECT_EQ(curl("alpha", "/").out, "hello from app-a\n");

  const std::string upstream = "https://127.0.0.1:" + std::to_string(b.port);
  const CommandResult r =
      cli({"apps", "add", "beta", upstream, "--mrenclave", kMrB, "--config", config_path_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // verify's checklist, then what was done, then the URL.
  EXPECT_NE(r.out.find("VERIFIED\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("code fingerprint    MRENCLAVE " + kMrB), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("added beta to " + config_path_), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sent SIGHUP to the gateway (pid " + std::to_string(gateway_->pid())),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("the gateway reloaded its configuration"), std::string::npos) << r.out;
  EXPECT_EQ(last_line(r.out), "open " + url("beta"));

  EXPECT_EQ(mode_of(config_path_), 0600u);
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  const ordered_json old_doc = ordered_json::parse(before);
  const ordered_json new_doc = ordered_json::parse(read_all(config_path_));
  EXPECT_EQ(keys_of(new_doc), keys_of(old_doc));  // the user's order
  for (const auto& key : keys_of(old_doc)) {
    if (key != "apps") {
      EXPECT_EQ(new_doc[key], old_doc[key]) << key;
    }
  }
  ASSERT_EQ(new_doc["apps"].size(), 3u);
  EXPECT_EQ(new_doc["apps"][0], old_doc["apps"][0]);  // upper-case hex and key order kept
  EXPECT_EQ(keys_of(new_doc["apps"][0]), keys_of(old_doc["apps"][0]));
  EXPECT_EQ(new_doc["apps"][1], old_doc["apps"][1]);
  EXPECT_EQ(new_doc["apps"][2],
            (ordered_json{
                {"name", "beta"}, {"upstream", upstream}, {"policy", {{"mrenclave", {kMrB}}}}}));

  // The daemon took it up at once: no restart, the old app still served.
  EXPECT_EQ(app_status(status(), "beta")["upstream"], upstream);
  EXPECT_EQ(curl("beta", "/").out, "hello from app-b\n");
  EXPECT_EQ(curl("alpha", "/").out, "hello from app-a\n");
  EXPECT_NE(read_all(dir_.file("systemctl.log")).find("is-active"), std::string::npos);
  EXPECT_EQ(read_all(dir_.file("systemctl.log")).find("reload"), std::string::npos);
}

TEST_F(AppsTest, AddRefusedLeavesTheConfigurationUntouched) {
  Peer a = start_app(issue("a"), "app-a");
  Peer b = start_app(issue("b"), "app-b");  // presents kMrA
  const std::string before = written_config(a.port);
  start_gateway_on(before);
  struct stat st_before {};
  ASSERT_EQ(stat(config_path_.c_str(), &st_before), 0);

  const CommandResult r = cli({"apps", "add", "beta", "https://127.0.0.1:" + std::to_string(b.port),
                               "--mrenclave", kMrB, "--config", config_path_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("REJECTED: MRENCLAVE " + kMrA + " is not an expected code fingerprint"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\u2718 code fingerprint"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("not adding beta"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(config_path_ + " is unchanged"), std::string::npos) << r.err;
  EXPECT_EQ(read_all(config_path_), before);
  struct stat st_after {};
  ASSERT_EQ(stat(config_path_.c_str(), &st_after), 0);
  EXPECT_EQ(st_after.st_ino, st_before.st_ino);  // not even rewritten with the same bytes
  EXPECT_EQ(st_after.st_mtim.tv_nsec, st_before.st_mtim.tv_nsec);
  EXPECT_EQ(read_all(log_ + ".stderr").find("SIGHUP"), std::string::npos);  // nothing to reload

  // A debug enclave is refused the same way; and on a fresh account nothing is created.
  Peer debug = start_app(issue("debug", {"--debug"}), "debug");
  const CommandResult fresh =
      cli({"apps", "add", "dbg", "https://127.0.0.1:" + std::to_string(debug.port), "--root-ca",
           sim_, "--listen", "127.0.0.1:" + std::to_string(free_loopback_port())});
  EXPECT_EQ(fresh.exit_code, 1) << fresh.out << fresh.err;
  EXPECT_NE(fresh.out.find("DEBUG enclave"), std::string::npos) << fresh.out;
  EXPECT_NE(fresh.err.find("was not created"), std::string::npos) << fresh.err;
  EXPECT_FALSE(fs::exists(home_ + "/.config"));
}

TEST_F(AppsTest, UsageErrorsExitTwoAndNameTheProblem) {
  Peer a = start_app(issue("a"), "app-a");
  const std::string before = written_config(a.port);
  config_path_ = dir_.write("config.json", before);
  const std::string up = "https://127.0.0.1:" + std::to_string(a.port);
  const std::string dns_label = "1 to 63 characters of a-z, 0-9, '_' and '-'";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"Shop", up}, "app name \"Shop\": expected " + dns_label},
      {{"-shop", up}, ""},  // CLI11 takes it for an option: still exit 2
      {{"shop.test", up}, "app name \"shop.test\": expected " + dns_label},
      {{std::string(64, 'a'), up}, "expected " + dns_label},
      {{"localhost", up}, "\"localhost\" is reserved"},
      {{"alpha", up}, "alpha is already in " + config_path_ + " (upstream https://127.0.0.1:"},
      {{"beta", "http://127.0.0.1:" + std::to_string(a.port)}, "the upstream must be https://"},
      {{"beta", "ftp://example.com"}, "expected https://HOST[:PORT] (only https:// is supported)"},
      {{"beta", up + "/app"}, "without a path, query or fragment"},
      {{"beta", up, "--mode", "webpki", "--mrenclave", kMrA}, "apply to mode ratls only"},
      {{"beta", up, "--mode", "tdx"}, "--mode: tdx not in {ratls,webpki}"},
      {{"beta", up, "--mrenclave", "xyz"}, "--mrenclave xyz: expected 64 hex digits"},
      {{"beta", up, "--signer-key", "a.pem", "--signer-key", "b.pem"}, "give one key file"},
      {{"beta", up, "--listen", "127.0.0.1:1"}, "only set up a new configuration"},
      {{"beta", up, "--root-ca", "intel"}, "already exists and has trust.root_ca " + sim_},
      {{"beta", "https://127.0.0.1:" + std::to_string(free_loopback_port())},
       "cannot verify beta: cannot connect to 127.0.0.1:"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> argv{"apps", "add"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(config_path_);
    const CommandResult r = cli(argv);
    SCOPED_TRACE(args[0] + " " + args[1]);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(read_all(config_path_), before);
  }
  // A broken configuration is never edited.
  const std::string broken = dir_.write("broken.json", "{\"apps\": [\n");
  const CommandResult r = cli({"apps", "add", "beta", up, "--config", broken});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(broken + ": invalid JSON"), std::string::npos) << r.err;
  EXPECT_EQ(read_all(broken), "{\"apps\": [\n");
}

TEST_F(AppsTest, AddWithoutARunningGatewaySaysHowToStartIt) {
  Peer a = start_app(issue("a"), "app-a");
  // Through a symbolic link (a dotfiles checkout): the file it names is edited, the link stays.
  const std::string target = dir_.write("dotfiles-config.json", written_config(a.port));
  config_path_ = dir_.file("config.json");
  fs::create_symlink(target, config_path_);
  const CommandResult r = cli({"apps", "add", "beta", "https://127.0.0.1:" + std::to_string(a.port),
                               "--config", config_path_});
  EXPECT_TRUE(fs::is_symlink(config_path_));
  EXPECT_EQ(mode_of(target), 0600u);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("no gateway is running at http://127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("systemctl --user enable --now ratls-gateway.socket"), std::string::npos);
  EXPECT_NE(r.out.find("ratls-gateway run --config " + config_path_), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trust on first use"), std::string::npos) << r.out;
  EXPECT_EQ(last_line(r.out), "open " + url("beta"));
  EXPECT_EQ(ordered_json::parse(read_all(config_path_))["apps"][2]["name"], "beta");
}

TEST_F(AppsTest, AddWebPkiAppChecksTheSystemCaStore) {
  const std::string ca = webpki_ca().substr(0, webpki_ca().size() - 4);
  const std::string leaf = webpki_leaf("leaf", "IP:127.0.0.1");
  Peer owner = start_app(leaf, "owner-app");
  Peer a = start_app(issue("a"), "app-a");
  config_path_ = dir_.write("config.json", written_config(a.port));
  const std::string up = "https://127.0.0.1:" + std::to_string(owner.port);
  // Not in the system store: refused.
  const CommandResult untrusted =
      cli({"apps", "add", "site", up, "--mode", "webpki", "--config", config_path_});
  EXPECT_EQ(untrusted.exit_code, 1) << untrusted.out << untrusted.err;
  EXPECT_NE(untrusted.err.find("is not trusted"), std::string::npos) << untrusted.err;
  // With the CA in the store (SSL_CERT_FILE, as for the daemon): written as mode webpki.
  const CommandResult r =
      cli({"apps", "add", "site", up, "--mode", "webpki", "--config", config_path_},
          {"SSL_CERT_FILE=" + ca + ".pem"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("VERIFIED (mode webpki"), std::string::npos) << r.out;
  EXPECT_EQ(ordered_json::parse(read_all(config_path_))["apps"][2],
            (ordered_json{{"name", "site"}, {"upstream", up}, {"mode", "webpki"}}));
}

// --- list ----------------------------------------------------------------------------------------

TEST_F(AppsTest, ListPrintsATableAndJson) {
  const CommandResult none = cli({"apps", "list"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out,
            "no apps yet: run ratls-gateway apps add NAME https://HOST:PORT (there is no " +
                default_config() + " yet)\n");
  const json none_json = json::parse(cli({"apps", "list", "--json"}).out);
  EXPECT_EQ(none_json["exists"], false);
  EXPECT_EQ(none_json["apps"], json::array());

  config_path_ = dir_.write("config.json", written_config(4443));
  const CommandResult table = cli({"apps", "list", "--config", config_path_});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  const std::string p = std::to_string(port_);
  EXPECT_EQ(table.out,
            "NAME   URL                            UPSTREAM                   MODE    POLICY\n"
            "alpha  http://alpha.localhost:" +
                p +
                "/  https://127.0.0.1:4443     ratls   MRENCLAVE aaaaaaaaaaaaaaaa…, TCB "
                "UpToDate\n"
                "docs   http://docs.localhost:" +
                p + "/   https://docs.example:8443  webpki  system CA store (not attested)\n")
      << table.out;
  const json j = json::parse(cli({"apps", "list", "--config", config_path_, "--json"}).out);
  EXPECT_EQ(j["config"], config_path_);
  ASSERT_EQ(j["apps"].size(), 2u);
  EXPECT_EQ(j["apps"][0]["name"], "alpha");
  EXPECT_EQ(j["apps"][0]["url"], "http://alpha.localhost:" + p + "/");
  EXPECT_EQ(j["apps"][0]["mode"], "ratls");
  EXPECT_EQ(j["apps"][0]["policy"]["mrenclave"], json::array({kMrA}));  // normalized
  EXPECT_EQ(j["apps"][0]["policy"]["trust_on_first_use"], false);
  EXPECT_EQ(j["apps"][1]["mode"], "webpki");
  EXPECT_TRUE(j["apps"][1]["policy"].is_null());

  const std::string broken = dir_.write("broken.json", "[]");
  const CommandResult r = cli({"apps", "list", "--config", broken});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("top level: expected a JSON object"), std::string::npos) << r.err;
}

// --- remove --------------------------------------------------------------------------------------

TEST_F(AppsTest, RemoveKeepsTheRestReloadsAndKeepsThePinUnlessAsked) {
  Peer a = start_app(issue("a"), "app-a");
  std::string text = written_config(a.port);
  start_gateway_on(text);
  EXPECT_EQ(curl("alpha", "/").out, "hello from app-a\n");  // pins alpha
  const std::string pins = dir_.file("state") + "/pins.json";
  ASSERT_TRUE(json::parse(read_all(pins))["apps"].contains("alpha"));

  const CommandResult r = cli({"apps", "remove", "alpha", "--config", config_path_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("removed alpha from " + config_path_), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the gateway reloaded its configuration"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("its pin stays in " + pins), std::string::npos) << r.out;
  EXPECT_EQ(mode_of(config_path_), 0600u);
  ordered_json expected = ordered_json::parse(text);
  expected["apps"].erase(0);
  EXPECT_EQ(ordered_json::parse(read_all(config_path_)), expected);
  EXPECT_EQ(keys_of(ordered_json::parse(read_all(config_path_))), keys_of(expected));
  // Named: a range-for over a member of a temporary would read freed memory (TSan saw it).
  const json after = status();
  for (const auto& app : after["apps"]) EXPECT_NE(app["name"], "alpha");
  EXPECT_EQ(curl("alpha", "/").out.find("hello from app-a"), std::string::npos);
  EXPECT_TRUE(json::parse(read_all(pins))["apps"].contains("alpha"));

  const CommandResult unknown = cli({"apps", "remove", "alpha", "--config", config_path_});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no app \"alpha\" in " + config_path_ + " (apps: docs)"),
            std::string::npos)
      << unknown.err;
  EXPECT_NE(unknown.err.find("a pin for it remains: ratls-gateway pins forget alpha"),
            std::string::npos)
      << unknown.err;

  // The name added back for another enclave, trust on first use: the old pin would refuse it, and
  // the command says so before the first 502.
  Peer b = start_app(issue("b", {"--mrenclave", kMrB}), "app-b");
  const std::string b_url = "https://127.0.0.1:" + std::to_string(b.port);
  const CommandResult again = cli({"apps", "add", "alpha", b_url, "--config", config_path_});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("note: " + pins + " still pins alpha to MRENCLAVE aaaaaaaaaaaaaaaa"),
            std::string::npos)
      << again.out;
  EXPECT_NE(curl("alpha", "/").out.find("STATUS_POLICY_MRENCLAVE_NOT_ALLOWED"), std::string::npos);

  const CommandResult forget =
      cli({"apps", "remove", "alpha", "--forget-pin", "--config", config_path_});
  EXPECT_EQ(forget.exit_code, 0) << forget.out << forget.err;
  EXPECT_NE(forget.out.find("forgot the pin of alpha in " + pins), std::string::npos) << forget.out;
  EXPECT_FALSE(json::parse(read_all(pins))["apps"].contains("alpha"));
  const CommandResult fresh = cli({"apps", "add", "alpha", b_url, "--config", config_path_});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.out << fresh.err;
  EXPECT_EQ(fresh.out.find("note:"), std::string::npos) << fresh.out;
  EXPECT_EQ(curl("alpha", "/").out, "hello from app-b\n");
}

// The policy flags become the app's policy in the configuration's own keys; a relative
// --signer-key is written as an absolute path (the file's relative paths mean its own directory).
TEST_F(AppsTest, AddWritesThePolicyFlagsAsTheDaemonReadsThem) {
  const std::string key = dir_.file("signer.key");
  ASSERT_EQ(run_command({"/usr/bin/openssl", "genrsa", "-3", "-out", key, "3072"}).exit_code, 0);
  ASSERT_EQ(run_command({"/usr/bin/openssl", "rsa", "-in", key, "-pubout", "-out",
                         dir_.file("signer.pub.pem")})
                .exit_code,
            0);
  // MRSIGNER: SHA-256 of the modulus, little-endian, 384 bytes (as attest/policy.h says).
  const CommandResult mrsigner = run_command(
      {"/usr/bin/python3", "-c",
       "import hashlib, subprocess, sys\n"
       "out = subprocess.run(['openssl', 'rsa', '-in', sys.argv[1], '-noout', '-modulus'],"
       " capture_output=True, text=True, check=True).stdout\n"
       "n = int(out.strip().split('=')[1], 16)\n"
       "print(hashlib.sha256(n.to_bytes(384, 'little')).hexdigest())\n",
       key});
  ASSERT_EQ(mrsigner.exit_code, 0) << mrsigner.err;
  Peer a = start_app(issue("signed", {"--mrsigner", mrsigner.out.substr(0, 64), "--isv-prod-id",
                                      "7", "--isv-svn", "12"}),
                     "signed-app");
  start_gateway_on(written_config(a.port));
  std::vector<std::string> argv{"/usr/bin/env", "-C", dir_.path().string()};
  for (const auto& e : environment()) argv.push_back(e);
  for (const std::string& arg :
       {gateway_binary(), std::string("apps"), std::string("add"), std::string("signed"),
        "https://127.0.0.1:" + std::to_string(a.port), std::string("--signer-key"),
        std::string("signer.pub.pem"), std::string("--isv-prod-id"), std::string("7"),
        std::string("--min-isv-svn"), std::string("10"), std::string("--accept-tcb"),
        std::string("UpToDate,SWHardeningNeeded"), std::string("--allow-advisory"),
        std::string("INTEL-SA-00615"), std::string("--config"), config_path_}) {
    argv.push_back(arg);
  }
  const CommandResult r = run_command(argv, 90);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ordered_json::parse(read_all(config_path_))["apps"][2]["policy"],
            (ordered_json{{"signer_key", dir_.file("signer.pub.pem")},
                          {"isv_prod_id", 7},
                          {"min_isv_svn", 10},
                          {"accept_tcb", {"UpToDate", "SWHardeningNeeded"}},
                          {"allow_advisories", {"INTEL-SA-00615"}}}));
  EXPECT_EQ(curl("signed", "/").out, "hello from signed-app\n");
  const CommandResult list = cli({"apps", "list", "--config", config_path_});
  EXPECT_NE(list.out.find("trust on first use, MRSIGNER " + mrsigner.out.substr(0, 16) +
                          "…, ISVPRODID 7, ISVSVN >= 10, TCB UpToDate,SWHardeningNeeded, "
                          "advisories INTEL-SA-00615"),
            std::string::npos)
      << list.out;
}

// --- which gateway gets reloaded -----------------------------------------------------------------

TEST_F(AppsTest, TheSystemdUnitIsReloadedThroughSystemctlWhenItRunsTheGateway) {
  Peer a = start_app(issue("a"), "app-a");
  start_gateway_on(written_config(a.port));
  const std::string up = "https://127.0.0.1:" + std::to_string(a.port);
  // A reload that does not happen: the file is written, the command says the change is not live.
  set_systemd_unit(true, gateway_->pid(), false);
  const CommandResult lost = cli({"apps", "add", "beta", up, "--config", config_path_});
  EXPECT_EQ(lost.exit_code, 1) << lost.out << lost.err;
  EXPECT_NE(lost.err.find("did not show the change within 5 s; see its log"), std::string::npos)
      << lost.err;
  EXPECT_EQ(ordered_json::parse(read_all(config_path_))["apps"][2]["name"], "beta");

  set_systemd_unit(true, gateway_->pid());
  const CommandResult r = cli({"apps", "add", "gamma", up, "--config", config_path_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("asked systemd to reload ratls-gateway.service"), std::string::npos)
      << r.out;
  EXPECT_NE(read_all(dir_.file("systemctl.log")).find("--user reload ratls-gateway.service"),
            std::string::npos);
  EXPECT_EQ(curl("gamma", "/").out, "hello from app-a\n");
  EXPECT_EQ(curl("beta", "/").out, "hello from app-a\n");

  // The unit is active but its main process is another one: this gateway gets SIGHUP instead.
  set_systemd_unit(true, 999999);
  fs::remove(dir_.file("systemctl.log"));
  const CommandResult removed = cli({"apps", "remove", "beta", "--config", config_path_});
  EXPECT_EQ(removed.exit_code, 0) << removed.out << removed.err;
  EXPECT_NE(removed.out.find("sent SIGHUP"), std::string::npos) << removed.out;
  EXPECT_EQ(read_all(dir_.file("systemctl.log")).find("reload"), std::string::npos);
}

TEST_F(AppsTest, AGatewayServingAnotherFileOrAForeignProcessIsLeftAlone) {
  Peer a = start_app(issue("a"), "app-a");
  start_gateway_on(written_config(a.port));
  // Another file with the same listen address: its gateway is not this file's.
  const std::string other = dir_.write("other.json", written_config(a.port));
  const CommandResult r = cli(
      {"apps", "add", "beta", "https://127.0.0.1:" + std::to_string(a.port), "--config", other});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("serves " + config_path_ + ", not " + other), std::string::npos) << r.err;
  EXPECT_EQ(read_all(log_ + ".stderr").find("SIGHUP"), std::string::npos);
  gateway_.reset();

  // Something else on the port claims to be this file's gateway with the pid of an unrelated
  // process of ours: SIGHUP would end it, so it is not sent.
  BackgroundProcess victim({"/bin/sleep", "60"}, dir_.file("sleep.log"));
  const std::string www = dir_.file("www");
  fs::create_directories(www + "/.well-known/ratls-gateway");
  dir_.write("www/.well-known/ratls-gateway/status.json",
             json{{"apps", json::array()}, {"config", other}, {"pid", victim.pid()}}.dump());
  BackgroundProcess fake({"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1",
                          "--directory", www, std::to_string(port_)},
                         dir_.file("fake.log"));
  ASSERT_TRUE(wait_for_port(port_));
  const CommandResult foreign = cli(
      {"apps", "add", "gamma", "https://127.0.0.1:" + std::to_string(a.port), "--config", other});
  EXPECT_EQ(foreign.exit_code, 1) << foreign.out << foreign.err;
  EXPECT_NE(
      foreign.err.find("not signalling the gateway at http://127.0.0.1:" + std::to_string(port_) +
                       "/: process " + std::to_string(victim.pid()) + " is not ratls-gateway"),
      std::string::npos)
      << foreign.err;
  EXPECT_TRUE(victim.running());
}

// --- run without a configuration file, and the first run end to end
// --------------------------------

TEST_F(AppsTest, RunWithoutAConfigurationServesTheHintAndStopsOnSigterm) {
  start_fresh_gateway();
  const std::string html = page();
  EXPECT_NE(html.find("No apps yet: run <code>ratls-gateway apps add NAME "
                      "https://HOST:PORT</code>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("There is no configuration file yet; <code>apps add</code> creates <code>" +
                      default_config() + "</code>"),
            std::string::npos)
      << html;
  const json s = status();
  EXPECT_EQ(s["apps"], json::array());
  EXPECT_EQ(s["hint"], "no apps yet: run ratls-gateway apps add NAME https://HOST:PORT");
  EXPECT_EQ(s["config"], default_config());
  EXPECT_EQ(s["config_exists"], false);
  EXPECT_EQ(s["pid"], gateway_->pid());
  const CommandResult st = cli({"status", "--url", "http://127.0.0.1:" + std::to_string(port_)});
  EXPECT_NE(st.out.find("no apps yet: run ratls-gateway apps add NAME https://HOST:PORT"),
            std::string::npos)
      << st.out;
  // The other commands take the defaults too (state_dir for pins).
  const CommandResult pins = cli({"pins", "list"});
  EXPECT_EQ(pins.exit_code, 0) << pins.err;
  EXPECT_EQ(pins.out, "no pins in " + home_ + "/.local/state/ratls-gateway/pins.json\n");
  kill(gateway_->pid(), SIGTERM);
  EXPECT_EQ(gateway_->wait(10000), 0);
  EXPECT_NE(read_all(log_ + ".stderr")
                .find("no configuration file " + default_config() +
                      ": serving no apps; no apps yet: run ratls-gateway apps add NAME "
                      "https://HOST:PORT"),
            std::string::npos)
      << read_all(log_ + ".stderr");
}

TEST_F(AppsTest, AConfigurationThatExistsButIsBrokenStillStopsRun) {
  fs::create_directories(home_ + "/.config/ratls-gateway");
  // On a socket of the test's own (systemd-socket-activate starts `run` at the first connection):
  // a gateway that wrongly kept running would hold that port, not 7443.
  auto run = [&](std::vector<std::string> args) {
    const int port = free_loopback_port();
    std::vector<std::string> argv{"/usr/bin/systemd-socket-activate", "-l",
                                  "127.0.0.1:" + std::to_string(port), gateway_binary(), "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = dir_.file("run-" + std::to_string(port) + ".log");
    BackgroundProcess p(argv, log, environment());
    EXPECT_TRUE(wait_for_port(port));  // the connection starts it
    const int code = p.wait(10000);
    return std::pair{code, read_all(log + ".stderr")};
  };
  dir_.write("home/.config/ratls-gateway/config.json", "{\"apps\": [}");
  auto [code, err] = run({});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find(default_config() + ": invalid JSON"), std::string::npos) << err;
  fs::remove(default_config());
  fs::create_symlink(dir_.file("nowhere.json"), default_config());
  std::tie(code, err) = run({});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("a symbolic link to a missing file"), std::string::npos) << err;
  // A file named on the command line must exist: a typo is not "no apps".
  std::tie(code, err) = run({"--config", dir_.file("typo.json")});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find(dir_.file("typo.json") + ": no such file"), std::string::npos) << err;
}

TEST_F(AppsTest, FirstRunFromNoConfigurationToTheAppInTheBrowser) {
  // As after `systemctl --user enable --now ratls-gateway.socket` on a new account.
  start_fresh_gateway();
  EXPECT_NE(page().find("No apps yet"), std::string::npos);
  Peer a = start_app(issue("a"), "app-a");

  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  const CommandResult r =
      cli({"apps", "add", "shop", "https://127.0.0.1:" + std::to_string(a.port), "--mrenclave",
           kMrA, "--root-ca", sim_, "--collateral", sim_ + "/collateral", "--listen", listen});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("VERIFIED"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("SIMULATED"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("added shop to " + default_config() + " (new, mode 0600)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("the gateway reloaded its configuration"), std::string::npos) << r.out;
  EXPECT_EQ(last_line(r.out), "open " + url("shop"));
  EXPECT_EQ(mode_of(default_config()), 0600u);
  EXPECT_EQ(mode_of(home_ + "/.config/ratls-gateway"), 0700u);
  EXPECT_EQ(mode_of(home_ + "/.config"), 0700u);
  const ordered_json written = ordered_json::parse(read_all(default_config()));
  EXPECT_EQ(keys_of(written), (std::vector<std::string>{"listen", "trust", "collateral", "apps"}));
  EXPECT_EQ(written["listen"], ordered_json::array({listen}));
  EXPECT_EQ(written["trust"]["root_ca"], sim_);
  EXPECT_EQ(written["collateral"]["offline"], sim_ + "/collateral");

  EXPECT_EQ(curl("shop", "/").out, "hello from app-a\n");
  EXPECT_EQ(app_status(status(), "shop")["state"], "verified");
  EXPECT_EQ(page().find("No apps yet"), std::string::npos);
  // Socket activation: the listen address written is not a change to restart for.
  EXPECT_EQ(read_all(log_ + ".stderr").find("listen addresses changed"), std::string::npos);
}

}  // namespace
}  // namespace ratls::test
