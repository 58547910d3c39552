// The gateway as users run it (`ratls-gateway run` / `demo`), against real peers on loopback: curl,
// Debian python3 HTTPS apps and TLS recorders presenting simulated RA-TLS certificates, and
// python3-websockets. Nothing is mocked: every request crosses real sockets and real TLS.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "attest/x509.h"
#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

TEST_F(GatewayTest, ServesAVerifiedAppAndRewritesHostAndOrigin) {
  const std::string cert = issue("a");
  Peer a = start_app(cert, "app-a");
  start_gateway(json::array({app("alpha", a.port, {{"mrenclave", {kMrA}}})}));

  CommandResult r = curl("alpha", "/");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from app-a\n");

  // Same-origin POST: the app sees its own Host and Origin, not the gateway's.
  r = curl("alpha", "/echo",
           {"-X", "POST", "--data-binary", "12345", "-H", "Origin: http://" + host("alpha")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json echo = json::parse(r.out);
  EXPECT_EQ(echo["bytes"], 5);
  EXPECT_EQ(echo["host"], "127.0.0.1:" + std::to_string(a.port));
  EXPECT_EQ(echo["origin"], "https://127.0.0.1:" + std::to_string(a.port));

  const json s = status();
  const json& st = app_status(s, "alpha");
  EXPECT_EQ(st["state"], "verified");
  EXPECT_EQ(st["simulated"], true);
  EXPECT_EQ(st["pin"]["mrenclave"], kMrA);
  EXPECT_EQ(st["pin"]["tcb_status"], "UpToDate");

  const CommandResult page =
      run_command({"/usr/bin/curl", "-sS", "-H", "Host: localhost:" + std::to_string(port_),
                   "http://127.0.0.1:" + std::to_string(port_) + "/"});
  EXPECT_NE(page.out.find("SIMULATED"), std::string::npos);
  EXPECT_NE(page.out.find(kMrA), std::string::npos);
  // Links lead to the app on this gateway's port.
  EXPECT_NE(page.out.find("href=\"http://alpha.localhost:" + std::to_string(port_) + "/\""),
            std::string::npos)
      << page.out;
}

TEST_F(GatewayTest, HostAndOriginGuards) {
  Peer a = start_app(issue("a"), "app-a");
  start_gateway(json::array({app("alpha", a.port)}));
  const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/";
  auto code = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w",
                                     "%{http_code}",  "-m",  "10"};
    for (auto& a2 : args) argv.push_back(a2);
    return run_command(argv).out;
  };
  EXPECT_EQ(code({"-H", "Host: evil.example", url}), "421");  // DNS rebinding
  EXPECT_EQ(code({"-H", "Host: evil.example:" + std::to_string(port_), url}), "421");
  EXPECT_EQ(code({"-H", "Host: nope.localhost", url}), "404");
  EXPECT_EQ(code({"-H", "Host:", url}), "400");
  EXPECT_EQ(code({"-H", "Host: " + host("alpha"), "-X", "POST", "-d", "x", "-H",
                  "Origin: https://evil.example", url}),
            "403");
  EXPECT_EQ(code({"-H", "Host: " + host("alpha"), "-X", "POST", "-d", "x", "-H",
                  "Sec-Fetch-Site: cross-site", url}),
            "403");
  EXPECT_EQ(code({"-H", "Host: " + host("alpha"), url}), "200");
}

TEST_F(GatewayTest, RefusedUpstreamsGet502WithTheReasonAndReceiveNoApplicationByte) {
  const CommandResult gen =
      run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "2",
                   "-keyout", dir_.file("plain.key"), "-out", dir_.file("plain.pem")});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  Peer plain = start_recorder(dir_.file("plain"));
  Peer other = start_recorder(issue("other", {"--bind-other-key"}));
  Peer debug = start_recorder(issue("debug", {"--debug"}));
  Peer wrong = start_recorder(issue("wrong", {"--mrenclave", kMrB}));
  const json policy = {{"mrenclave", {kMrA}}};
  start_gateway(json::array({app("plain", plain.port, policy), app("other", other.port, policy),
                             app("debug", debug.port, policy), app("wrong", wrong.port, policy)}));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain", "STATUS_NOT_RATLS_CERTIFICATE"},
      {"other", "STATUS_RATLS_KEY_BINDING_MISMATCH"},
      {"debug", "STATUS_POLICY_DEBUG_ENCLAVE"},
      {"wrong", "STATUS_POLICY_MRENCLAVE_NOT_ALLOWED"},
  };
  for (const auto& [name, code] : cases) {
    SCOPED_TRACE(name);
    CommandResult r =
        curl(name, "/secret?token=1", {"-H", "Accept: application/json", "-w", "\n%{http_code}"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto split = r.out.rfind('\n');
    EXPECT_EQ(r.out.substr(split + 1), "502");
    const json body = json::parse(r.out.substr(0, split));
    ASSERT_FALSE(body["errors"].empty()) << body.dump();
    EXPECT_EQ(body["errors"][0]["code"], code) << body.dump();
    EXPECT_FALSE(body["reason"].get<std::string>().empty());
    // The HTML form says the same for browsers.
    const CommandResult html = curl(name, "/");
    EXPECT_NE(html.out.find(code), std::string::npos) << html.out;
    EXPECT_NE(html.out.find("Nothing was sent to the app"), std::string::npos);
    EXPECT_EQ(app_status(status(), name)["state"], "refused");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const Peer* p : {&plain, &other, &debug, &wrong}) {
    const std::string record = read_all(p->record);
    EXPECT_NE(record.find("ok 0"), std::string::npos) << record;  // handshakes happened...
    for (std::size_t pos = 0; (pos = record.find("ok ", pos)) != std::string::npos; pos += 3) {
      EXPECT_EQ(record.substr(pos, 5), "ok 0\n")
          << "application bytes reached a refused upstream: " << record;
    }
  }
}

TEST_F(GatewayTest, RedeployAllowedByPolicyUpdatesThePin) {
  const int port = free_loopback_port();
  auto a = std::make_unique<Peer>(start_app(issue("a"), "version-a", port));
  start_gateway(json::array({app("alpha", port, {{"mrenclave", {kMrA, kMrB}}})}));
  EXPECT_EQ(curl("alpha", "/").out, "hello from version-a\n");
  EXPECT_EQ(app_status(status(), "alpha")["pin"]["mrenclave"], kMrA);

  a.reset();  // the app is redeployed with new code
  Peer b = start_app(issue("b", {"--mrenclave", kMrB}), "version-b", port);
  const CommandResult r = curl("alpha", "/");
  EXPECT_EQ(r.out, "hello from version-b\n") << r.err;
  const json st = app_status(status(), "alpha");
  EXPECT_EQ(st["pin"]["mrenclave"], kMrB);
  EXPECT_NE(read_all(log_ + ".stderr").find("pin updated"), std::string::npos);
}

TEST_F(GatewayTest, RedeployWithoutPolicyIsRefusedAndTheOldPinKept) {
  const int port = free_loopback_port();
  auto a = std::make_unique<Peer>(start_app(issue("a"), "version-a", port));
  start_gateway(json::array({app("alpha", port)}));  // no measurement policy: trust on first use
  EXPECT_EQ(curl("alpha", "/").out, "hello from version-a\n");

  a.reset();
  Peer b = start_app(issue("b", {"--mrenclave", kMrB}), "version-b", port);
  const CommandResult r =
      curl("alpha", "/", {"-H", "Accept: application/json", "-w", "\n%{http_code}"});
  const auto split = r.out.rfind('\n');
  EXPECT_EQ(r.out.substr(split + 1), "502");
  const json body = json::parse(r.out.substr(0, split));
  EXPECT_EQ(body["errors"][0]["code"], "STATUS_POLICY_MRENCLAVE_NOT_ALLOWED");
  EXPECT_NE(body["advice"].get<std::string>().find("ratls-gateway pins accept alpha"),
            std::string::npos);
  const json st = app_status(status(), "alpha");
  EXPECT_EQ(st["pin"]["mrenclave"], kMrA);
  EXPECT_EQ(st["pending"]["mrenclave"], kMrB);
}

// --- the state directory and the pin store ------------------------------------------------------

unsigned mode_of(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// A 502 with Accept: application/json: the body, or null when the reply was something else.
json refusal_json(const CommandResult& r) {
  EXPECT_EQ(r.exit_code, 0) << "no reply: " << r.err;
  const auto split = r.out.rfind('\n');
  if (split == std::string::npos) return nullptr;
  EXPECT_EQ(r.out.substr(split + 1), "502") << r.out;
  try {
    return json::parse(r.out.substr(0, split));
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << r.out;
    return nullptr;
  }
}

TEST_F(GatewayTest, StateDirectoryItsNewParentsAndItsFilesArePrivateWhateverTheUmask) {
  // A home without ~/.local/state: the gateway creates three directories.
  const std::filesystem::path home = dir_.path() / "home";
  std::filesystem::create_directory(home);
  std::filesystem::permissions(home, std::filesystem::perms(0755));
  const std::filesystem::path state = home / ".local" / "state" / "ratls-gateway";
  extra_config_["state_dir"] = state.string();
  extra_config_["tls_listen"] = {"127.0.0.1:" + std::to_string(free_loopback_port())};
  Peer a = start_app(issue("a"), "app-a");
  // umask 0: mkdir -p would leave every directory 0777 and the files as requested.
  start_gateway(json::array({app("alpha", a.port)}),
                {"/bin/sh", "-c", "umask 0; exec \"$@\"", "sh"});
  EXPECT_EQ(curl("alpha", "/").out, "hello from app-a\n");  // pins alpha (trust on first use)
  ASSERT_TRUE(std::filesystem::exists(state / "pins.json")) << read_all(log_ + ".stderr");
  ASSERT_TRUE(std::filesystem::exists(state / "local-ca" / "ca-key.pem"));

  EXPECT_EQ(mode_of(home), 0755u);  // the user's own: left alone
  EXPECT_EQ(mode_of(home / ".local"), 0700u);
  EXPECT_EQ(mode_of(home / ".local" / "state"), 0700u);
  EXPECT_EQ(mode_of(state), 0700u);
  EXPECT_EQ(mode_of(state / "pins.json"), 0600u);
  int seen = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(state)) {
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(mode_of(entry.path()), entry.is_directory() ? 0700u : 0600u);
    ++seen;
  }
  EXPECT_GE(seen, 4);  // pins.json, local-ca/, ca.pem, ca-key.pem (and the CA's lock file)
  EXPECT_EQ(read_all(log_ + ".stderr").find("has mode"), std::string::npos);
}

TEST_F(GatewayTest, ExistingStateDirectoryKeepsItsModeWithAWarning) {
  const std::filesystem::path state = dir_.path() / "shared-state";
  std::filesystem::create_directory(state);
  std::filesystem::permissions(state, std::filesystem::perms(0755));
  extra_config_["state_dir"] = state.string();
  start_gateway(json::array());
  EXPECT_EQ(mode_of(state), 0755u);  // perhaps shared on purpose: the user decides
  const std::string log = read_all(log_ + ".stderr");
  EXPECT_NE(log.find("state_dir " + state.string() + " has mode 0755"), std::string::npos) << log;
  EXPECT_NE(log.find("chmod 700 " + state.string()), std::string::npos) << log;
}

TEST_F(GatewayTest, CorruptPinStoreIsA502NamingItAndIsNeverOverwritten) {
  Peer a = start_app(issue("a"), "app-a");
  Peer b = start_app(issue("b", {"--mrenclave", kMrB}), "app-b");
  start_gateway(json::array({app("alpha", a.port), app("beta", b.port)}));
  EXPECT_EQ(curl("alpha", "/").out, "hello from app-a\n");  // pinned

  // Truncated, as by a crashed editor: beta needs a pin and the gateway cannot record it.
  const std::string pins = dir_.file("state/pins.json");
  std::string text = read_all(pins);
  text.resize(text.size() / 2);
  dir_.write("state/pins.json", text);
  const json body =
      refusal_json(curl("beta", "/", {"-H", "Accept: application/json", "-w", "\n%{http_code}"}));
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body["errors"][0]["code"], "STATUS_PIN_STORE_UNUSABLE") << body.dump();
  const std::string reason = body["reason"].get<std::string>();
  const std::string expected = "the pin store " + pins + " cannot be read: not a valid pins file: ";
  EXPECT_EQ(reason.rfind(expected + "parse error at line", 0), 0u) << reason;
  EXPECT_NE(body["advice"].get<std::string>().find("fix or remove " + pins), std::string::npos)
      << body.dump();
  const CommandResult html = curl("beta", "/", {"-w", "\n%{http_code}"});
  EXPECT_EQ(html.out.substr(html.out.rfind('\n') + 1), "502");
  EXPECT_NE(html.out.find(pins), std::string::npos) << html.out;
  EXPECT_NE(html.out.find("not a valid pins file"), std::string::npos) << html.out;
  EXPECT_EQ(app_status(status(), "beta")["state"], "refused");
  EXPECT_EQ(read_all(pins), text);  // byte for byte

  // Removed by the user: a fresh store, and beta is pinned.
  std::filesystem::remove(pins);
  EXPECT_EQ(curl("beta", "/").out, "hello from app-b\n");
  EXPECT_NE(read_all(pins).find("\"beta\""), std::string::npos);
}

// Modes do not stop root (the tests' user): what fails for everyone is a directory in the way.
TEST_F(GatewayTest, PinStoreThatCannotBeReadOrWrittenIsA502AndLeftAsItIs) {
  Peer a = start_app(issue("a"), "app-a");
  Peer b = start_app(issue("b", {"--mrenclave", kMrB}), "app-b");
  start_gateway(json::array({app("alpha", a.port), app("beta", b.port)}));
  const std::string pins = dir_.file("state/pins.json");
  auto request = [&](const std::string& name) {
    return refusal_json(
        curl(name, "/", {"-H", "Accept: application/json", "-w", "\n%{http_code}"}));
  };

  // pins.json is a directory: cannot be read.
  std::filesystem::create_directory(pins);
  json body = request("alpha");
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body["errors"][0]["code"], "STATUS_PIN_STORE_UNUSABLE");
  EXPECT_EQ(body["reason"], "the pin store " + pins + " cannot be read: not a regular file");
  EXPECT_TRUE(std::filesystem::is_directory(pins));
  EXPECT_TRUE(std::filesystem::is_empty(pins));
  std::filesystem::remove(pins);

  // A directory where the temporary file goes: cannot be written; pins.json stays as it was.
  EXPECT_EQ(curl("alpha", "/").out, "hello from app-a\n");
  const std::string before = read_all(pins);
  const std::string tmp = pins + ".tmp." + std::to_string(gateway_->pid());
  std::filesystem::create_directory(tmp);
  body = request("beta");
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body["errors"][0]["code"], "STATUS_PIN_STORE_UNUSABLE");
  EXPECT_EQ(body["reason"],
            "the pin store " + pins + " cannot be written: create " + tmp + ": Is a directory");
  EXPECT_NE(body["advice"].get<std::string>().find(dir_.file("state")), std::string::npos);
  EXPECT_EQ(read_all(pins), before);
  EXPECT_EQ(app_status(status(), "beta")["state"], "refused");
}

TEST_F(GatewayTest, UpstreamDyingMidResponseFailsThatResponseOnly) {
  Peer a = start_app(issue("a"), "app-a");
  start_gateway(json::array({app("alpha", a.port)}));
  const CommandResult broken = curl("alpha", "/truncate", {"-o", "/dev/null"});
  EXPECT_NE(broken.exit_code, 0);  // a truncated body, never a complete-looking one
  const CommandResult ok = curl("alpha", "/");
  EXPECT_EQ(ok.out, "hello from app-a\n") << ok.err;
}

TEST_F(GatewayTest, UnreachableUpstreamIsA502ThatSaysSo) {
  const int port = free_loopback_port();
  start_gateway(json::array({app("gone", port)}));
  const CommandResult r = curl("gone", "/", {"-w", "\n%{http_code}"});
  EXPECT_NE(r.out.find("cannot connect"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(r.out.rfind('\n') + 1), "502");
  // The failed dial is not repeated for a second: the next request gets its error at once.
  const CommandResult again = curl("gone", "/", {"-w", "\n%{http_code}"});
  EXPECT_NE(again.out.find("cannot connect"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("retrying shortly"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.substr(again.out.rfind('\n') + 1), "502");
  // After it, the gateway dials again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const CommandResult later = curl("gone", "/", {"-w", "\n%{http_code}"});
  EXPECT_NE(later.out.find("cannot connect"), std::string::npos) << later.out;
  EXPECT_EQ(later.out.find("retrying shortly"), std::string::npos) << later.out;
}

// nginx (Debian) terminates TLS with a simulated RA-TLS certificate in front of a Flask app
// (python3-flask): the gateway must relay everything a real stack does.
TEST_F(GatewayTest, NginxAndFlaskBehindTheGateway) {
  const int flask_port = free_loopback_port();
  const int nginx_port = free_loopback_port();
  const std::string public_origin = "https://127.0.0.1:" + std::to_string(nginx_port);
  BackgroundProcess flask(
      {"/usr/bin/python3", peer("flask_app.py"), std::to_string(flask_port), public_origin},
      dir_.file("flask.log"));
  ASSERT_TRUE(wait_for_port(flask_port)) << read_all(dir_.file("flask.log.stderr"));
  const std::string cert = issue("nginx");
  const std::string prefix = dir_.file("nginx");
  std::filesystem::create_directories(prefix);
  const std::string conf = dir_.write(
      "nginx.conf",
      "daemon off; master_process off; worker_processes 1;\n"
      "pid " +
          prefix + "/nginx.pid; error_log " + prefix +
          "/error.log warn;\n"
          "events { worker_connections 64; }\n"
          "http { access_log off;\n"
          "  client_body_temp_path " +
          prefix +
          "/body;\n"
          "  proxy_temp_path " +
          prefix +
          "/proxy;\n"
          "  fastcgi_temp_path " +
          prefix +
          "/fastcgi;\n"
          "  uwsgi_temp_path " +
          prefix +
          "/uwsgi;\n"
          "  scgi_temp_path " +
          prefix +
          "/scgi;\n"
          "  server { listen 127.0.0.1:" +
          std::to_string(nginx_port) +
          " ssl;\n"
          "    ssl_certificate " +
          cert +
          ".pem;\n"
          "    ssl_certificate_key " +
          cert +
          ".key;\n"
          "    client_max_body_size 0;\n"
          "    location / { proxy_pass http://127.0.0.1:" +
          std::to_string(flask_port) +
          ";\n"
          "      proxy_http_version 1.1; proxy_request_buffering off;\n"
          "      proxy_buffering off; proxy_set_header Host $host:$server_port; } } }\n");
  BackgroundProcess nginx({"/usr/sbin/nginx", "-p", prefix, "-c", conf}, dir_.file("nginx.log"));
  ASSERT_TRUE(wait_for_port(nginx_port))
      << read_all(dir_.file("nginx.log.stderr")) << read_all(prefix + "/error.log");
  start_gateway(json::array({app("flask", nginx_port, {{"mrenclave", {kMrA}}})}));
  const std::string origin = "http://" + host("flask");

  EXPECT_EQ(curl("flask", "/").out, "flask behind nginx\n");
  const CommandResult post = curl("flask", "/value",
                                  {"-X", "POST", "-H", "Origin: " + origin, "-H",
                                   "Content-Type: application/json", "-d", R"({"value":"v1"})"});
  EXPECT_EQ(json::parse(post.out)["stored"], "v1") << post.out << post.err;
  EXPECT_EQ(json::parse(curl("flask", "/value").out)["value"], "v1");

  const CommandResult redirect = curl("flask", "/redirect", {"-D", "-", "-o", "/dev/null"});
  EXPECT_NE(redirect.out.find("Location: " + origin + "/value"), std::string::npos) << redirect.out;
  const CommandResult cookie = curl("flask", "/cookie", {"-D", "-", "-b", "flask_session=abc"});
  EXPECT_NE(cookie.out.find("flask_session=abc"), std::string::npos);
  EXPECT_EQ(cookie.out.find("Domain"), std::string::npos) << cookie.out;
  EXPECT_NE(cookie.out.find("\"seen\":\"abc\""), std::string::npos) << cookie.out;

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(curl("flask", "/events", {"-N"}).out,
            "data: flask 0\n\ndata: flask 1\n\ndata: flask 2\n\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));

  constexpr long kSize = 100L * 1024 * 1024;
  const std::string big = dir_.file("big.bin");
  {
    std::ofstream out(big, std::ios::binary);
    std::vector<char> chunk(1 << 20, 'q');
    for (long i = 0; i < kSize / (1 << 20); ++i)
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
  const CommandResult up = curl(
      "flask", "/upload", {"-X", "POST", "-H", "Origin: " + origin, "--data-binary", "@" + big});
  EXPECT_EQ(json::parse(up.out)["bytes"], kSize) << up.out << up.err;
  const CommandResult chunked = curl("flask", "/upload",
                                     {"-X", "POST", "-H", "Origin: " + origin, "-H",
                                      "Transfer-Encoding: chunked", "--data-binary", "@" + big});
  EXPECT_EQ(json::parse(chunked.out)["bytes"], kSize) << chunked.out << chunked.err;
  const CommandResult down = curl("flask", "/download?bytes=" + std::to_string(kSize),
                                  {"-o", "/dev/null", "-w", "%{size_download}"});
  EXPECT_EQ(down.out, std::to_string(kSize)) << down.err;
  const long rss = peak_rss_kib(gateway_->pid());
  EXPECT_GT(rss, 0);
  if (!kSanitizedBuild) {
    EXPECT_LT(rss, 64 * 1024) << "gateway peak RSS " << rss << " KiB";
  }
}

TEST_F(GatewayTest, HttpsListenerServesAppsWithLocalCaCertificates) {
  Peer a = start_app(issue("a"), "app-a");
  const int tls_port = free_loopback_port();
  extra_config_["tls_listen"] = {"127.0.0.1:" + std::to_string(tls_port)};
  start_gateway(json::array({app("alpha", a.port, {{"mrenclave", {kMrA}}})}));
  ASSERT_TRUE(wait_for_port(tls_port));
  const std::string ca = dir_.file("state/local-ca/ca.pem");
  ASSERT_TRUE(std::filesystem::exists(ca)) << read_all(log_ + ".stderr");
  const std::string authority = "alpha.localhost:" + std::to_string(tls_port);
  auto https = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"/usr/bin/curl",         "-sS", "-m", "20", "--resolve",
                                     authority + ":127.0.0.1"};
    for (auto& e : extra) args.push_back(e);
    return run_command(args);
  };
  const CommandResult ok = https({"--cacert", ca, "https://" + authority + "/"});
  EXPECT_EQ(ok.out, "hello from app-a\n") << ok.err;
  // Same guards on the https side: a same-origin POST passes, a foreign origin does not.
  const CommandResult post =
      https({"--cacert", ca, "-X", "POST", "-d", "x", "-H", "Origin: https://" + authority,
             "https://" + authority + "/echo"});
  EXPECT_EQ(json::parse(post.out)["origin"], "https://127.0.0.1:" + std::to_string(a.port))
      << post.out;
  const CommandResult foreign =
      https({"--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", "x", "-H",
             "Origin: https://evil.example", "https://" + authority + "/echo"});
  EXPECT_EQ(foreign.out, "403");
  // Without the CA the certificate is not trusted; for a name outside *.localhost there is none.
  EXPECT_EQ(https({"https://" + authority + "/"}).exit_code, 60);
  const CommandResult other =
      run_command({"/usr/bin/curl", "-sS", "-m", "20", "--cacert", ca, "--resolve",
                   "evil.example:" + std::to_string(tls_port) + ":127.0.0.1",
                   "https://evil.example:" + std::to_string(tls_port) + "/"});
  EXPECT_NE(other.exit_code, 0);
  // The status page over https too.
  const CommandResult page = run_command(
      {"/usr/bin/curl", "-sS", "-m", "20", "--cacert", ca,
       "https://localhost:" + std::to_string(tls_port) + "/.well-known/ratls-gateway/status.json"});
  EXPECT_EQ(json::parse(page.out)["apps"][0]["state"], "verified") << page.out << page.err;
}

// mode "webpki": the owner's certificate, checked against the system CA store (SSL_CERT_FILE here)
// with hostname verification, and no attestation. Each refused upstream fails one check only.
TEST_F(GatewayTest, WebPkiModeChecksTheChainAndTheName) {
  const std::string ca = webpki_ca().substr(0, webpki_ca().size() - 4);
  auto leaf = [&](const std::string& name, const std::string& san, bool from_ca) {
    return webpki_leaf(name, san, from_ca);
  };
  Peer good = start_app(leaf("good", "IP:127.0.0.1", true), "owner-app");
  Peer misnamed = start_recorder(leaf("misnamed", "DNS:other.example", true));
  Peer unknown_ca = start_recorder(leaf("selfsigned", "IP:127.0.0.1", false));
  json apps = json::array();
  for (const auto& [name, port] :
       {std::pair{"good", good.port}, {"misnamed", misnamed.port}, {"unknown", unknown_ca.port}}) {
    json a = app(name, port);
    a["mode"] = "webpki";
    apps.push_back(a);
  }
  start_gateway(apps, {}, {"SSL_CERT_FILE=" + ca + ".pem"});
  EXPECT_EQ(curl("good", "/").out, "hello from owner-app\n");
  EXPECT_EQ(app_status(status(), "good")["state"], "not attested");
  for (const char* name : {"misnamed", "unknown"}) {
    SCOPED_TRACE(name);
    const CommandResult r = curl(name, "/", {"-w", "\n%{http_code}"});
    EXPECT_EQ(r.out.substr(r.out.rfind('\n') + 1), "502");
    EXPECT_NE(r.out.find("is not trusted"), std::string::npos) << r.out;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const Peer* p : {&misnamed, &unknown_ca}) {
    const std::string record = read_all(p->record);
    EXPECT_EQ(record.find("ok "), std::string::npos)
        << "a refused upstream completed a handshake: " << record;
  }
}

TEST(GatewayConfig, ErrorsNameTheKeyPathAndStopTheDaemon) {
  TempDir dir;
  const std::string path = dir.write(
      "config.json",
      R"({"apps":[{"name":"a","upstream":"https://127.0.0.1:1","policy":{"mrenclave":["xyz"]}}]})");
  const CommandResult r = run_command({gateway_binary(), "run", "--config", path}, 20);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("apps[0].policy.mrenclave[0]: expected 64 hex digits"), std::string::npos)
      << r.err;
  const CommandResult missing =
      run_command({gateway_binary(), "run", "--config", dir.file("none.json")}, 20);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.json"), std::string::npos) << missing.err;
  for (const std::string threads : {"65", "-1", "two"}) {
    const CommandResult bad =
        run_command({gateway_binary(), "run", "--config", path, "--threads", threads}, 20);
    EXPECT_NE(bad.exit_code, 0) << threads;
    EXPECT_NE(bad.err.find("--threads"), std::string::npos) << threads << ": " << bad.err;
  }
}

// --- the demo: the embedded simulated app behind the gateway ------------------------------------

class DemoTest : public DemoFixture {
 protected:
  CommandResult curl(const std::string& path, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"/usr/bin/curl",
                                     "-sS",
                                     "-m",
                                     "60",
                                     "--resolve",
                                     "demo.localhost:" + std::to_string(port_) + ":127.0.0.1",
                                     origin() + path};
    for (auto& e : extra) args.push_back(e);
    return run_command(args, 120);
  }
  int demo_pid() const { return demo_->pid(); }
};

TEST_F(DemoTest, PrintsTheUrlAndServesTheSimulatedApp) {
  EXPECT_NE(read_all(log_).find(origin() + "/"), std::string::npos) << read_all(log_);
  const CommandResult info = curl("/api/info");
  const json j = json::parse(info.out);
  EXPECT_EQ(j["simulated"], true);
  const CommandResult page = curl("/");
  EXPECT_NE(page.out.find("SIMULATED"), std::string::npos);
}

TEST_F(DemoTest, StoresAndReadsBackAValue) {
  const CommandResult post =
      curl("/api/value", {"-X", "POST", "-H", "Content-Type: application/json", "-H",
                          "Origin: " + origin(), "-d", R"({"value":"kept in the enclave"})"});
  EXPECT_EQ(json::parse(post.out)["stored"], "kept in the enclave") << post.out;
  EXPECT_EQ(json::parse(curl("/api/value").out)["value"], "kept in the enclave");
}

// A value that is not UTF-8 is answered with replacement characters, not a dropped connection.
TEST_F(DemoTest, AValueThatIsNotUtf8StillReadsBack) {
  const std::string body = dir_.write("latin1.txt", std::string("caf\xe9"));
  const CommandResult post =
      curl("/api/value", {"-X", "POST", "-H", "Content-Type: text/plain", "-H",
                          "Origin: " + origin(), "--data-binary", "@" + body});
  EXPECT_EQ(post.exit_code, 0) << post.err;
  const CommandResult get = curl("/api/value", {"-w", "\n%{http_code}"});
  EXPECT_NE(get.out.find("caf\xef\xbf\xbd"), std::string::npos) << get.out;
  EXPECT_EQ(get.out.substr(get.out.size() - 3), "200") << get.out;
}

TEST_F(DemoTest, RedirectsAndCookiesPointAtTheGateway) {
  const CommandResult redirect = curl("/redirect", {"-D", "-", "-o", "/dev/null"});
  EXPECT_NE(redirect.out.find("Location: " + origin() + "/api/info"), std::string::npos)
      << redirect.out;
  const CommandResult followed = curl("/redirect", {"-L"});
  EXPECT_EQ(json::parse(followed.out)["app"], "demo");
  const CommandResult session = curl("/api/session", {"-D", "-"});
  const auto pos = session.out.find("Set-Cookie: ");
  ASSERT_NE(pos, std::string::npos) << session.out;
  const std::string cookie = session.out.substr(pos, session.out.find('\n', pos) - pos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_EQ(cookie.find("Domain"), std::string::npos) << cookie;
  // The cookie travels back to the app (browsers keep Secure cookies on *.localhost: the browser
  // tests check that; curl only does for "localhost" itself, so it is sent explicitly here).
  const CommandResult again = curl("/api/session", {"-b", "demo_session=simulated"});
  EXPECT_NE(again.out.find("demo_session=simulated"), std::string::npos) << again.out;
}

TEST_F(DemoTest, HeadRequestsLeaveTheConnectionUsable) {
  const CommandResult head = curl("/api/download?bytes=1000000", {"-I"});
  EXPECT_NE(head.out.find("Content-Length: 1000000"), std::string::npos) << head.out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(json::parse(curl("/api/info").out)["app"], "demo");
  }
}

TEST_F(DemoTest, ServerSentEventsArriveAsTheyAreSent) {
  // Three events 700 ms apart: with buffering, the first would arrive with the last.
  const auto start = std::chrono::steady_clock::now();
  const CommandResult r = curl("/api/events?count=3&interval_ms=700", {"-N"});
  EXPECT_EQ(r.out, "data: event 0\n\ndata: event 1\n\ndata: event 2\n\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
  // First event timing, measured with curl's own trace timestamps.
  const CommandResult traced =
      run_command({"/bin/sh", "-c",
                   "/usr/bin/curl -sS -N -m 20 --resolve demo.localhost:" + std::to_string(port_) +
                       ":127.0.0.1 " + origin() +
                       "/api/events?count=2\\&interval_ms=1500 | while IFS= read -r line; do [ -n "
                       "\"$line\" ] && date +%s%N; done"},
                  30);
  std::istringstream times(traced.out);
  long long t0 = 0, t1 = 0;
  times >> t0 >> t1;
  EXPECT_GT(t1 - t0, 1'000'000'000LL) << "events were buffered: " << traced.out;
}

TEST_F(DemoTest, LargeBodiesStreamBothWaysInBoundedMemory) {
  constexpr long kSize = 100L * 1024 * 1024;
  const CommandResult down = curl("/api/download?bytes=" + std::to_string(kSize),
                                  {"-o", "/dev/null", "-w", "%{size_download}"});
  EXPECT_EQ(down.out, std::to_string(kSize)) << down.err;
  const std::string big = dir_.file("big.bin");
  {
    std::ofstream out(big, std::ios::binary);
    std::vector<char> chunk(1 << 20, 'y');
    for (long i = 0; i < kSize / (1 << 20); ++i)
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
  const CommandResult up =
      curl("/api/upload", {"-X", "POST", "--data-binary", "@" + big, "-H", "Origin: " + origin()});
  EXPECT_EQ(json::parse(up.out)["bytes"], kSize) << up.out << up.err;
  const CommandResult chunked =
      curl("/api/upload", {"-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary",
                           "@" + big, "-H", "Origin: " + origin()});
  EXPECT_EQ(json::parse(chunked.out)["bytes"], kSize) << chunked.out << chunked.err;
  const long rss = peak_rss_kib(demo_pid());
  EXPECT_GT(rss, 0);
  if (!kSanitizedBuild) {
    EXPECT_LT(rss, 64 * 1024) << "peak RSS " << rss << " KiB while relaying 100 MB bodies";
  }
}

TEST_F(DemoTest, WebSocketEchoAndCrossSiteRefusal) {
  const std::string url = "ws://demo.localhost:" + std::to_string(port_) + "/ws";
  // python3-websockets connects to 127.0.0.1 and sends Host: demo.localhost (as browsers would).
  CommandResult r =
      run_command({"/usr/bin/python3", peer("ws_client.py"), url, "hello websocket", origin()}, 30);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "hello websocket\n");
  r = run_command({"/usr/bin/python3", peer("ws_client.py"), url, "hijack", "https://evil.example"},
                  30);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("403"), std::string::npos) << r.out;
}

TEST_F(DemoTest, SigtermDrainsTheRequestInFlight) {
  std::string out;
  std::thread client([&] { out = curl("/api/events?count=4&interval_ms=400", {"-N"}).out; });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(demo_pid(), SIGTERM);
  client.join();
  EXPECT_EQ(out, "data: event 0\n\ndata: event 1\n\ndata: event 2\n\ndata: event 3\n\n");
  EXPECT_EQ(demo_->wait(10000), 0) << read_all(log_ + ".stderr");
}

}  // namespace
}  // namespace ratls::test
