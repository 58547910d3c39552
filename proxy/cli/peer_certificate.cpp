#include "proxy/cli/peer_certificate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "attest/x509.h"

namespace ratls::proxy {

namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "connection closed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string numeric_address(const sockaddr* sa, socklen_t len) {
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) !=
      0) {
    return "?";
  }
  return std::string(sa->sa_family == AF_INET6 ? "[" : "") + host +
         (sa->sa_family == AF_INET6 ? "]" : "") + ":" + serv;
}

// Non-blocking connect to the first address that answers before the deadline.
int connect_with_deadline(const std::string& host, std::uint16_t port, Clock::time_point deadline,
                          std::string& connected_to) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error("cannot resolve " + host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const std::string address = numeric_address(ai->ai_addr, ai->ai_addrlen);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = address + ": " + std::strerror(errno);
      close(fd);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    int ready = poll(&p, 1, remaining_ms(deadline));
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) == 0 &&
        so_error == 0) {
      connected_to = address;
      return fd;
    }
    last_error =
        address + ": " + (ready == 0 ? "timed out" : std::strerror(so_error ? so_error : errno));
    close(fd);
  }
  throw std::runtime_error("cannot connect to " + host + ":" + service + " (" + last_error + ")");
}

}  // namespace

PeerCertificate fetch_peer_certificate(const std::string& host, std::uint16_t port, int timeout_ms,
                                       bool webpki) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  PeerCertificate out;
  Fd fd(connect_with_deadline(host, port, deadline, out.peer_address));

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free);
  if (!ctx) throw std::runtime_error("TLS setup failed: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // RA-TLS certificates are self-signed: OpenSSL must not judge them, the attestation does.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  if (webpki && SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    throw std::runtime_error("cannot load the system CA store: " + openssl_error());
  }
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1) {
    throw std::runtime_error("TLS setup failed: " + openssl_error());
  }
  // SNI only for names: RFC 6066 forbids IP literals there.
  in6_addr ignored;
  const bool ip_literal = inet_pton(AF_INET, host.c_str(), &ignored) == 1 ||
                          inet_pton(AF_INET6, host.c_str(), &ignored) == 1;
  if (webpki) {
    // What the gateway's WebPKI validator checks: the system store (SSL_CERT_FILE / SSL_CERT_DIR
    // apply) and the name. Still SSL_VERIFY_NONE: the result is read after the handshake, to
    // report it rather than fail with a bare alert.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    const int ok = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                              : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (ok != 1) throw std::runtime_error("cannot check the name " + host + ": " + openssl_error());
  }
  if (!ip_literal) {
    // SSL_set_tlsext_host_name is a macro with a C cast; call what it expands to.
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  for (;;) {
    int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    int err = SSL_get_error(ssl.get(), rc);
    short events = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) {
      throw std::runtime_error("TLS handshake with " + out.peer_address +
                               " failed: " + openssl_error());
    }
    pollfd p{fd.get(), events, 0};
    if (poll(&p, 1, remaining_ms(deadline)) != 1) {
      throw std::runtime_error("TLS handshake with " + out.peer_address + " timed out");
    }
  }
  X509* leaf = SSL_get0_peer_certificate(ssl.get());
  if (leaf == nullptr) throw std::runtime_error(out.peer_address + " presented no certificate");
  unsigned char* der = nullptr;
  int len = i2d_X509(leaf, &der);
  if (len <= 0) throw std::runtime_error("cannot encode the peer certificate");
  out.der.assign(der, der + len);
  OPENSSL_free(der);
  out.subject = attest::subject_name(leaf);
  if (webpki) {
    const long result = SSL_get_verify_result(ssl.get());
    if (result != X509_V_OK) out.webpki_problem = X509_verify_cert_error_string(result);
  }
  out.tls_version = SSL_get_version(ssl.get());
  out.cipher = SSL_get_cipher_name(ssl.get());
  // close_notify only: no application byte is ever written on this connection.
  SSL_shutdown(ssl.get());
  return out;
}

}  // namespace ratls::proxy
