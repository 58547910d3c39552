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
