// A WebSocket tunnel through the gateway ends when no byte has passed either way for
// http.tunnel_idle_timeout_seconds, and only then: a python3-websockets TLS echo server (with a
// simulated RA-TLS certificate) behind `ratls-gateway run`, a python3-websockets client in front.
#include <gtest/gtest.h>

#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

class TunnelTimeoutTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    upstream_ = start_tls_peer("wss_echo.py", issue("app"));
    extra_config_ = {{"http", {{"tunnel_idle_timeout_seconds", 2}}}};
    start_gateway(json::array({app("echo", upstream_.port)}));
  }

  // "closed after S" or "open after S", as ws_idle_client.py prints it.
  std::string hold(double send_every, double hold_seconds) {
    const CommandResult r = run_command(
        {"/usr/bin/python3", peer("ws_idle_client.py"), "ws://" + host("echo") + "/",
         "http://" + host("echo"), std::to_string(send_every), std::to_string(hold_seconds)},
        60);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err << read_all(log_ + ".stderr");
    return r.out;
  }

  Peer upstream_;
};

TEST_F(TunnelTimeoutTest, AnIdleTunnelIsClosedAfterTheTimeout) {
  const std::string out = hold(0, 10);
  ASSERT_EQ(out.rfind("closed after ", 0), 0u) << out;
  const double after = std::stod(out.substr(13));
  EXPECT_GE(after, 1.5) << out;  // not before the timeout
  EXPECT_LE(after, 4.0) << out;  // nor long after it
}

TEST_F(TunnelTimeoutTest, TrafficEitherWayKeepsItOpen) {
  // A message (and its echo) every 0.8 s for 4 s: twice the timeout, never idle for it.
  const std::string out = hold(0.8, 4);
  EXPECT_EQ(out.rfind("open after ", 0), 0u) << out;
}

}  // namespace
}  // namespace ratls::test
