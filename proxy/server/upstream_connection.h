// A verified connection to an app's upstream, as the pool keeps it, and the outcome of dialling
// one.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "proxy/pinning/upstream_verifier.h"
#include "proxy/net/asio_types.h"

namespace ratls::proxy {

using UpstreamStream = ssl::stream<beast::tcp_stream>;

struct UpstreamConn {
  UpstreamConn(const asio::any_io_executor& ex, ssl::context& ctx) : stream(ex, ctx) {}
  UpstreamStream stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
  unsigned generation = 0;  // the configuration it was verified under
  std::string cert_sha256;  // the certificate it presented and that was verified
};

struct DialResult {
  std::unique_ptr<UpstreamConn> conn;
  std::string error;                        // network/TLS failure
  std::optional<UpstreamDecision> refusal;  // verification refused the upstream
};

}  // namespace ratls::proxy
