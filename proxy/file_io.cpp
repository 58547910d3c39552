#include "proxy/file_io.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace ratls::proxy {

attest::Bytes read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw std::runtime_error("cannot read " + path + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  attest::Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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

}  // namespace ratls::proxy
