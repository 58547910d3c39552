#include "proxy/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace ratls::proxy {

attest::Bytes read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw std::runtime_error("cannot read " + path + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  // Read in blocks up to the cap: a device such as /dev/zero, or a huge file named by mistake,
  // gets an error instead of exhausting memory.
  attest::Bytes data;
  char block[64 * 1024];
  while (in) {
    in.read(block, sizeof block);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (data.size() + got > kMaxInputFileSize) {
      throw std::runtime_error("cannot read " + path + ": larger than " +
                               std::to_string(kMaxInputFileSize >> 20) + " MiB");
    }
    data.insert(data.end(), block, block + got);
  }
  if (in.bad()) throw std::runtime_error("cannot read " + path + ": I/O error");
  return data;
}

std::map<std::string, attest::Bytes> read_directory(const std::string& dir) {
  std::map<std::string, attest::Bytes> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files.emplace(entry.path().filename().string(), read_file(entry.path().string()));
    }
  }
  return files;
}

std::map<std::string, std::string> read_tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const attest::Bytes data = read_file(entry.path().string());
    files.emplace(std::filesystem::relative(entry.path(), dir).generic_string(),
                  std::string(data.begin(), data.end()));
  }
  return files;
}

void write_file_atomic(const std::string& path, std::string_view content, unsigned mode) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  auto failure = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + what + ": " + reason);
  };
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) failure("create");
  // An existing temporary file keeps its mode through O_CREAT: force the requested one.
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    ::close(fd);
    failure("chmod");
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      failure("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    failure("fsync");
  }
  if (::close(fd) != 0) failure("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) failure("rename");
}

}  // namespace ratls::proxy
