#include "proxy/collateral/pcs_client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

#include "proxy/common/https_url.h"

#include "proxy/net/asio_types.h"
#include "proxy/net/tls_connector.h"

namespace ratls::proxy {

namespace {

// Issuer chains arrive URL-encoded in headers (~2.7 KB each); Beast's default limit is 8 KB.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> HttpsResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequal(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<HttpsTarget> parse_https_target(std::string_view url) {
  auto parsed = parse_https_url(url);
  if (!parsed) return std::nullopt;
  std::string target = std::move(parsed->rest);
  if (target.find('#') != std::string::npos) return std::nullopt;
  for (char c : target) {
    // What goes on the request line must not be able to break it.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
  }
  if (target.empty() || target.front() == '?') target.insert(0, "/");
  return HttpsTarget{parsed->host, parsed->port, std::move(target)};
}

struct HttpsClient::Impl {
  Impl(asio::io_context& i, HttpsClientOptions o)
      : io(i), options(std::move(o)), ctx(ssl::context::tls_client) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (options.ca_file.empty()) {
      // Honours SSL_CERT_FILE / SSL_CERT_DIR, like curl and other OpenSSL programs.
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(options.ca_file, ec);
    }
    if (ec) {
      throw std::runtime_error(
          "cannot load trusted CAs" +
          (options.ca_file.empty() ? std::string() : " from " + options.ca_file) + ": " +
          ec.message());
    }
  }

  asio::awaitable<HttpsResult> fetch(HttpsTarget t) {
    HttpsResult r;
    const std::string where = "https://" + HttpsUrl{t.host, t.port, {}}.authority();
    auto ex = co_await asio::this_coro::executor;

    TlsStream stream(ex, ctx);
    auto& lowest = beast::get_lowest_layer(stream);
    SSL* ssl_handle = stream.native_handle();
    if (!expect_host(stream, t.host)) {
      r.error = "cannot check the name " + t.host + " of " + where;
      co_return r;
    }
    const TlsConnectTimeouts timeouts{options.connect_timeout, options.handshake_timeout};
    const TlsConnectResult connected = co_await connect_tls(stream, t.host, t.port, timeouts);
    if (connected.stage == TlsConnectResult::Stage::kHandshake &&
        SSL_get_verify_result(ssl_handle) != X509_V_OK) {
      r.error = "the TLS certificate of " + where + " is not trusted (" +
                X509_verify_cert_error_string(SSL_get_verify_result(ssl_handle)) +
                "); the system CA store is used (SSL_CERT_FILE / SSL_CERT_DIR override it)";
      co_return r;
    }
    if (!connected.ok()) {
      r.error = connected.describe(t.host, where, timeouts);
      co_return r;
    }

    http::request<http::empty_body> req{http::verb::get, t.target, 11};
    req.set(http::field::host, HttpsUrl{t.host, t.port, {}}.authority());
    req.set(http::field::user_agent, options.user_agent);
    req.set(http::field::accept, "*/*");
    req.set(http::field::connection, "close");
    lowest.expires_after(options.read_timeout);
    auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
    if (wec) {
      r.error = "cannot send the request to " + where + ": " +
                (wec == beast::error::timeout ? "timed out after " + millis(options.read_timeout)
                                              : wec.message());
      co_return r;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_body);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, nothrow);
    if (ec) {
      if (ec == http::error::body_limit) {
        r.error = "the response from " + where + " is larger than " +
                  std::to_string(options.max_body) + " bytes";
      } else if (ec == beast::error::timeout) {
        r.error = "no complete response from " + where + " within " + millis(options.read_timeout);
      } else {
        r.error = "cannot read the response from " + where + ": " + ec.message();
      }
      co_return r;
    }
    auto& res = parser.get();
    r.response.status = res.result_int();
    for (const auto& field : res) {
      r.response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    r.response.body = std::move(res.body());
    // The whole body is in: no need for a TLS close_notify exchange with a server that may stall.
    boost::system::error_code ignored;
    lowest.socket().close(ignored);
    co_return r;
  }

  asio::io_context& io;
  HttpsClientOptions options;
  ssl::context ctx;
};

HttpsClient::HttpsClient(asio::io_context& io, HttpsClientOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

HttpsClient::~HttpsClient() = default;

void HttpsClient::get(const std::string& url, std::function<void(HttpsResult)> done) {
  auto target = parse_https_target(url);
  if (!target) {
    asio::post(impl_->io, [done = std::move(done), url] {
      HttpsResult r;
      r.error = url + ": not an https:// URL";
      done(std::move(r));
    });
    return;
  }
  asio::co_spawn(impl_->io, impl_->fetch(std::move(*target)),
                 [done = std::move(done)](std::exception_ptr e, HttpsResult r) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       r = HttpsResult{};
                       r.error = std::string("HTTPS request failed: ") + ex.what();
                     } catch (...) {
                       r = HttpsResult{};
                       r.error = "HTTPS request failed";
                     }
                   }
                   done(std::move(r));
                 });
}

}  // namespace ratls::proxy
