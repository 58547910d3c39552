// A TLS client connection whose OpenSSL object reads and writes the socket itself (send/recv on
// the non-blocking descriptor), rather than asio::ssl::stream's engine, which copies every record
// through a BIO pair and its own 17 KiB buffers in each direction. What it buys, measured in
// docs/benchmarks.md: one copy less per byte, several records per recv (read-ahead), no record
// buffers held by an idle pooled connection (only the 4 KiB early buffer below), and a deadline
// that costs no system call per operation.
//
// It is an Asio AsyncStream (Beast's http::async_read/async_write use it), plus read_now and
// write_now, which do what can be done without waiting: the relay moves a body with them and
// goes asynchronous only when the socket has nothing (or no room).
//
// Deadlines follow beast::tcp_stream's contract: expires_after() bounds the operations that
// follow, which then fail with beast::error::timeout. The timer is armed only when an operation
// actually waits, and is not re-armed when the deadline moves later: it checks again when it fires.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>

#include "proxy/net/asio_types.h"

typedef struct ssl_st SSL;

namespace ratls::proxy {

class TlsClientStream {
 public:
  using executor_type = asio::any_io_executor;

  // What one attempt at an OpenSSL call gave: done (with ec and n), or it must wait for the
  // socket to become readable or writable first.
  struct Attempt {
    enum class Want { kNothing, kRead, kWrite };
    Want want = Want::kNothing;
    boost::system::error_code ec;
    std::size_t n = 0;
    bool done() const { return want == Want::kNothing; }
  };

  TlsClientStream(const executor_type& executor, ssl::context& context);
  ~TlsClientStream();
  TlsClientStream(const TlsClientStream&) = delete;
  TlsClientStream& operator=(const TlsClientStream&) = delete;

  executor_type get_executor() { return state_->socket.get_executor(); }
  SSL* native_handle() const { return state_->ssl; }
  tcp::socket& socket() { return state_->socket; }

  void expires_after(std::chrono::steady_clock::duration duration);
  void expires_never();
  // Closes the socket: pending operations complete with operation_aborted.
  void close();
  // Says that what was just written is a request whose answer the next read waits for: that read
  // does not first try a recv that would fail with EAGAIN. It waits with an Asio receive into a
  // small buffer of the stream's, which OpenSSL then reads first: once a receive has emptied the
  // socket, Asio waits for the next one on its edge-triggered registration, with no epoll_ctl
  // (which a wait for readiness costs every time). Only for request/response use: the readiness
  // edge of bytes that arrived unasked may already have been consumed, and then only the answer
  // wakes the read.
  void answer_expected() { state_->answer_expected = true; }
  // Bytes received and not yet decrypted by a read: decrypted ones in OpenSSL, or ones Asio
  // received for it. A connection with any is not reusable for another request.
  bool has_pending() const;

  // Opens the socket and connects it to `endpoint` under the current deadline.
  asio::awaitable<boost::system::error_code> connect(const tcp::endpoint& endpoint);

  // Without waiting: decrypted bytes into [data, data + size) (kRead: none yet), or the end of
  // the stream: asio::error::eof after the peer's close_notify, ssl::error::stream_truncated when
  // the connection closed without one.
  Attempt read_now(void* data, std::size_t size);
  // Without waiting: as much of [data, data + size) as the socket takes, n bytes; kRead/kWrite
  // when that is not all (the rest is offered again later, from data + n: the first record of it
  // may already be partly sent).
  Attempt write_now(const void* data, std::size_t size);

  template <class Token>
  auto async_handshake(Token&& token) {
    return start(Step::kHandshake, nullptr, 0, std::forward<Token>(token));
  }
  // Sends close_notify; does not wait for the peer's.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return start(Step::kShutdown, nullptr, 0, std::forward<Token>(token));
  }
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    const asio::mutable_buffer b = first_non_empty(buffers);
    return start(Step::kRead, b.data(), b.size(), std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    const asio::const_buffer b = first_non_empty(buffers);
    return start(Step::kWrite, const_cast<void*>(b.data()), b.size(), std::forward<Token>(token));
  }

  struct State;

 private:
  enum class Step { kHandshake, kShutdown, kRead, kWrite };

  template <class Buffers>
  static auto first_non_empty(const Buffers& buffers) {
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      if (asio::buffer_size(*it) > 0) return *it;
    }
    return *asio::buffer_sequence_begin(buffers);
  }

  // One attempt at the step; what the composed operation below repeats after each wait.
  static Attempt attempt(State& state, Step step, void* data, std::size_t size);
  // The caller said an answer is expected and nothing decrypted is waiting: the next read waits
  // for readiness before it tries.
  static bool awaits_answer(const State& state);
  // Starts the deadline timer for a wait if it is not running; false: the deadline has passed.
  static bool before_wait(State& state);
  static void start_timer(State& state);
  static void stop_timer(State& state);
  // The error a wait ended with, as the caller sees it: timeouts become beast::error::timeout.
  static boost::system::error_code after_wait(State& state, const boost::system::error_code& ec);

  class Operation {
   public:
    Operation(std::shared_ptr<State> state, Step step, void* data, std::size_t size)
        : state_(std::move(state)), step_(step), data_(data), size_(size) {}

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (phase_ == Phase::kDeliver) {
        self.complete(result_.ec, result_.n);
        return;
      }
      if (phase_ == Phase::kWaiting) {
        --state_->waiting;
        ec = after_wait(*state_, ec);
        if (ec) {
          self.complete(ec, 0);
          return;
        }
      }
      Attempt r;
      // The answer to what was just written cannot be here yet: wait for it with a receive.
      const bool early_receive =
          phase_ == Phase::kStart && step_ == Step::kRead && awaits_answer(*state_);
      if (early_receive) {
        r.want = Attempt::Want::kRead;
      } else if (step_ != Step::kRead || size_ > 0) {
        r = attempt(*state_, step_, data_, size_);
      }
      if (!r.done() && !before_wait(*state_)) r = Attempt{{}, beast::error::timeout, 0};
      if (!r.done()) {
        phase_ = Phase::kWaiting;
        ++state_->waiting;
        if (early_receive) {
          state_->socket.async_receive(asio::buffer(state_->early.data(), state_->early.size()),
                                       std::move(self));
        } else {
          state_->socket.async_wait(
              r.want == Attempt::Want::kRead ? tcp::socket::wait_read : tcp::socket::wait_write,
              std::move(self));
        }
        return;
      }
      if (phase_ == Phase::kStart) {
        // Completing inside the initiating call would resume the caller before it suspended.
        result_ = r;
        phase_ = Phase::kDeliver;
        asio::post(std::move(self));
        return;
      }
      self.complete(r.ec, r.n);
    }

    // The answer's first bytes arrived in the stream's early buffer (or the receive failed).
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t received) {
      state_->early_begin = 0;
      state_->early_end = received;
      // The end of the stream is seen again by OpenSSL's own recv, which tells a close with
      // close_notify from one without.
      if (ec == asio::error::eof) ec = {};
      (*this)(self, ec);
    }

   private:
    enum class Phase { kStart, kWaiting, kDeliver };
    std::shared_ptr<State> state_;  // outlives this stream if it is destroyed while waiting
    Step step_;
    void* data_;
    std::size_t size_;
    Phase phase_ = Phase::kStart;
    Attempt result_;
  };

  template <class Token>
  auto start(Step step, void* data, std::size_t size, Token&& token) {
    return asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Operation(state_, step, data, size), token, state_->socket);
  }

 public:
  struct State : std::enable_shared_from_this<State> {
    State(const executor_type& executor, SSL* ssl);
    ~State();
    tcp::socket socket;
    asio::steady_timer timer;
    SSL* ssl;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::chrono::steady_clock::time_point timer_at;  // when the running timer fires
    bool timer_running = false;
    unsigned timer_generation = 0;  // a cancelled timer's handler is told apart by it
    int waiting = 0;                // operations waiting for readiness now
    bool timed_out = false;         // the deadline passed; cleared by the next expires_*
    int last_errno = 0;             // of the last failed send/recv (SSL_ERROR_SYSCALL)
    bool eof = false;               // recv returned 0
    bool answer_expected = false;   // see answer_expected(); cleared by a read attempt
    // What Asio received while waiting for an answer, read by OpenSSL before the socket. Large
    // enough for a small response whole: a receive that empties the socket lets the next wait
    // go without a system call.
    std::array<char, 4096> early{};
    std::size_t early_begin = 0;
    std::size_t early_end = 0;
    boost::system::error_code read_error;  // how the stream ended, once it has
  };

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ratls::proxy
