// The response side of the gateway's framing rules (docs/http.md), through the real binary: an
// upstream (tests/integration/peers/strict_upstream.py) answers /resp/<name> with hand-written raw
// bytes. Ambiguous framing from an enclave app gets a 502 naming it and is never reused; interim
// responses reach the client rewritten; a 101 nobody asked for is a 502; close-delimited bodies are
// re-framed for the client.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "tests/integration/gateway_fixture.h"

namespace ratls::test {
namespace {

// Writes `request` on a fresh connection and reads until the gateway closes or is quiet for 1.5 s.
std::string raw_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "<connect failed>";
  }
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return "<send failed>";
  }
  char buf[16384];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1500) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

class UpstreamFramingTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    upstream_ = start_tls_peer("strict_upstream.py", issue("app"), {dir_.file("upstream.jsonl")});
    start_gateway(json::array({app("demo", upstream_.port)}));
  }

  std::string get(const std::string& target, const std::string& version = "HTTP/1.1") {
    return raw_exchange(port_, "GET " + target + " " + version + "\r\nHost: " + host("demo") +
                                   "\r\nConnection: close\r\n\r\n");
  }

  // The upstream sends a complete second response after a body-less 204 (canned response `name`).
  // Were the connection pooled with those bytes unread, the next client would get them as its
  // answer.
  void expect_second_response_never_served(const std::string& name) {
    const std::string first = get("/resp/" + name);
    EXPECT_EQ(first.rfind("HTTP/1.1 204 ", 0), 0u) << first;
    EXPECT_EQ(first.find("SMUGGLED"), std::string::npos) << first;
    for (int i = 0; i < 3; ++i) {
      const std::string next = get("/next");
      EXPECT_EQ(next.rfind("HTTP/1.1 200 ", 0), 0u) << next;
      EXPECT_EQ(next.find("SMUGGLED"), std::string::npos) << next;
      EXPECT_NE(next.find("ok GET /next"), std::string::npos) << next;
    }
  }

  Peer upstream_;
};

TEST_F(UpstreamFramingTest, AmbiguousResponseFramingIsA502NamingIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"two-cl", "more than one Content-Length"},
      {"cl-list", "Content-Length is not a decimal number"},
      {"te-cl", "both Transfer-Encoding and Content-Length"},
      {"gzip-chunked", "transfer coding \"gzip\" is not supported"},
      {"obs-fold", "obs-fold"},
      {"bare-lf", "bare LF"},
      {"cl-plus", "Content-Length is not a decimal number"},
  };
  for (const auto& [name, reason] : cases) {
    const std::string reply = get("/resp/" + name);
    EXPECT_EQ(reply.rfind("HTTP/1.1 502 ", 0), 0u) << name << ":\n" << reply;
    EXPECT_NE(reply.find(reason), std::string::npos) << name << ":\n" << reply;
    // And the gateway still serves the app.
    const std::string next = get("/next");
    EXPECT_EQ(next.rfind("HTTP/1.1 200 ", 0), 0u) << "after " << name << ":\n" << next;
  }
}

TEST_F(UpstreamFramingTest, BytesAfterAResponseAreNeverTakenForTheNextOne) {
  expect_second_response_never_served("extra-response");
}

// The second response in a TLS record of its own: read ahead by OpenSSL, it is not in the
// gateway's buffer, and the connection must still not be pooled.
TEST_F(UpstreamFramingTest, ARecordReadAheadAfterAResponseIsNeverTakenForTheNextOne) {
  expect_second_response_never_served("extra-response-record");
}

TEST_F(UpstreamFramingTest, EarlyHintsAreRelayedRewritten) {
  const std::string reply = get("/resp/early-hints");
  ASSERT_EQ(reply.rfind("HTTP/1.1 103 Early Hints\r\n", 0), 0u) << reply;
  const std::string interim = reply.substr(0, reply.find("\r\n\r\n"));
  EXPECT_NE(interim.find("Link: </style.css>; rel=preload"), std::string::npos) << interim;
  EXPECT_NE(interim.find("Set-Cookie: hint=1; Path=/"), std::string::npos) << interim;
  EXPECT_EQ(interim.find("Domain"), std::string::npos) << interim;
  EXPECT_EQ(interim.find("Strict-Transport-Security"), std::string::npos) << interim;
  const std::string final_part = reply.substr(reply.find("\r\n\r\n") + 4);
  EXPECT_EQ(final_part.rfind("HTTP/1.1 200 ", 0), 0u) << reply;
  EXPECT_EQ(final_part.substr(final_part.size() - 3), "abc") << reply;
  // HTTP/1.0 clients get no interim responses (RFC 9110 §15.2).
  const std::string old = get("/resp/early-hints", "HTTP/1.0");
  EXPECT_EQ(old.rfind("HTTP/1.1 200 ", 0), 0u) << old;
  EXPECT_EQ(old.find(" 103 "), std::string::npos) << old;
}

TEST_F(UpstreamFramingTest, UnsolicitedSwitchingProtocolsIsA502) {
  const std::string reply = get("/resp/unsolicited-101");
  EXPECT_EQ(reply.rfind("HTTP/1.1 502 ", 0), 0u) << reply;
  EXPECT_NE(reply.find("switched protocols (101) unasked"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("raw bytes after an upgrade"), std::string::npos) << reply;
}

TEST_F(UpstreamFramingTest, CloseDelimitedBodiesAreReframedForTheClient) {
  const std::string v11 = get("/resp/close-delimited");
  EXPECT_EQ(v11.rfind("HTTP/1.1 200 ", 0), 0u) << v11;
  EXPECT_NE(v11.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << v11;
  EXPECT_NE(v11.find("\r\n\r\n15\r\nclose-delimited body\n\r\n0\r\n\r\n"), std::string::npos)
      << v11;
  const std::string v10 = get("/resp/close-delimited", "HTTP/1.0");
  EXPECT_EQ(v10.rfind("HTTP/1.1 200 ", 0), 0u) << v10;
  EXPECT_EQ(v10.find("Transfer-Encoding"), std::string::npos) << v10;
  EXPECT_NE(v10.find("Connection: close\r\n"), std::string::npos) << v10;
  EXPECT_EQ(v10.substr(v10.size() - 21), "close-delimited body\n") << v10;
  // Cut without TLS close_notify: the end cannot be told from a truncation, so the client is not
  // told the body is complete (no last chunk).
  const std::string cut = get("/resp/close-delimited-cut");
  EXPECT_EQ(cut.rfind("HTTP/1.1 200 ", 0), 0u) << cut;
  EXPECT_NE(cut.find("15\r\nclose-delimited body\n\r\n"), std::string::npos) << cut;
  EXPECT_EQ(cut.find("0\r\n\r\n"), std::string::npos) << cut;
}

}  // namespace
}  // namespace ratls::test
