// Running the real ratls-gateway binary (or any program) from tests, with captured output.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ratls::test {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] with arguments (no shell), waits up to `timeout_seconds` (then kills it and fails
// the test). Standard input is /dev/null.
CommandResult run_command(const std::vector<std::string>& argv, int timeout_seconds = 60);

// A program running beside the test (a peer server, the daemon), its stdout appended to `log_file`
// and its stderr to `log_file` + ".stderr". Stopped with SIGTERM (then SIGKILL after 5 s) on
// destruction or stop().
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_file,
                    const std::vector<std::string>& extra_env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  bool running();
  int pid() const { return pid_; }
  // Waits for the program to exit by itself: its exit code, -1 if killed by a signal, -2 if it
  // is still running after `timeout_ms`.
  int wait(int timeout_ms);
  // Exit code once stopped (-1 when killed by a signal).
  int stop();

 private:
  int pid_ = -1;
  int status_ = 0;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int free_loopback_port();
// Polls until 127.0.0.1:port accepts a TCP connection; false after `timeout_ms`.
bool wait_for_port(int port, int timeout_ms = 10000);

// `ratls-gateway` built by this tree.
std::string gateway_binary();

// A fresh directory under the system temp dir, removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `content` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace ratls::test
