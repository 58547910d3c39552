#include "proxy/cli/status_command.h"

#include <chrono>

#include "proxy/cli/running_gateway.h"
#include "proxy/config/config.h"

namespace ratls::proxy {

namespace {

using nlohmann::json;

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
  const std::optional<json> status = gateway_status(host, port, error);
  if (!status) {
    err << "ratls-gateway status: " << error << "\n";
    return 1;
  }
  json s = *status;
  if (o.json) {
    out << s.dump(2) << "\n";
    return 0;
  }
  out << "ratls-gateway at http://"
      << (host.find(':') != std::string::npos ? "[" + host + "]" : host) << ":" << port << "/ ("
      << s.value("time", "") << ")\n";
  if (s["apps"].empty()) out << "  " << kNoAppsHint << "\n";
  for (const auto& a : s["apps"]) {
    out << "  " << a.value("name", "") << "  " << a.value("state", "")
        << (a.value("simulated", false) ? "  SIMULATED" : "") << "  " << a.value("upstream", "")
        << "\n";
    if (a["pin"].is_object()) {
      out << "      MRENCLAVE " << a["pin"].value("mrenclave", "") << "\n      TCB "
          << a["pin"].value("tcb_status", "") << "  verified " << a["pin"].value("verified_at", "")
          << "\n";
    }
    if (a.contains("app_status") && a["app_status"].is_string())
      out << "      app: " << a["app_status"].get<std::string>() << "\n";
    if (a["last_error"].is_string())
      out << "      problem: " << a["last_error"].get<std::string>() << "\n";
    if (a["advice"].is_string())
      out << "      what to do: " << a["advice"].get<std::string>() << "\n";
  }
  return 0;
}

}  // namespace ratls::proxy
