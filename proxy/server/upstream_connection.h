// A verified connection to an app's upstream, as the pool keeps it, and the outcome of dialling
// one.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "proxy/net/asio_types.h"
#include "proxy/net/tls_client_stream.h"
#include "proxy/pinning/upstream_verifier.h"
#include "proxy/server/upstream_slots.h"

namespace ratls::proxy {

using UpstreamStream = TlsClientStream;

struct UpstreamConn {
  UpstreamConn(const asio::any_io_executor& ex, ssl::context& ctx) : stream(ex, ctx) {}
  // First member, so released last: the loop's count of connections to the app (see
  // UpstreamSlots) drops only once the socket is closed.
  std::unique_ptr<UpstreamSlots::Slot> slot;
  UpstreamStream stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
  unsigned generation = 0;  // the configuration it was verified under
  std::string cert_sha256;  // the certificate it presented and that was verified
  // The pin store's version when cert_sha256 was last found to be the app's pin; 0: never
  // compared yet (versions start at 1), so the first reuse compares.
  std::uint64_t pins_version = 0;
};

struct DialResult {
  std::unique_ptr<UpstreamConn> conn;
  std::string error;                        // network/TLS failure
  std::optional<UpstreamDecision> refusal;  // verification refused the upstream
};

}  // namespace ratls::proxy
