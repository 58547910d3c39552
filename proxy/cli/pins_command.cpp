#include "proxy/cli/pins_command.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>

#include "attest/time.h"
#include "proxy/config/config.h"
#include "proxy/pinning/pin_store.h"

namespace ratls::proxy {

namespace {

using nlohmann::json;

std::string config_path_or_default(const std::string& path) {
  return path.empty() ? default_config_path(ConfigEnvironment::from_process("")) : path;
}

std::string short_hex(const std::string& h) {
  return h.size() > 16 ? h.substr(0, 16) + "…" : h;
}

json pin_json(const Pin& p) {
  return {{"cert_sha256", p.cert_sha256}, {"spki_sha256", p.spki_sha256},
          {"mrenclave", p.mrenclave},     {"mrsigner", p.mrsigner},
          {"isv_prod_id", p.isv_prod_id}, {"isv_svn", p.isv_svn},
          {"tcb_status", p.tcb_status},   {"advisory_ids", p.advisory_ids},
          {"simulated", p.simulated},     {"verified_at", attest::format_rfc3339(p.verified_at)}};
}

void print_pin(std::ostream& out, const char* label, const Pin& p) {
  out << "  " << label << " MRENCLAVE " << short_hex(p.mrenclave) << "  MRSIGNER "
      << short_hex(p.mrsigner) << "  ISV " << p.isv_prod_id << "/" << p.isv_svn << "  TCB "
      << (p.tcb_status.empty() ? "-" : p.tcb_status) << "  cert " << short_hex(p.cert_sha256)
      << "  verified " << attest::format_rfc3339(p.verified_at)
      << (p.simulated ? "  SIMULATED" : "") << "\n";
}

// GET over plain HTTP to a loopback address; the body, or empty with `error` set.
std::string http_get_loopback(const std::string& host, int port, const std::string& path,
                              std::string& error) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const bool v6 = host.find(':') != std::string::npos;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) error = host + " is not an address";
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &a->sin_addr) != 1) {
      error = host + " is not an address";
    }
    len = sizeof(sockaddr_in);
  }
  if (!error.empty()) return {};
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    error = "cannot connect to http://" + (v6 ? "[" + host + "]" : host) + ":" +
            std::to_string(port) +
            " (is the gateway running? systemctl --user status ratls-gateway)";
    if (fd >= 0) ::close(fd);
    return {};
  }
  const std::string request = "GET " + path +
                              " HTTP/1.0\r\nHost: localhost:" + std::to_string(port) +
                              "\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    error = "cannot send the request";
    ::close(fd);
    return {};
  }
  std::string response;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[16384];
  while (std::chrono::steady_clock::now() < deadline && response.size() < (8u << 20)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos) {
    error = "the gateway's answer is not HTTP";
    return {};
  }
  if (response.compare(9, 3, "200") != 0) {
    error = "the gateway answered " + response.substr(9, 3);
    return {};
  }
  return response.substr(body + 4);
}

}  // namespace

int run_pins(const PinsOptions& o, std::ostream& out, std::ostream& err) {
  std::string state_dir = o.state_dir;
  std::vector<std::string> apps;
  if (state_dir.empty()) {
    try {
      const Config c = load_config(config_path_or_default(o.config_path));
      state_dir = c.state_dir;
      for (const auto& a : c.apps) apps.push_back(a.name);
    } catch (const ConfigError& e) {
      err << "ratls-gateway pins: " << e.what() << " (or pass --state-dir)\n";
      return 2;
    }
  }
  PinStore pins((std::filesystem::path(state_dir) / "pins.json").string());
  try {
    pins.load();
    if (o.action == "list") {
      if (o.json) {
        json j = json::object();
        for (const auto& e : pins.all()) {
          j[e.app] = {{"pin", e.pin ? pin_json(*e.pin) : json(nullptr)},
                      {"pending", e.pending ? pin_json(*e.pending) : json(nullptr)},
                      {"pending_reason", e.pending_reason}};
        }
        out << j.dump(2) << "\n";
        return 0;
      }
      if (pins.all().empty()) out << "no pins in " << pins.path() << "\n";
      for (const auto& e : pins.all()) {
        out << e.app << "\n";
        if (e.pin) print_pin(out, "pinned ", *e.pin);
        if (e.pending) {
          print_pin(out, "pending", *e.pending);
          out << "          " << e.pending_reason
              << "\n          accept it with: ratls-gateway pins accept " << e.app << "\n";
        }
      }
      return 0;
    }
    if (o.app.empty()) {
      err << "ratls-gateway pins " << o.action << ": name the app\n";
      return 2;
    }
    if (o.action == "accept") {
      const auto entry = pins.get(o.app);
      if (!pins.accept_pending(o.app)) {
        err << "ratls-gateway pins accept: " << o.app << " has no refused candidate to accept"
            << (entry && entry->pin ? " (its current pin stays)" : "") << "\n";
        return 1;
      }
      out << "accepted for " << o.app << ": MRENCLAVE " << entry->pending->mrenclave
          << ", certificate " << entry->pending->cert_sha256
          << "\nthe gateway uses it for the next new upstream connection\n";
      return 0;
    }
    if (o.action == "forget") {
      if (!pins.forget(o.app)) {
        err << "ratls-gateway pins forget: no pin for " << o.app << "\n";
        return 1;
      }
      out << "forgot the pin of " << o.app
          << "; the next verified connection is pinned again (trust on first use unless a policy "
             "names "
             "the measurements)\n";
      return 0;
    }
    err << "ratls-gateway pins: unknown action " << o.action << " (list, accept APP, forget APP)\n";
    return 2;
  } catch (const std::exception& e) {
    err << "ratls-gateway pins: " << e.what() << "\n";
    return 2;
  }
}

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
