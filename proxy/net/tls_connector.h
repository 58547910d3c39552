// The one way this program opens a TLS client connection: the gateway's upstreams, the PCS
// client and `verify https://...` all come here. Resolution and TCP connect share one deadline
// (the resolver has none of its own), the first address that answers is used, SNI is sent for
// names only (RFC 6066 forbids IP literals there), and the handshake has its own deadline. What
// OpenSSL checks is the caller's: it makes the stream from its own ssl::context and may set more
// on the SSL object (host names for WebPKI) before calling.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/net/asio_types.h"
#include "proxy/net/tls_client_stream.h"

namespace ratls::proxy {

using TlsStream = TlsClientStream;

struct TlsConnectTimeouts {
  std::chrono::milliseconds connect{10000};    // resolution and TCP connect
  std::chrono::milliseconds handshake{10000};  // the TLS handshake
};

struct TlsConnectResult {
  enum class Stage { kResolve, kConnect, kHandshake, kDone };
  Stage stage = Stage::kDone;  // where it stopped; kDone: connected and handshaken
  boost::system::error_code ec;
  tcp::endpoint peer;  // the address connected to (from kHandshake on)
  bool ok() const { return stage == Stage::kDone; }
  // The stage failed on its deadline (not on an answer from the peer).
  bool timed_out() const;
  // One line: "cannot resolve HOST: ...", "cannot connect to WHERE: ...", "TLS handshake with
  // WHERE failed: ...", with "timed out after N ms" for deadlines.
  std::string describe(std::string_view host, std::string_view where,
                       const TlsConnectTimeouts& timeouts) const;
};

bool is_ip_literal(const std::string& host);
// Makes OpenSSL's chain verification also require that the certificate names `host` (an IP
// literal: one of its IP addresses), without partial wildcards. One rule for every WebPKI check:
// the gateway's webpki mode, the PCS client, `verify`/`apps add` in webpki mode. False when
// OpenSSL refuses the name.
bool expect_host(TlsStream& stream, const std::string& host);
// "1500 ms": how the deadlines are named in messages.
std::string millis(std::chrono::milliseconds ms);
// "127.0.0.1:443", "[::1]:8443".
std::string numeric_address(const tcp::endpoint& endpoint);

asio::awaitable<TlsConnectResult> connect_tls(TlsStream& stream, const std::string& host,
                                              std::uint16_t port, TlsConnectTimeouts timeouts);

}  // namespace ratls::proxy
