// Reading user-named files and directories for commands (attest/ itself never touches files).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "attest/bytes.h"

namespace ratls::proxy {

// Quotes, certificates, keys, collateral and configuration are kilobytes (a processor CA CRL a few
// hundred); anything beyond this is refused.
inline constexpr std::size_t kMaxInputFileSize = 64u << 20;

// Whole file, at most `max_size` bytes. Throws std::runtime_error("cannot read PATH: reason").
attest::Bytes read_file(const std::string& path, std::size_t max_size = kMaxInputFileSize);
// Regular files directly in `dir` (not recursive), name -> content.
std::map<std::string, attest::Bytes> read_directory(const std::string& dir);
// Regular files under `dir`, recursively, relative path ("a/b.pem") -> content.
std::map<std::string, std::string> read_tree(const std::string& dir);

// Writes `content` to `path` atomically (temporary file in the same directory, fsync, rename), the
// file created with exactly `mode` (the umask does not matter) so a private key is never readable
// by others, not even briefly. Throws std::runtime_error("cannot write PATH: reason").
void write_file_atomic(const std::string& path, std::string_view content, unsigned mode = 0644);

// Like `mkdir -p`, but every directory it creates (`dir` and any missing parent) gets exactly mode
// 0700, whatever the umask: the state and cache directories hold pins and keys (XDG base directory
// specification). Directories that already exist keep their mode: they belong to the user ($HOME,
// ~/.local), who may have chosen it. Returns true when `dir` itself was created. Throws
// std::runtime_error("cannot create directory PATH: reason"), also when a component is not a
// directory.
bool create_private_directories(const std::string& dir);

}  // namespace ratls::proxy
