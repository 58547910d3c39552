#include "proxy/common/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace ratls::proxy {

attest::Bytes read_file(const std::string& path, std::size_t max_size) {
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
    if (data.size() + got > max_size) {
      throw std::runtime_error("cannot read " + path + ": larger than " +
                               std::to_string(max_size >> 20) + " MiB");
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
  // The temporary file is named: it is what a failure is about (a directory in its place, ...).
  auto failure = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + what + " " + tmp + ": " + reason);
  };
  // O_NOFOLLOW: a symbolic link planted where the temporary file goes must not make this write
  // (and truncate) whatever it points to, outside the directory.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                        static_cast<mode_t>(mode));
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

bool create_private_directories(const std::string& dir) {
  auto failure = [](const std::string& path, const std::string& reason) {
    throw std::runtime_error("cannot create directory " + path + ": " + reason);
  };
  if (dir.empty()) failure(dir, "empty path");
  bool created = false;
  std::filesystem::path prefix;
  // Top down, one component at a time, so each directory made here gets its mode before anything
  // is created inside it.
  for (const auto& component : std::filesystem::path(dir)) {
    if (component.empty()) continue;  // the trailing "" of "state/"
    prefix /= component;
    const std::string path = prefix.string();
    created = false;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) failure(path, "not a directory");
      continue;
    }
    if (errno != ENOENT) failure(path, std::strerror(errno));
    if (::mkdir(path.c_str(), 0700) != 0) {
      const int error = errno;
      // Created meanwhile by another process (the CLI and the daemon): theirs, left alone.
      if (error == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
      failure(path, std::strerror(error));
    }
    // mkdir's mode is masked by the umask (a umask of 0277 would leave 0500): set it exactly.
    if (::chmod(path.c_str(), 0700) != 0) failure(path, std::strerror(errno));
    created = true;
  }
  return created;
}

}  // namespace ratls::proxy
