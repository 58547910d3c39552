// The relay gives its event loop back while it moves a body that never makes it wait: read_now
// and write_now complete at once when both sides keep up, and without a fair share one large
// download would hold the loop, and every other connection on it, until it ends.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "proxy/net/asio_types.h"
#include "proxy/server/relay.h"
#include "tests/support/tls_loopback.h"

namespace ratls::proxy {
namespace {

using namespace std::chrono_literals;
using RelayFairnessTest = test::TlsLoopbackTest;

// Small enough for the kernel's initial receive windows on loopback: the whole body is in the
// client's socket, and the client's socket takes all of it, before the relay starts.
constexpr std::size_t kBody = 48 * 1024;
constexpr std::size_t kShare = 16 * 1024;

TEST_F(RelayFairnessTest, ABodyThatNeverWaitsStillLetsOtherWorkOnTheLoopRun) {
  bool relay_done = false;
  run(
      [&](ServerStream& s) -> asio::awaitable<void> {
        co_await send(s, std::string(kBody, 'b'));
        // Open until the relay is over: the body's end is its length, not the connection's.
        while (!relay_done) co_await sleep(10ms);
      },
      [&](TlsClientStream& up) -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        // The receiving end, which reads nothing until the relay is over.
        tcp::acceptor acceptor(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        tcp::socket receiver(ex);
        beast::tcp_stream client(ex);
        co_await client.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
        receiver = co_await acceptor.async_accept(asio::use_awaitable);
        client.socket().non_blocking(true);  // as the gateway's client sockets (write_now)
        // Every byte of the body is in the socket before the relay starts (a cut or a stalled
        // window would make the relay wait, which gives the loop back anyway).
        for (int i = 0; i < 500 && up.socket().available() < kBody; ++i) co_await sleep(2ms);
        if (up.socket().available() < kBody) {
          ADD_FAILURE() << "the body did not arrive whole: " << up.socket().available();
          relay_done = true;
          co_return;
        }

        int ticks = 0;  // how often other work ran while the relay was moving the body
        asio::co_spawn(
            ex,
            [&]() -> asio::awaitable<void> {
              while (!relay_done) {
                ++ticks;
                co_await asio::post(ex, asio::use_awaitable);
              }
            },
            asio::detached);
        beast::flat_buffer in_buffer;
        std::string error;
        const http1::Framing framing{http1::Framing::Kind::kLength, kBody};
        // co_spawn may run the probe's first step at once, on this thread: only what runs
        // from here on counts.
        const int ticks_before = ticks;
        const RelayResult r =
            co_await relay_body(up, in_buffer, framing, client, false, 5, error, kShare);
        relay_done = true;
        EXPECT_EQ(r, RelayResult::kOk) << error;
        EXPECT_GE(ticks - ticks_before, 1) << "the loop ran nothing else while the body moved";

        std::string got(kBody, '\0');
        co_await asio::async_read(receiver, asio::buffer(got), asio::use_awaitable);
        EXPECT_EQ(got, std::string(kBody, 'b'));
      });
}

}  // namespace
}  // namespace ratls::proxy
