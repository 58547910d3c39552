#include "proxy/cli/running_gateway.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace ratls::proxy {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr auto kTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxStatusBody = 8 * 1024 * 1024;
constexpr const char* kStatusPath = "/.well-known/ratls-gateway/status.json";
constexpr const char* kUnit = "ratls-gateway.service";

std::string host_port(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

struct ProgramResult {
  int exit_code = -1;  // -1: could not be started, was killed or timed out
  std::string output;  // standard output and error
};

// Runs `argv` (found on PATH) with this process's environment: systemctl --user needs
// XDG_RUNTIME_DIR or the session bus. Killed after `timeout`.
ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ProgramResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return result;  // not installed: no systemd to ask
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    char buf[1024];
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n > 0) {
      if (result.output.size() < 64 * 1024) result.output.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The same file, also through links or a relative spelling; paths compared when either is missing.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::equivalent(a, b, ec)) return true;
  std::error_code ea;
  std::error_code eb;
  return fs::weakly_canonical(a, ea) == fs::weakly_canonical(b, eb) && !ea && !eb;
}

std::string read_proc(int pid, const char* what) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + what, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// status.json names a pid, but anything may listen on a loopback port, and SIGHUP ends most
// programs: signal only this user's own `ratls-gateway run`. Empty when it is one, else why not.
std::string why_not_our_gateway(int pid) {
  struct stat st {};
  const std::string dir = "/proc/" + std::to_string(pid);
  if (pid <= 1 || ::stat(dir.c_str(), &st) != 0) return "no process " + std::to_string(pid);
  if (st.st_uid != ::getuid()) return "process " + std::to_string(pid) + " belongs to another user";
  if (trimmed(read_proc(pid, "comm")) != "ratls-gateway") {
    return "process " + std::to_string(pid) + " is not ratls-gateway";
  }
  const std::string cmdline = read_proc(pid, "cmdline");
  std::vector<std::string> args;
  for (std::size_t start = 0; start < cmdline.size();) {
    const std::size_t end = cmdline.find('\0', start);
    args.push_back(cmdline.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (std::find(args.begin() + (args.empty() ? 0 : 1), args.end(), "run") == args.end()) {
    return "process " + std::to_string(pid) + " is not `ratls-gateway run`";
  }
  return {};
}

// The user unit's main pid when it is active; nullopt when it is not (or there is no systemd).
std::optional<int> active_unit_pid() {
  const auto active =
      run_program({"systemctl", "--user", "is-active", "--quiet", kUnit}, std::chrono::seconds(10));
  if (active.exit_code != 0) return std::nullopt;
  const auto show = run_program({"systemctl", "--user", "show", "-p", "MainPID", "--value", kUnit},
                                std::chrono::seconds(10));
  try {
    return show.exit_code == 0 ? std::stoi(trimmed(show.output)) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

bool systemctl_reload(std::ostream& out, std::ostream& err) {
  const auto r = run_program({"systemctl", "--user", "reload", kUnit}, std::chrono::seconds(30));
  if (r.exit_code != 0) {
    err << "ratls-gateway: systemctl --user reload " << kUnit << " failed"
        << (r.output.empty() ? std::string() : ": " + trimmed(r.output)) << "\n";
    return false;
  }
  out << "asked systemd to reload " << kUnit << " (systemctl --user reload " << kUnit << ")\n";
  return true;
}

}  // namespace

std::optional<std::string> gateway_get(const std::string& host, int port, const std::string& path,
                                       std::string& error) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    error = host + " is not an IP address";
    return std::nullopt;
  }
  const std::string where = host_port(host, port);
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(kTimeout);
  stream.connect(asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(port)), ec);
  if (ec) {
    error = "cannot reach the gateway at " + where + ": " + ec.message() +
            " (is the gateway running? systemctl --user status ratls-gateway)";
    return std::nullopt;
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
    return std::nullopt;
  }
  if (parser.get().result() != http::status::ok) {
    error = "the gateway at " + where + " answered " + std::to_string(parser.get().result_int());
    return std::nullopt;
  }
  return std::move(parser.get().body());
}

std::optional<json> gateway_status(const std::string& host, int port, std::string& error) {
  const auto body = gateway_get(host, port, kStatusPath, error);
  if (!body) return std::nullopt;
  try {
    json s = json::parse(*body);
    if (s.is_object() && s["apps"].is_array()) return s;
  } catch (const json::exception&) {
  }
  error = "the answer of " + host_port(host, port) + " is not a ratls-gateway status";
  return std::nullopt;
}

ReloadResult reload_gateway(const Config& config, const std::function<bool(const json&)>& applied,
                            std::ostream& out, std::ostream& err,
                            std::chrono::milliseconds timeout) {
  std::string host = config.listen.front().host;
  if (host == "localhost") host = "127.0.0.1";  // "localhost" listens on both loopbacks
  const int port = config.listen.front().port;
  const std::string where = "http://" + host_port(host, port) + "/";
  std::string default_path;
  try {
    default_path = default_config_path(ConfigEnvironment::from_process(""));
  } catch (const ConfigError&) {
  }
  // The unit runs `ratls-gateway run` on the default file only.
  const bool default_file = !default_path.empty() && same_file(config.source, default_path);

  std::string error;
  const auto status = gateway_status(host, port, error);
  if (!status) {
    // A socket unit on other addresses than `listen` still serves this file: ask it directly.
    if (default_file && active_unit_pid() && systemctl_reload(out, err)) {
      out << "its status is not at " << where << ", so the change is not confirmed\n";
      return ReloadResult::kRequested;
    }
    out << "no gateway is running at " << where
        << "; start it to serve the change: systemctl --user enable --now ratls-gateway.socket "
           "(or: ratls-gateway run"
        << (default_file ? std::string() : " --config " + config.source) << ")\n";
    return ReloadResult::kNoGateway;
  }
  // Older gateways do not say which file they read: then only the pid tells.
  const json file = status->value("config", json("(not said)"));
  if (!file.is_string() ||
      (file != "(not said)" && !same_file(file.get<std::string>(), config.source))) {
    err << "ratls-gateway: the gateway at " << where << " serves "
        << (file.is_string() ? file.get<std::string>() : std::string("no configuration file"))
        << ", not " << config.source << ": it was left alone and does not serve the change\n";
    return ReloadResult::kOtherGateway;
  }
  if (applied(*status)) {
    out << "the gateway at " << where << " already serves the change\n";  // just socket-activated
    return ReloadResult::kApplied;
  }
  const int pid = (*status).value("pid", 0);
  const std::optional<int> unit_pid = active_unit_pid();
  if (unit_pid && (*unit_pid == pid || (pid == 0 && default_file))) {
    if (!systemctl_reload(out, err)) return ReloadResult::kNotApplied;
  } else if (pid == 0) {
    // An older gateway says neither its pid nor its file.
    err << "ratls-gateway: the gateway at " << where
        << " does not say its process id (an older version?): reload it yourself (systemctl "
           "--user reload ratls-gateway, or kill -HUP PID)\n";
    return ReloadResult::kNotApplied;
  } else if (const std::string why = why_not_our_gateway(pid); !why.empty()) {
    err << "ratls-gateway: not signalling the gateway at " << where << ": " << why << "\n";
    return ReloadResult::kNotApplied;
  } else if (::kill(pid, SIGHUP) != 0) {
    err << "ratls-gateway: cannot signal the gateway (pid " << pid << "): " << std::strerror(errno)
        << "\n";
    return ReloadResult::kNotApplied;
  } else {
    out << "sent SIGHUP to the gateway (pid " << pid << ") at " << where << "\n";
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<json> last;
  for (;;) {
    last = gateway_status(host, port, error);
    if (last && applied(*last)) {
      out << "the gateway reloaded its configuration\n";
      return ReloadResult::kApplied;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  err << "ratls-gateway: the gateway at " << where << " did not show the change within "
      << std::chrono::duration_cast<std::chrono::seconds>(timeout).count() << " s";
  if (last && (*last)["reload_error"].is_string()) {
    err << "; its reload failed: " << (*last)["reload_error"].get<std::string>();
  } else {
    err << "; see its log (journalctl --user -u ratls-gateway)";
  }
  err << "\n";
  return ReloadResult::kNotApplied;
}

}  // namespace ratls::proxy
