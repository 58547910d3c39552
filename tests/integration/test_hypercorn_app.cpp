// A real application server behind the gateway: Flask on hypercorn (Debian's python3-hypercorn,
// peers/hypercorn_app.py), over TLS with a simulated RA-TLS certificate and ALPN offering h2
// first, as Cosmian's enclave runtime serves apps. The gateway offers only http/1.1, so the two
// must agree on HTTP/1.1; then browsing, POST, streaming and redirects work through it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <deque>
#include <sstream>

#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

// The body as JSON; a failure naming what came instead (a 502 page, say).
json json_of(const CommandResult& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << r.out << r.err;
    return json();
  }
}

class HypercornTest : public GatewayTest {
 protected:
  // The gateway goes first: hypercorn 0.13 waits for its idle keep-alive connections (about 5 s)
  // before it exits on SIGTERM, graceful_timeout or not.
  void TearDown() override {
    if (gateway_) gateway_->stop();
    hypercorns_.clear();
  }

  // hypercorn with the Flask app, the certificate `base` and ALPN `alpn` (TOML list); it runs
  // until the test ends.
  const Peer& start_hypercorn(const std::string& base, const std::string& alpn) {
    Peer& p = hypercorns_.emplace_back();
    p.port = free_loopback_port();
    const std::string config = dir_.write("hypercorn-" + std::to_string(p.port) + ".toml",
                                          "alpn_protocols = " + alpn + "\n");
    const std::string app = peer("hypercorn_app.py");
    p.record = dir_.file("hypercorn-" + std::to_string(p.port) + ".log");
    p.process = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/bin/python3", "-m", "hypercorn", "--certfile", base + ".pem",
                                 "--keyfile", base + ".key", "--bind",
                                 "127.0.0.1:" + std::to_string(p.port), "--config", config,
                                 app.substr(0, app.size() - 3) + ":asgi"},
        p.record);
    EXPECT_TRUE(wait_for_port(p.port, 20000)) << read_all(p.record + ".stderr");
    return p;
  }
  std::deque<Peer> hypercorns_;

  // The protocol a TLS client offering `offer` (Python list) agrees on with the peer directly:
  // "h2", "http/1.1" or "None".
  static std::string alpn_with(int port, const std::string& offer) {
    const CommandResult r =
        run_command({"/usr/bin/python3", "-c",
                     "import socket, ssl\n"
                     "c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
                     "c.check_hostname = False\n"
                     "c.verify_mode = ssl.CERT_NONE\n"
                     "c.set_alpn_protocols(" +
                         offer +
                         ")\n"
                         "s = c.wrap_socket(socket.create_connection(('127.0.0.1', " +
                         std::to_string(port) +
                         ")))\n"
                         "print(s.selected_alpn_protocol())\n"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
};

TEST_F(HypercornTest, BrowsingPostStreamingAndRedirectsThroughTheGateway) {
  const Peer& h = start_hypercorn(issue("hypercorn"), R"(["h2", "http/1.1"])");
  start_gateway(json::array({app("hyper", h.port, {{"mrenclave", {kMrA}}})}));
  const std::string origin = "http://" + host("hyper");

  // hypercorn speaks h2 to a client that offers it; through the gateway, which offers only
  // http/1.1, the app sees HTTP/1.1.
  EXPECT_EQ(alpn_with(h.port, R"(["h2", "http/1.1"])"), "h2");
  CommandResult r = curl("hyper", "/protocol");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json_of(r)["http_version"], "1.1") << r.out;

  // Browsing: the HTML page, and the app verified on the status page.
  r = curl("hyper", "/", {"-i"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/1.1 200 ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("content-type: text/html"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<h1>Flask on hypercorn</h1>"), std::string::npos) << r.out;
  EXPECT_EQ(app_status(status(), "hyper")["state"], "verified");

  // POST: JSON and a form, echoed; the app saw its own Host.
  const json sent = {
      {"list", {1, 2, 3}}, {"text", "gr\u00fc\u00df dich"}, {"nested", {{"k", true}}}};
  r = curl("hyper", "/echo", {"--json", sent.dump()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json echo = json_of(r);
  EXPECT_EQ(echo["json"], sent) << r.out;
  EXPECT_EQ(echo["host"], "127.0.0.1:" + std::to_string(h.port));
  r = curl("hyper", "/echo", {"-d", "a=1", "-d", "b=two words", "-H", "Origin: " + origin});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json_of(r)["form"], json({{"a", "1"}, {"b", "two words"}})) << r.out;

  // Streaming: each line carries the time the app produced it; the first one must arrive before
  // the last one is produced.
  const CommandResult traced = run_command(
      {"/bin/sh", "-c",
       "/usr/bin/curl -sS -N -m 20 --resolve " + host("hyper") + ":127.0.0.1 '" + origin +
           "/stream?n=3&ms=700' | while IFS= read -r line; do echo \"$(date +%s.%N) $line\"; "
           "done"},
      30);
  std::istringstream lines(traced.out);
  std::vector<std::pair<double, double>> arrived_produced;
  for (double arrived, produced; lines >> arrived;) {
    int index = 0;
    lines >> index >> produced;
    EXPECT_EQ(index, static_cast<int>(arrived_produced.size())) << traced.out;
    arrived_produced.emplace_back(arrived, produced);
  }
  ASSERT_EQ(arrived_produced.size(), 3u) << traced.out << traced.err;
  EXPECT_LT(arrived_produced.front().first, arrived_produced.back().second)
      << "the stream was buffered: " << traced.out;
  EXPECT_GT(arrived_produced.back().second - arrived_produced.front().first, 0.7) << traced.out;

  // A redirect to the app's own absolute URL comes back pointing at the gateway's origin.
  r = curl("hyper", "/redirect", {"-D", "-", "-o", "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/1.1 302 ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("location: " + origin + "/target\r\n"), std::string::npos) << r.out;
  r = curl("hyper", "/redirect", {"-L"});
  EXPECT_EQ(r.out, "redirect target\n") << r.err;
}

// mse-lib-sgx configures hypercorn with alpn_protocols = ["h2"] alone: no protocol in common with
// the gateway's offer, so the handshake ends with none chosen and hypercorn falls back to
// HTTP/1.1.
TEST_F(HypercornTest, AnH2OnlyOfferFallsBackToHttp11) {
  const Peer& h = start_hypercorn(issue("hypercorn"), R"(["h2"])");
  start_gateway(json::array({app("hyper", h.port, {{"mrenclave", {kMrA}}})}));
  EXPECT_EQ(alpn_with(h.port, R"(["h2", "http/1.1"])"), "h2");
  EXPECT_EQ(alpn_with(h.port, R"(["http/1.1"])"), "None");
  const CommandResult r = curl("hyper", "/protocol");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json_of(r)["http_version"], "1.1") << r.out;
  EXPECT_NE(curl("hyper", "/").out.find("<h1>Flask on hypercorn</h1>"), std::string::npos);
}

}  // namespace
}  // namespace ratls::test
