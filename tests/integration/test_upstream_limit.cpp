// http.upstream_connections_per_app: a burst of clients shares a bounded set of upstream
// connections (the app never sees more at once), every request is still answered, and a request
// that cannot get a connection within the idle timeout gets 503.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

class UpstreamLimitTest : public GatewayTest {
 protected:
  void start(int limit, int idle_timeout) {
    const std::string base = issue("app");
    app_ = start_app(base, "app");
    gateway_args_ = {"--threads", "1"};  // one loop: its share is the whole limit
    extra_config_ = {
        {"http",
         {{"upstream_connections_per_app", limit}, {"idle_timeout_seconds", idle_timeout}}}};
    start_gateway(json::array({app("app", app_.port)}));
  }

  Peer app_;
};

TEST_F(UpstreamLimitTest, ABurstSharesTheAllowedConnections) {
  start(2, 60);
  const auto begin = std::chrono::steady_clock::now();
  std::vector<std::future<CommandResult>> burst;
  for (int i = 0; i < 6; ++i) {
    burst.push_back(std::async(std::launch::async, [this] { return curl("app", "/slow?ms=500"); }));
  }
  for (auto& f : burst) {
    const CommandResult r = f.get();
    EXPECT_EQ(r.out, "slow\n") << r.err << read_all(log_ + ".stderr");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_GE(seconds, 1.4);                             // three rounds of two, not one round of six
  EXPECT_EQ(curl("app", "/most-at-once").out, "2\n");  // up to the limit, never beyond
  // The two connections were reused, not redialled.
  const std::string metrics = metrics_text();
  EXPECT_NE(metrics.find("ratls_gateway_upstream_connections_opened_total{app=\"app\"} 2\n"),
            std::string::npos)
      << metrics;
}

// A burst's connections wait in the pool, all of them, for the next burst: more clients at once
// than some fixed pool size must not turn every request beyond it into a new handshake and
// verification (with a pool of 16 per loop, 64 keep-alive clients ran at a fifth of the speed).
TEST_F(UpstreamLimitTest, ABurstsConnectionsAreAllReusedByTheNextBurst) {
  start(64, 60);
  constexpr int kClients = 24;
  auto burst = [this] {
    std::vector<std::future<CommandResult>> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.push_back(
          std::async(std::launch::async, [this] { return curl("app", "/slow?ms=1500"); }));
    }
    for (auto& f : clients) {
      const CommandResult r = f.get();
      EXPECT_EQ(r.out, "slow\n") << r.err;
    }
  };
  auto opened = [this] {
    const std::string metrics = metrics_text();
    const std::string key = "ratls_gateway_upstream_connections_opened_total{app=\"app\"} ";
    const auto at = metrics.find(key);
    return at == std::string::npos ? -1 : std::stoi(metrics.substr(at + key.size()));
  };
  burst();
  // All at once: one connection each (the test says so if they did not overlap).
  ASSERT_EQ(opened(), kClients) << read_all(log_ + ".stderr");
  burst();
  EXPECT_EQ(opened(), kClients);  // the second burst found every one of them in the pool
}

TEST_F(UpstreamLimitTest, WaitingLongerThanTheIdleTimeoutIs503) {
  start(1, 1);
  // Busy for 2.5 s, but never idle for the 1 s timeout: a line every 200 ms.
  auto holding = std::async(std::launch::async, [this] { return curl("app", "/drip?ms=2500"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const CommandResult waiting = curl("app", "/", {"-w", "%{http_code}"});
  EXPECT_NE(waiting.out.find("503"), std::string::npos) << waiting.out;
  EXPECT_NE(waiting.out.find("connections to the app stayed busy"), std::string::npos)
      << waiting.out;
  EXPECT_EQ(holding.get().out.size(), 24u);             // 12 lines of "x\n": complete
  EXPECT_EQ(curl("app", "/").out, "hello from app\n");  // the connection is free again
}

}  // namespace
}  // namespace ratls::test
