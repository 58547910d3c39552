// A small asynchronous HTTPS GET client for the collateral services (Intel PCS, PCCS-style caches):
// certificate verification against OpenSSL's default trust store (so SSL_CERT_FILE/SSL_CERT_DIR
// work), host name verification, SNI, a timeout per phase and a cap on the body. Asio stays in the
// .cpp: callers hand in their io_context and get plain structs back.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace ratls::proxy {

struct HttpsClientOptions {
  // PEM file of CAs to trust instead of the system store (tests); empty: OpenSSL's default paths.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10000};  // name resolution and TCP connect
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds read_timeout{20000};  // request written and the whole response read
  std::size_t max_body = 8u << 20;                // larger responses are refused
  std::string user_agent = "ratls-gateway";
};

struct HttpsResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in the order received
  std::string body;
  // Value of the first header named `name` (case-insensitive); nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
};

struct HttpsResult {
  std::string error;  // one line; empty when `response` holds the server's answer (any status)
  HttpsResponse response;
};

// `https://HOST[:PORT][/path][?query]` split for a request. nullopt for other schemes, userinfo,
// fragments or a malformed authority.
struct HttpsTarget {
  std::string host;  // without brackets
  std::uint16_t port = 443;
  std::string target;  // path and query, "/" when empty
};
std::optional<HttpsTarget> parse_https_target(std::string_view url);

class HttpsClient {
 public:
  // Throws std::runtime_error when `options.ca_file` cannot be loaded.
  HttpsClient(boost::asio::io_context& io, HttpsClientOptions options);
  // Destroy only after the io_context has stopped running (pending requests are abandoned).
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // GETs `url`; `done` runs exactly once, on a thread running the io_context. Thread-safe.
  void get(const std::string& url, std::function<void(HttpsResult)> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ratls::proxy
