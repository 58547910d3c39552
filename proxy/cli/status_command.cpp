#include "proxy/cli/status_command.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

#include "proxy/config/config.h"

namespace ratls::proxy {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

constexpr auto kTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxStatusBody = 8 * 1024 * 1024;

// GET `path` from the gateway at host:port (a loopback address); the body, or empty with `error`.
std::string http_get_loopback(const std::string& host, int port, const std::string& path,
                              std::string& error) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    error = host + " is not an IP address";
    return {};
  }
  const std::string where =
      (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(kTimeout);
  stream.connect(asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(port)), ec);
  if (ec) {
    error = "cannot reach the gateway at " + where + ": " + ec.message() +
            " (is the gateway running? systemctl --user status ratls-gateway)";
    return {};
  }
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, "localhost:" + std::to_string(port));
  req.set(http::field::accept, "application/json");
  req.set(http::field::connection, "close");
  stream.expires_after(kTimeout);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxStatusBody);
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec) {
    error = "reading the status from " + where + " failed: " + ec.message();
    return {};
  }
  if (parser.get().result() != http::status::ok) {
    error = "the gateway at " + where + " answered " + std::to_string(parser.get().result_int());
    return {};
  }
  return std::move(parser.get().body());
}

std::string config_path_or_default(const std::string& path) {
  return path.empty() ? default_config_path(ConfigEnvironment::from_process("")) : path;
}

}  // namespace

int run_status(const StatusOptions& o, std::ostream& out, std::ostream& err) {
  std::string host = "127.0.0.1";
  int port = 7443;
  if (!o.url.empty()) {
    std::string rest = o.url;
    if (rest.rfind("http://", 0) != 0) {
      err << "ratls-gateway status: --url " << o.url << ": expected http://HOST:PORT\n";
      return 2;
    }
    rest = rest.substr(7);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    const auto parsed = parse_listen_address(rest);
    if (!parsed) {
      err << "ratls-gateway status: --url " << o.url << ": expected http://HOST:PORT\n";
      return 2;
    }
    host = parsed->host;
    port = parsed->port;
  } else {
    try {
      const Config c = load_config(config_path_or_default(o.config_path));
      host = c.listen.front().host;
      port = c.listen.front().port;
    } catch (const ConfigError&) {
      // No configuration: the default address.
    }
  }
  if (host == "localhost") host = "127.0.0.1";  // "localhost" listens on both loopbacks
  std::string error;
  const std::string body =
      http_get_loopback(host, port, "/.well-known/ratls-gateway/status.json", error);
  if (!error.empty()) {
    err << "ratls-gateway status: " << error << "\n";
    return 1;
  }
  json s;
  try {
    s = json::parse(body);
  } catch (const json::exception&) {
    err << "ratls-gateway status: the gateway's status is not JSON\n";
    return 1;
  }
  if (o.json) {
    out << s.dump(2) << "\n";
    return 0;
  }
  out << "ratls-gateway at http://"
      << (host.find(':') != std::string::npos ? "[" + host + "]" : host) << ":" << port << "/ ("
      << s.value("time", "") << ")\n";
  if (s["apps"].empty()) out << "  no apps configured\n";
  for (const auto& a : s["apps"]) {
    out << "  " << a.value("name", "") << "  " << a.value("state", "")
        << (a.value("simulated", false) ? "  SIMULATED" : "") << "  " << a.value("upstream", "")
        << "\n";
    if (a["pin"].is_object()) {
      out << "      MRENCLAVE " << a["pin"].value("mrenclave", "") << "\n      TCB "
          << a["pin"].value("tcb_status", "") << "  verified " << a["pin"].value("verified_at", "")
          << "\n";
    }
    if (a["last_error"].is_string())
      out << "      problem: " << a["last_error"].get<std::string>() << "\n";
    if (a["advice"].is_string())
      out << "      what to do: " << a["advice"].get<std::string>() << "\n";
  }
  return 0;
}

}  // namespace ratls::proxy
