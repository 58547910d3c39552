// How long the gateway keeps a connection that waits, with no timer per connection (the event
// loops sweep them once a second): a client that sends nothing is closed after
// http.header_timeout_seconds, a keep-alive client after http.idle_timeout_seconds, a client that
// keeps asking is never closed, and a pooled upstream connection is closed after the pool's 4 s.
// Raw sockets on one side, a python3 HTTPS app on the other; upstream connections are counted in
// /proc/net/tcp, as the kernel sees them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

using Clock = std::chrono::steady_clock;

class Connection {
 public:
  explicit Connection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Connection() { ::close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return connected_; }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // One response: its head and a Content-Length body. Empty if the connection ended first.
  std::string read_response(double limit_seconds) {
    std::string in;
    const auto deadline = Clock::now() + seconds(limit_seconds);
    for (;;) {
      const auto head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto cl = in.find("Content-Length: ");
        const std::size_t length = cl < head_end ? std::stoul(in.substr(cl + 16)) : 0;
        if (in.size() >= head_end + 4 + length) return in;
      }
      char buf[4096];
      if (!wait_readable(deadline)) return "";
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      in.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Seconds from now until the peer closes the connection, or -1 if it is still open after
  // `limit_seconds` (or sends bytes instead).
  double seconds_until_closed(double limit_seconds) {
    const auto start = Clock::now();
    if (!wait_readable(start + seconds(limit_seconds))) return -1;
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n > 0) return -1;
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

 private:
  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }
  bool wait_readable(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left)) == 1;
  }

  int fd_;
  bool connected_ = false;
};

// Established TCP connections to 127.0.0.1:`port`, from /proc/net/tcp.
int established_to(int port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  int n = 0;
  char want[16];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (remote == want && state == "01") ++n;
  }
  return n;
}

class WaitLimitsTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    upstream_ = start_app(issue("app"), "app");
    extra_config_ = {{"http", {{"header_timeout_seconds", 2}, {"idle_timeout_seconds", 4}}}};
    start_gateway(json::array({app("app", upstream_.port)}));
  }

  std::string request() const { return "GET / HTTP/1.1\r\nHost: " + host("app") + "\r\n\r\n"; }

  Peer upstream_;
};

TEST_F(WaitLimitsTest, AClientThatSendsNothingIsClosedAfterTheHeaderTimeout) {
  Connection c(port_);
  ASSERT_TRUE(c.connected());
  const double closed = c.seconds_until_closed(10);
  EXPECT_GE(closed, 1.9);  // not before header_timeout (2 s)
  EXPECT_LE(closed, 3.8);  // nor much after it: the sweep runs every second
}

TEST_F(WaitLimitsTest, AKeepAliveClientIsClosedAfterTheIdleTimeoutNotTheHeaderTimeout) {
  Connection c(port_);
  ASSERT_TRUE(c.send(request()));
  const std::string response = c.read_response(10);
  ASSERT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  const double closed = c.seconds_until_closed(12);
  EXPECT_GE(closed, 3.9);  // idle_timeout (4 s), well past header_timeout (2 s)
  EXPECT_LE(closed, 5.8);
}

TEST_F(WaitLimitsTest, AClientThatKeepsAskingStaysConnected) {
  Connection c(port_);
  // Six requests 1.5 s apart: 7.5 s on one connection, longer than either limit, never idle for
  // the header timeout.
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(c.send(request())) << "request " << i;
    const std::string response = c.read_response(10);
    ASSERT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << "request " << i << ": " << response;
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
}

TEST_F(WaitLimitsTest, APooledUpstreamConnectionIsClosedAfterFourSecondsIdle) {
  {
    Connection c(port_);
    ASSERT_TRUE(c.send(request()));
    ASSERT_EQ(c.read_response(10).rfind("HTTP/1.1 200", 0), 0u);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(established_to(upstream_.port), 1) << "the connection is pooled";
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));
  EXPECT_EQ(established_to(upstream_.port), 0) << "idle for 6.5 s: closed by the gateway";
  // And the next request dials again.
  Connection c(port_);
  ASSERT_TRUE(c.send(request()));
  EXPECT_EQ(c.read_response(10).rfind("HTTP/1.1 200", 0), 0u);
}

}  // namespace
}  // namespace ratls::test
