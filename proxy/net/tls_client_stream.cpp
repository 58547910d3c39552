#include "proxy/net/tls_client_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ratls::proxy {

namespace {

using State = TlsClientStream::State;

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE on a closed connection; this
// one uses send(MSG_NOSIGNAL), and keeps errno and end-of-stream in the stream's state.
State& state_of(BIO* bio) {
  return *static_cast<State*>(BIO_get_data(bio));
}

int bio_write(BIO* bio, const char* data, std::size_t size, std::size_t* written) {
  BIO_clear_retry_flags(bio);
  State& s = state_of(bio);
  const ssize_t n = ::send(s.socket.native_handle(), data, size, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<std::size_t>(n);
    return 1;
  }
  s.last_errno = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
  return 0;
}

int bio_read(BIO* bio, char* data, std::size_t size, std::size_t* read) {
  BIO_clear_retry_flags(bio);
  State& s = state_of(bio);
  if (s.early_begin < s.early_end) {
    const std::size_t n = std::min(size, s.early_end - s.early_begin);
    std::memcpy(data, s.early.data() + s.early_begin, n);
    s.early_begin += n;
    *read = n;
    return 1;
  }
  const ssize_t n = ::recv(s.socket.native_handle(), data, size, 0);
  if (n > 0) {
    *read = static_cast<std::size_t>(n);
    return 1;
  }
  if (n == 0) {
    s.eof = true;
    return 0;
  }
  s.last_errno = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(bio);
  return 0;
}

long bio_ctrl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;  // nothing is buffered here
    case BIO_CTRL_EOF:
      // What lets OpenSSL tell a close without close_notify (a truncation) from a read error.
      return state_of(bio).eof ? 1 : 0;
    default:
      return 0;
  }
}

const BIO_METHOD* socket_method() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ratls socket");
    if (m == nullptr || BIO_meth_set_write_ex(m, bio_write) != 1 ||
        BIO_meth_set_read_ex(m, bio_read) != 1 || BIO_meth_set_ctrl(m, bio_ctrl) != 1) {
      throw std::runtime_error("cannot create the OpenSSL socket BIO method");
    }
    return m;
  }();
  return method;
}

// OpenSSL's queued reason for a failure. A failure with none must still be one: an empty code
// would read as success with no bytes, and a relay would ask again forever.
boost::system::error_code ssl_failure(unsigned long code) {
  if (code == 0) return {EPROTO, boost::system::system_category()};
  return {static_cast<int>(code), asio::error::get_ssl_category()};
}

// One OpenSSL call's outcome, for the caller: done, or which readiness to wait for.
TlsClientStream::Attempt outcome(State& s, int ret, std::size_t n) {
  using Want = TlsClientStream::Attempt::Want;
  TlsClientStream::Attempt r;
  if (ret == 1) {
    r.n = n;
    return r;
  }
  switch (SSL_get_error(s.ssl, ret)) {
    case SSL_ERROR_WANT_READ:
      r.want = Want::kRead;
      return r;
    case SSL_ERROR_WANT_WRITE:
      r.want = Want::kWrite;
      return r;
    case SSL_ERROR_ZERO_RETURN:
      r.ec = asio::error::eof;  // the peer's close_notify: a clean end
      return r;
    case SSL_ERROR_SYSCALL:
      // A recv/send failure; without one, the connection ended without close_notify.
      r.ec = s.last_errno != 0
                 ? boost::system::error_code(s.last_errno, boost::system::system_category())
                 : boost::system::error_code(ssl::error::stream_truncated);
      return r;
    default: {
      const unsigned long code = ERR_get_error();
      r.ec = code != 0 && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING
                 ? boost::system::error_code(ssl::error::stream_truncated)
                 : ssl_failure(code);
      return r;
    }
  }
}

}  // namespace

TlsClientStream::State::State(const executor_type& executor, SSL* handle)
    : socket(executor), timer(executor), ssl(handle) {}

TlsClientStream::State::~State() {
  SSL_free(ssl);
}

TlsClientStream::TlsClientStream(const executor_type& executor, ssl::context& context) {
  SSL* handle = SSL_new(context.native_handle());
  if (handle == nullptr) throw std::runtime_error("cannot create a TLS connection (SSL_new)");
  state_ = std::make_shared<State>(executor, handle);
  SSL_set_connect_state(handle);
  // A write returns once a record is sent, and may be retried with the rest from another
  // position or in pieces of another size: asio::async_write offers at most 64 KiB at a time,
  // whatever write_now was given before (OpenSSL refuses a retry shorter than what a blocked
  // whole-buffer write had already committed).
  SSL_set_mode(handle, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Several records per recv (the default buffer takes one): fewer system calls for a body.
  SSL_set_read_ahead(handle, 1);
  SSL_set_default_read_buffer_len(handle, 64 * 1024);
}

TlsClientStream::~TlsClientStream() {
  close();
}

void TlsClientStream::expires_after(std::chrono::steady_clock::duration duration) {
  State& s = *state_;
  s.deadline = std::chrono::steady_clock::now() + duration;
  s.timed_out = false;
  // A running timer set for later would miss the earlier deadline: it starts again at the next
  // wait. One set for earlier checks again when it fires.
  if (s.timer_running && s.timer_at > s.deadline) stop_timer(s);
  // An operation already waiting is bounded by the new deadline too.
  if (s.waiting > 0 && !s.timer_running) start_timer(s);
}

void TlsClientStream::expires_never() {
  State& s = *state_;
  s.deadline = std::chrono::steady_clock::time_point::max();
  s.timed_out = false;
  // No timer is left behind: an io_context run to completion (`verify`) would wait for it.
  if (s.timer_running) stop_timer(s);
}

void TlsClientStream::close() {
  State& s = *state_;
  boost::system::error_code ignored;
  s.socket.close(ignored);
  stop_timer(s);
}

asio::awaitable<boost::system::error_code> TlsClientStream::connect(const tcp::endpoint& endpoint) {
  std::shared_ptr<State> keep = state_;
  State& s = *keep;
  boost::system::error_code ec;
  s.socket.close(ec);
  s.early_begin = s.early_end = 0;  // nothing received before belongs to this connection
  s.socket.open(endpoint.protocol(), ec);
  if (ec) co_return ec;
  if (!before_wait(s)) co_return beast::error::timeout;
  auto [cec] = co_await s.socket.async_connect(endpoint, nothrow);
  if (cec) co_return after_wait(s, cec);
  s.socket.non_blocking(true, ec);
  if (ec) co_return ec;
  BIO* bio = BIO_new(socket_method());
  if (bio == nullptr) co_return ssl_failure(ERR_get_error());
  BIO_set_data(bio, &s);
  BIO_set_init(bio, 1);
  SSL_set_bio(s.ssl, bio, bio);
  co_return boost::system::error_code();
}

TlsClientStream::Attempt TlsClientStream::read_now(void* data, std::size_t size) {
  return attempt(*state_, Step::kRead, data, size);
}

TlsClientStream::Attempt TlsClientStream::write_now(const void* data, std::size_t size) {
  // One record per call (partial writes): as many as the socket takes.
  const char* bytes = static_cast<const char*>(data);
  std::size_t written = 0;
  for (;;) {
    Attempt r = attempt(*state_, Step::kWrite, const_cast<char*>(bytes + written), size - written);
    written += r.n;
    if (!r.done() || r.ec || written == size) {
      r.n = written;
      return r;
    }
  }
}

TlsClientStream::Attempt TlsClientStream::attempt(State& s, Step step, void* data,
                                                  std::size_t size) {
  if (!s.socket.is_open() || SSL_get_rbio(s.ssl) == nullptr) {
    Attempt r;
    r.ec = asio::error::bad_descriptor;
    return r;
  }
  // SSL_get_error reads this thread's error queue: what another connection left there must not
  // be taken for this one's.
  ERR_clear_error();
  s.last_errno = 0;
  std::size_t n = 0;
  int ret = 0;
  switch (step) {
    case Step::kHandshake:
      ret = SSL_connect(s.ssl);
      break;
    case Step::kShutdown:
      ret = SSL_shutdown(s.ssl);
      if (ret >= 0) return Attempt{};  // close_notify sent; the peer's is not awaited
      break;
    case Step::kRead:
      // The end of the stream, once seen, is what every later read reports: OpenSSL itself
      // would report a later read on a failed connection differently.
      if (s.read_error) {
        Attempt r;
        r.ec = s.read_error;
        return r;
      }
      s.answer_expected = false;
      ret = SSL_read_ex(s.ssl, data, size, &n);
      if (ret != 1) {
        Attempt r = outcome(s, ret, n);
        if (r.done()) s.read_error = r.ec;
        return r;
      }
      break;
    case Step::kWrite:
      if (size == 0) return Attempt{};
      ret = SSL_write_ex(s.ssl, data, size, &n);
      break;
  }
  return outcome(s, ret, n);
}

bool TlsClientStream::has_pending() const {
  const State& s = *state_;
  return s.early_begin < s.early_end || SSL_has_pending(s.ssl) != 0;
}

bool TlsClientStream::awaits_answer(const State& s) {
  return s.answer_expected && s.early_begin == s.early_end && SSL_has_pending(s.ssl) == 0;
}

bool TlsClientStream::before_wait(State& s) {
  constexpr auto kNever = std::chrono::steady_clock::time_point::max();
  if (s.deadline == kNever) return true;
  if (s.timed_out || std::chrono::steady_clock::now() >= s.deadline) {
    s.timed_out = true;
    return false;
  }
  if (!s.timer_running) start_timer(s);
  return true;
}

void TlsClientStream::stop_timer(State& s) {
  ++s.timer_generation;  // its handler, run with operation_aborted, then leaves the state alone
  s.timer_running = false;
  s.timer.cancel();
}

void TlsClientStream::start_timer(State& s) {
  s.timer_running = true;
  s.timer_at = s.deadline;
  s.timer.expires_at(s.deadline);
  // The handler holds the state: the stream may be destroyed before it runs (close() cancels it).
  s.timer.async_wait([keep = s.shared_from_this(),
                      generation = s.timer_generation](boost::system::error_code ec) {
    State& st = *keep;
    if (generation != st.timer_generation) return;  // cancelled, and another may run already
    st.timer_running = false;
    if (ec || st.deadline == std::chrono::steady_clock::time_point::max()) return;
    if (std::chrono::steady_clock::now() < st.deadline) {
      start_timer(st);  // the deadline moved later meanwhile
      return;
    }
    st.timed_out = true;
    boost::system::error_code ignored;
    st.socket.cancel(ignored);  // a waiting operation ends with operation_aborted, read as timeout
  });
}

boost::system::error_code TlsClientStream::after_wait(State& s,
                                                      const boost::system::error_code& ec) {
  if (ec && s.timed_out) return beast::error::timeout;
  return ec;
}

}  // namespace ratls::proxy
