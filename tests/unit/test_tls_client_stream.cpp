// The upstream TLS stream (proxy/net/tls_client_stream) against an in-process TLS server on
// loopback: how a stream ends (close_notify, or a cut that must never pass for a complete body),
// its deadlines (beast::tcp_stream's contract, with the timer checked lazily), cancellation, and
// what read_now/write_now do without waiting.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <string>

#include "proxy/net/asio_types.h"
#include "proxy/net/tls_client_stream.h"
#include "tests/support/tls_loopback.h"

namespace ratls::proxy {
namespace {

using namespace std::chrono_literals;
class TlsClientStreamTest : public test::TlsLoopbackTest {
 protected:
  // Everything the client reads until the stream ends, and how it ended.
  static asio::awaitable<std::pair<std::string, boost::system::error_code>> read_all(
      TlsClientStream& c) {
    std::string got;
    char buf[4096];
    for (;;) {
      auto [ec, n] = co_await c.async_read_some(asio::buffer(buf), nothrow);
      got.append(buf, n);
      if (ec) co_return std::make_pair(got, ec);
    }
  }
};

TEST_F(TlsClientStreamTest, BytesGoBothWaysAndCloseNotifyIsACleanEnd) {
  run(
      [](ServerStream& s) -> asio::awaitable<void> {
        char buf[5];
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(buf), nothrow);
        EXPECT_FALSE(ec);
        EXPECT_EQ(std::string(buf, n), "hello");
        co_await send(s, "world");
        co_await s.async_shutdown(nothrow);  // sends close_notify
      },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        auto [wec, wn] = co_await asio::async_write(c, asio::buffer(std::string("hello")), nothrow);
        EXPECT_FALSE(wec);
        c.answer_expected();  // the first read waits for readiness, then reads
        auto [got, ec] = co_await read_all(c);
        EXPECT_EQ(got, "world");
        EXPECT_EQ(ec, asio::error::eof);
        char b[8];
        const auto again = c.read_now(b, sizeof b);  // and so it stays
        EXPECT_TRUE(again.done());
        EXPECT_EQ(again.ec, asio::error::eof);
      });
}

TEST_F(TlsClientStreamTest, AConnectionCutWithoutCloseNotifyIsATruncationEveryTime) {
  run(
      [](ServerStream& s) -> asio::awaitable<void> {
        co_await send(s, "partial body");
        s.next_layer().close();  // TCP FIN, no close_notify
      },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        auto [got, ec] = co_await read_all(c);
        EXPECT_EQ(got, "partial body");
        EXPECT_EQ(ec, ssl::error::stream_truncated) << ec.message();
        char b[8];
        auto [ec2, n2] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_EQ(ec2, ssl::error::stream_truncated) << ec2.message();
        EXPECT_EQ(n2, 0u);
      });
}

TEST_F(TlsClientStreamTest, ReadNowTakesOnlyWhatIsHereAndWriteNowSendsAll) {
  run(
      [](ServerStream& s) -> asio::awaitable<void> {
        std::string big(200 * 1024, 'x');
        char buf[1];
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(buf), nothrow);  // "go"
        EXPECT_FALSE(ec);
        co_await send(s, big);
        std::string in(100 * 1024, '\0');
        auto [ec2, n2] = co_await asio::async_read(s, asio::buffer(in), nothrow);
        EXPECT_FALSE(ec2);
        EXPECT_EQ(in, std::string(100 * 1024, 'y'));
        co_await send(s, "!");
      },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        char b[64 * 1024];
        const auto nothing = c.read_now(b, sizeof b);
        EXPECT_EQ(nothing.want, TlsClientStream::Attempt::Want::kRead);  // nothing sent yet
        EXPECT_EQ(nothing.n, 0u);
        const std::string go = "g";
        EXPECT_TRUE(c.write_now(go.data(), go.size()).done());
        std::size_t total = 0;
        while (total < 200 * 1024) {
          const auto r = c.read_now(b, sizeof b);
          EXPECT_FALSE(r.ec);
          if (r.done()) {
            EXPECT_LE(r.n, 16u * 1024);  // one record at a time
            total += r.n;
            continue;
          }
          auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);
          EXPECT_FALSE(ec);
          total += n;
        }
        EXPECT_EQ(total, 200u * 1024);
        // 100 KiB fit in the socket buffers: all of it goes at once.
        const std::string up(100 * 1024, 'y');
        const auto w = c.write_now(up.data(), up.size());
        EXPECT_TRUE(w.done());
        EXPECT_EQ(w.n, up.size());
        auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_FALSE(ec);
        EXPECT_EQ(std::string(b, n), "!");
      });
}

// After answer_expected() the read's first bytes come through Asio's receive into the stream's
// early buffer (4 KiB), which OpenSSL must read before the socket: an answer of several records,
// larger than that buffer, arrives whole and in order.
TEST_F(TlsClientStreamTest, AnAnswerLargerThanTheEarlyBufferArrivesWholeAndInOrder) {
  std::string answer(40 * 1024 + 3, '\0');
  for (std::size_t i = 0; i < answer.size(); ++i) answer[i] = static_cast<char>('a' + i % 19);
  run(
      [&answer](ServerStream& s) -> asio::awaitable<void> {
        char q[1];
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(q), nothrow);
        EXPECT_FALSE(ec);
        co_await send(s, answer);
        co_await s.async_shutdown(nothrow);
      },
      [&answer](TlsClientStream& c) -> asio::awaitable<void> {
        EXPECT_TRUE(c.write_now("q", 1).done());
        c.answer_expected();
        auto [got, ec] = co_await read_all(c);
        EXPECT_TRUE(got == answer) << got.size() << " bytes";
        EXPECT_EQ(ec, asio::error::eof) << ec.message();
      });
}

// The receive that waits for an answer sees the connection's end as Asio's eof. It must still be
// OpenSSL that tells a cut (no close_notify: never a complete body) from a clean end. A first
// exchange takes the server's session tickets, so that the FIN is all the receive gets.
TEST_F(TlsClientStreamTest, AnAnswerCutWithoutCloseNotifyIsATruncation) {
  run(
      [](ServerStream& s) -> asio::awaitable<void> {
        co_await send(s, "1");
        char q[1];
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(q), nothrow);
        EXPECT_FALSE(ec);
        s.next_layer().close();  // TCP FIN, no close_notify
      },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        char first[1];
        auto [fec, fn] = co_await c.async_read_some(asio::buffer(first), nothrow);
        EXPECT_FALSE(fec);
        EXPECT_FALSE(c.has_pending());
        EXPECT_TRUE(c.write_now("q", 1).done());
        c.answer_expected();
        char b[16];
        auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_EQ(ec, ssl::error::stream_truncated) << ec.message();
        EXPECT_EQ(n, 0u);
      });
}

TEST_F(TlsClientStreamTest, AnAnswerThatEndsWithCloseNotifyAloneIsACleanEnd) {
  run(
      [](ServerStream& s) -> asio::awaitable<void> {
        char q[1];
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(q), nothrow);
        EXPECT_FALSE(ec);
        co_await s.async_shutdown(nothrow);
      },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        EXPECT_TRUE(c.write_now("q", 1).done());
        c.answer_expected();
        char b[16];
        auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_EQ(ec, asio::error::eof) << ec.message();
      });
}

TEST_F(TlsClientStreamTest, AnAnswerThatDoesNotComeBeforeTheDeadlineIsATimeout) {
  run([](ServerStream&) -> asio::awaitable<void> { co_await sleep(1500ms); },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        EXPECT_TRUE(c.write_now("q", 1).done());
        c.answer_expected();
        c.expires_after(100ms);
        char b[16];
        auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_EQ(ec, beast::error::timeout) << ec.message();
      });
}

// What the gateway asks before it reuses a connection for another request.
TEST_F(TlsClientStreamTest, HasPendingSaysWhetherAReadLeftBytesBehind) {
  run(
      [](ServerStream& s) -> asio::awaitable<void> {
        char q[1];
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(q), nothrow);
        EXPECT_FALSE(ec);
        co_await send(s, "abc");
        co_await sleep(300ms);
      },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        EXPECT_FALSE(c.has_pending());
        EXPECT_TRUE(c.write_now("q", 1).done());
        c.answer_expected();
        char b[2];
        auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_FALSE(ec);
        EXPECT_EQ(std::string(b, n), "ab");
        EXPECT_TRUE(c.has_pending());
        auto [ec2, n2] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_EQ(std::string(b, n2), "c");
        EXPECT_FALSE(c.has_pending());
      });
}

// What write_now could not send goes through asio::async_write, which offers it 64 KiB at a time:
// OpenSSL must accept that (a whole-buffer write that blocked would refuse a shorter retry).
TEST_F(TlsClientStreamTest, AWriteThatBlocksIsFinishedByAsyncWriteInOtherPieces) {
  constexpr std::size_t kSize = 16 * 1024 * 1024 + 7;
  std::string big(kSize, '\0');
  for (std::size_t i = 0; i < kSize; ++i) big[i] = static_cast<char>('a' + i % 23);
  run(
      [&big](ServerStream& s) -> asio::awaitable<void> {
        co_await sleep(200ms);  // the client's write blocks meanwhile
        std::string got(big.size(), '\0');
        auto [ec, n] = co_await asio::async_read(s, asio::buffer(got), nothrow);
        EXPECT_FALSE(ec) << ec.message();
        EXPECT_TRUE(got == big);
        co_await send(s, "!");
      },
      [&big](TlsClientStream& c) -> asio::awaitable<void> {
        const auto r = c.write_now(big.data(), big.size());
        EXPECT_EQ(r.want, TlsClientStream::Attempt::Want::kWrite);
        EXPECT_LT(r.n, big.size());
        auto [ec, n] = co_await asio::async_write(
            c, asio::buffer(big.data() + r.n, big.size() - r.n), nothrow);
        EXPECT_FALSE(ec) << ec.message();
        EXPECT_EQ(n, big.size() - r.n);
        char b[8];
        auto [rec, rn] = co_await c.async_read_some(asio::buffer(b), nothrow);  // all arrived
        EXPECT_FALSE(rec) << rec.message();
        EXPECT_EQ(std::string(b, rn), "!");
      });
}

TEST_F(TlsClientStreamTest, AReadPastItsDeadlineFailsWithTimeout) {
  run([](ServerStream&) -> asio::awaitable<void> { co_await sleep(1500ms); },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        c.expires_after(100ms);
        char b[16];
        auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_EQ(ec, beast::error::timeout) << ec.message();
        // The next operation without a new deadline fails the same way, at once.
        auto [ec2, n2] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_EQ(ec2, beast::error::timeout) << ec2.message();
      });
}

TEST_F(TlsClientStreamTest, ADeadlineMovedLaterIsCheckedAgainWhenTheTimerFires) {
  run(
      [](ServerStream& s) -> asio::awaitable<void> {
        co_await send(s, "1");
        co_await sleep(400ms);  // past the first deadline, within the second
        co_await send(s, "2");
        co_await sleep(200ms);
      },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        char b[16];
        c.expires_after(200ms);
        auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);  // starts the timer
        EXPECT_FALSE(ec);
        c.expires_after(1500ms);
        auto [ec2, n2] = co_await c.async_read_some(asio::buffer(b), nothrow);
        EXPECT_FALSE(ec2) << ec2.message();
        EXPECT_EQ(std::string(b, n2), "2");
      });
}

TEST_F(TlsClientStreamTest, ADeadlineMovedEarlierIsNotMissed) {
  run(
      [](ServerStream& s) -> asio::awaitable<void> {
        co_await send(s, "1");
        co_await sleep(3s);
      },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        char b[16];
        c.expires_after(30s);
        auto [ec, n] = co_await c.async_read_some(asio::buffer(b), nothrow);  // timer: 30 s
        EXPECT_FALSE(ec);
        c.expires_after(100ms);
        // A guard closes the stream at 2 s: a read still waiting then ends with
        // operation_aborted, not timeout.
        asio::steady_timer guard(co_await asio::this_coro::executor, 2s);
        guard.async_wait([&c](boost::system::error_code gec) {
          if (!gec) c.close();
        });
        auto [ec2, n2] = co_await c.async_read_some(asio::buffer(b), nothrow);
        guard.cancel();
        EXPECT_EQ(ec2, beast::error::timeout) << ec2.message();
      });
}

TEST_F(TlsClientStreamTest, ADeadlineSetWhileAReadWaitsBoundsThatRead) {
  run([](ServerStream&) -> asio::awaitable<void> { co_await sleep(2500ms); },
      [](TlsClientStream& c) -> asio::awaitable<void> {
        c.expires_never();
        char b[16];
        boost::system::error_code got = asio::error::would_block;
        c.async_read_some(asio::buffer(b),
                          [&got](boost::system::error_code ec, std::size_t) { got = ec; });
        co_await sleep(50ms);
        EXPECT_EQ(got, asio::error::would_block);  // still waiting, with no deadline
        c.expires_after(100ms);
        co_await sleep(1500ms);
        EXPECT_EQ(got, beast::error::timeout) << got.message();
      });
}

TEST_F(TlsClientStreamTest, AWaitingReadCanBeCancelledAndTheStreamDestroyedUnderIt) {
  run([](ServerStream&) -> asio::awaitable<void> { co_await sleep(500ms); },
      [this](TlsClientStream& c) -> asio::awaitable<void> {
        asio::cancellation_signal cancel;
        char b[16];
        boost::system::error_code got = asio::error::would_block;
        c.async_read_some(asio::buffer(b), asio::bind_cancellation_slot(
                                               cancel.slot(), [&got](boost::system::error_code ec,
                                                                     std::size_t) { got = ec; }));
        co_await sleep(50ms);
        cancel.emit(asio::cancellation_type::terminal);
        co_await sleep(50ms);
        EXPECT_EQ(got, asio::error::operation_aborted);
        // A stream destroyed while a read waits: the read ends, nothing is touched after.
        auto other = std::make_unique<TlsClientStream>(io_.get_executor(), client_tls_);
        EXPECT_FALSE(co_await other->connect(acceptor_.local_endpoint()));
        bool ended = false;
        other->async_read_some(asio::buffer(b),
                               [&ended](boost::system::error_code, std::size_t) { ended = true; });
        other.reset();
        co_await sleep(50ms);
        EXPECT_TRUE(ended);
      });
}

}  // namespace
}  // namespace ratls::proxy
