// A test fixture for code that talks TLS to an upstream: an in-process TLS server on loopback
// (a throwaway certificate for "localhost") that accepts one connection, and a TlsClientStream
// connected to it, both run as coroutines on one io_context.
#pragma once

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <string>

#include "proxy/net/asio_types.h"
#include "proxy/net/tls_client_stream.h"
#include "tests/support/test_pki.h"

namespace ratls::test {

class TlsLoopbackTest : public ::testing::Test {
 protected:
  using ServerStream = proxy::ssl::stream<proxy::tcp::socket>;
  using TlsClientStream = proxy::TlsClientStream;

  void SetUp() override {
    using namespace proxy;
    key_ = make_ec_key();
    CertSpec spec;
    spec.common_name = "localhost";
    spec.not_before = 0;
    spec.not_after = 4102444800;  // 2100
    cert_ = make_cert(spec, key_.get(), nullptr, key_.get());
    ASSERT_TRUE(cert_ && key_);
    ASSERT_EQ(SSL_CTX_use_certificate(server_tls_.native_handle(), cert_.get()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey(server_tls_.native_handle(), key_.get()), 1);
    client_tls_.set_verify_mode(ssl::verify_none);
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
  }

  // Runs `client` against a server that accepts one connection, completes the handshake and
  // then runs `server`; both must finish.
  void run(std::function<proxy::asio::awaitable<void>(ServerStream&)> server,
           std::function<proxy::asio::awaitable<void>(TlsClientStream&)> client) {
    using namespace proxy;
    using namespace std::chrono_literals;
    bool server_done = false;
    bool client_done = false;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          auto [aec, socket] = co_await acceptor_.async_accept(nothrow);
          EXPECT_FALSE(aec);
          ServerStream s(std::move(socket), server_tls_);
          auto [hec] = co_await s.async_handshake(ssl::stream_base::server, nothrow);
          EXPECT_FALSE(hec) << hec.message();
          if (!hec) co_await server(s);
          server_done = true;
        },
        asio::detached);
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          TlsClientStream c(io_.get_executor(), client_tls_);
          c.expires_after(5s);
          EXPECT_FALSE(co_await c.connect(acceptor_.local_endpoint()));
          auto [hec, hn] = co_await c.async_handshake(nothrow);
          EXPECT_FALSE(hec) << hec.message();
          if (!hec) co_await client(c);
          client_done = true;
        },
        asio::detached);
    io_.run_for(20s);
    EXPECT_TRUE(server_done);
    EXPECT_TRUE(client_done);
  }

  static proxy::asio::awaitable<void> send(ServerStream& s, std::string data) {
    using namespace proxy;
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(data), nothrow);
    EXPECT_FALSE(ec);
  }
  static proxy::asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    using namespace proxy;
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(nothrow);
  }

  proxy::asio::io_context io_;
  proxy::ssl::context server_tls_{proxy::ssl::context::tls_server};
  proxy::ssl::context client_tls_{proxy::ssl::context::tls_client};
  proxy::tcp::acceptor acceptor_{io_};
  attest::EvpPkeyPtr key_;
  attest::X509Ptr cert_;
};

}  // namespace ratls::test
